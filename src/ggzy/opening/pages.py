"""The live opening hall page (不见面开标大厅): the first state is rendered on the server; the page then
follows the SSE stream. What is shown is exactly ``visibility.hall_view`` for the viewer."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from ggzy.opening import repository as repo
from ggzy.opening import routes
from ggzy.web.context import Viewer, platform_of, viewer
from ggzy.web.render import page

router = APIRouter(include_in_schema=False)


@router.get("/sections/{code}/opening")
def hall_page(code: str, request: Request, v: Viewer = Depends(viewer)):
    with platform_of(request).db.session() as session:
        section = repo.section_by_code(session, code)
        view = routes.view_of(session, v, code)
        kind = routes.audience(session, v, code).kind
    return page(request, "opening/hall.html", v, section=section, view=view, audience=kind)
