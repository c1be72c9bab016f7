"""Public page: the latest signed checkpoint and how anyone can check the chain against it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from ggzy.audit import service as audit
from ggzy.audit.tasks import count_events
from ggzy.web.context import Viewer, db_session, platform_of, viewer
from ggzy.web.render import page

router = APIRouter(include_in_schema=False)


@router.get("/audit")
def audit_home(request: Request, session: Session = Depends(db_session), v: Viewer = Depends(viewer)):
    cp = audit.latest_checkpoint(session)
    platform = platform_of(request)
    return page(
        request,
        "audit/index.html",
        v,
        events=count_events(session),
        checkpoint=audit.published_checkpoint(cp, platform.key.certificate) if cp else None,
        checkpoint_at=cp.at if cp else None,
        key_id=platform.key.key_id,
    )
