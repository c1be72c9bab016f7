"""Pages of the award: public list and page of candidate publicity and results, the bidder's objection form, the
tenderee's publication and confirmation, and the public expert fee tariff (/experts/fees)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ggzy.authz.scope import acting_entity
from ggzy.award import repository, service, visibility
from ggzy.award.policies import entity_holding
from ggzy.award.workflow import STATUS_LABELS, AwardStatus
from ggzy.evaluation import tariff
from ggzy.kit.errors import GgzyError, NotFound
from ggzy.projects.service import may_manage
from ggzy.web.context import Viewer, csrf_checked, db_session, platform_of, viewer
from ggzy.web.render import page

router = APIRouter(include_in_schema=False)
MANAGE, BIDDER = "entity:project:manage", "entity:bid:submit"


@router.get("/awards")
def awards_page(
    request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(viewer)
):
    rows = [
        {"section": s, "tp": tp, "result": r, "label": STATUS_LABELS[AwardStatus(r.status)]}
        for r, s, tp in repository.public_results(session)
    ]
    return page(request, "award/list.html", v, rows=rows)


def _roles(session: Session, v: Viewer, x: service.Loaded) -> tuple[bool, bool]:
    manager, bidder = entity_holding(v.principal, MANAGE), entity_holding(v.principal, BIDDER)
    return (
        manager is not None and may_manage(x.project, manager),
        bidder is not None and bidder in service.bidder_ids(x.result),
    )


def _section_page(request: Request, session: Session, v: Viewer, code: str, error: str | None = None, status=200):
    x = service.load(session, code)
    manager, bidder = _roles(session, v, x)
    try:
        view = visibility.public_view(session, x)
    except NotFound:
        if not manager:
            raise
        view = None
    mine = []
    if manager or bidder:
        only = None if manager else v.principal.entity_id
        mine = [
            visibility.objection_view(session, o, show_objector=manager)
            for o in repository.objections(session, x.result.id, only)
        ]
    now = platform_of(request).clock.now()
    open_window = x.result.publicity_start is not None and x.result.publicity_start <= now < x.result.publicity_end
    return page(
        request,
        "award/section.html",
        v,
        status_code=status,
        x=x,
        view=view,
        manager=manager,
        bidder=bidder,
        objections=mine,
        open_window=open_window,
        status_label=STATUS_LABELS[AwardStatus(x.result.status)],
        error=error,
    )


@router.get("/sections/{code}/award")
def award_page(
    code: str, request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(viewer)
):
    return _section_page(request, session, v, code)


@router.post("/sections/{code}/award/object")
async def object_form(code: str, request: Request, v: Viewer = Depends(csrf_checked)):
    form = await request.form()
    platform = platform_of(request)
    try:
        with platform.db.session(write=True) as session:
            service.file_objection(
                session,
                actor=v.actor,
                now=platform.clock.now(),
                entity_id=acting_entity(v.principal, BIDDER),
                section_code=code,
                text=str(form.get("text") or ""),
            )
    except GgzyError as exc:
        with platform.db.session() as session:
            return _section_page(request, session, v, code, error=exc.message, status=exc.status)
    return RedirectResponse(f"/sections/{code}/award", status_code=303)


@router.post("/sections/{code}/award/publish")
async def publish_form(code: str, request: Request, v: Viewer = Depends(csrf_checked)):
    return await _tenderee_action(request, v, code, "publish")


@router.post("/sections/{code}/award/confirm")
async def confirm_form(code: str, request: Request, v: Viewer = Depends(csrf_checked)):
    return await _tenderee_action(request, v, code, "confirm")


async def _tenderee_action(request: Request, v: Viewer, code: str, what: str):
    platform = platform_of(request)
    try:
        with platform.db.session(write=True) as session:
            entity = acting_entity(v.principal, MANAGE)
            now = platform.clock.now()
            if what == "publish":
                service.publish_publicity(session, actor=v.actor, now=now, entity_id=entity, section_code=code)
            else:
                service.decide_award(
                    session, actor=v.actor, now=now, key=platform.key, entity_id=entity, section_code=code
                )
    except GgzyError as exc:
        with platform.db.session() as session:
            return _section_page(request, session, v, code, error=exc.message, status=exc.status)
    return RedirectResponse(f"/sections/{code}/award", status_code=303)


@router.get("/experts/fees")
def fees_page(request: Request, v: Viewer = Depends(viewer)):
    on = platform_of(request).clock.now().date()
    return page(request, "award/fees.html", v, tariffs=tariff.published(on), on=on, highest=tariff.HIGHEST_SOURCE)
