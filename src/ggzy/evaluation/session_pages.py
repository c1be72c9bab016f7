"""Pages of the evaluation session: the expert's room, the center's monitor across venues, the bidder's
clarification requests. Thin: forms become service calls, errors come back on the same page in Chinese."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from ggzy.authz.scope import acting_entity
from ggzy.evaluation import session as service
from ggzy.evaluation.routes import DRAW, own_expert
from ggzy.evaluation.session_routes import BIDDER, decode_signature
from ggzy.kit.errors import GgzyError
from ggzy.kit.money import format_yuan
from ggzy.web.context import Viewer, csrf_checked, platform_of, scope_for, signed_in
from ggzy.web.render import page

router = APIRouter(include_in_schema=False)


@router.get("/evaluation/monitor")
def monitor_page(request: Request, v: Viewer = Depends(signed_in)):
    with platform_of(request).db.session() as session:
        items = service.monitor(session, scope=scope_for(session, v, DRAW))
    return page(request, "evaluation/monitor.html", v, items=items)


def _room(request: Request, v: Viewer, code: str, error: str | None = None, status_code: int = 200):
    with platform_of(request).db.session() as session:
        data = service.room(session, section_code=code, expert=own_expert(session, v))
    return page(request, "evaluation/room.html", v, status_code=status_code, r=data, error=error, yuan=format_yuan)


@router.get("/evaluation/{code}")
def room_page(code: str, request: Request, v: Viewer = Depends(signed_in)):
    return _room(request, v, code)


def _form_action(action: str, form) -> tuple:
    if action == "declare":
        return service.declare, {"conflict": form.get("conflict") == "yes", "note": str(form.get("note") or "")}
    if action == "review":
        ids = [int(k[7:]) for k in form if k.startswith("passed_")]
        verdicts = {i: (form.get(f"passed_{i}") == "yes", str(form.get(f"reason_{i}") or "")) for i in ids}
        return service.review, {"verdicts": verdicts}
    if action == "score":
        sheets: dict[int, dict[str, str]] = {}
        for k in form:
            if k.startswith("s_"):
                _s, bidder, item = k.split("_", 2)
                sheets.setdefault(int(bidder), {})[item] = str(form.get(k) or "")
        return service.score, {"sheets": sheets}
    if action == "ask":
        return service.ask, {"entity_id": int(form.get("entity_id") or 0), "question": str(form.get("question") or "")}
    if action == "sign":
        return service.sign, {
            "signature": decode_signature(str(form.get("signature") or "").strip() or None),
            "dissent": str(form.get("dissent") or ""),
        }
    raise GgzyError("未知操作。")


@router.post("/evaluation/{code}/{action}")
async def room_form(code: str, action: str, request: Request, v: Viewer = Depends(csrf_checked)):
    form = await request.form()
    platform = platform_of(request)
    try:
        fn, kw = _form_action(action, form)
        with platform.db.session(write=True) as session:
            e = own_expert(session, v)
            fn(session, actor=v.actor, now=platform.clock.now(), section_code=code, expert=e, **kw)
    except GgzyError as exc:
        return _room(request, v, code, error=exc.message, status_code=exc.status)
    except ValueError:
        return _room(request, v, code, error="表单内容格式不正确。", status_code=400)
    return RedirectResponse(f"/evaluation/{code}", status_code=303)


def _clarifications(request: Request, v: Viewer, code: str, error: str | None = None, status_code: int = 200):
    with platform_of(request).db.session() as session:
        entity = acting_entity(v.principal, BIDDER)
        items = service.clarifications_for(session, section_code=code, entity_id=entity)
    return page(
        request, "evaluation/clarifications.html", v, status_code=status_code, code=code, items=items, error=error
    )


@router.get("/sections/{code}/clarifications")
def clarifications_page(code: str, request: Request, v: Viewer = Depends(signed_in)):
    return _clarifications(request, v, code)


@router.post("/sections/{code}/clarifications/{cid}")
async def answer_form(code: str, cid: int, request: Request, v: Viewer = Depends(csrf_checked)):
    form = await request.form()
    platform = platform_of(request)
    try:
        with platform.db.session(write=True) as session:
            service.answer_clarification(
                session,
                actor=v.actor,
                now=platform.clock.now(),
                section_code=code,
                clarification_id=cid,
                entity_id=acting_entity(v.principal, BIDDER),
                account_id=v.principal.account_id,
                text=str(form.get("answer") or ""),
            )
    except GgzyError as exc:
        return _clarifications(request, v, code, error=exc.message, status_code=exc.status)
    return RedirectResponse(f"/sections/{code}/clarifications", status_code=303)
