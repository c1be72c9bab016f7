"""Pages: the expert's own profile, invitations and fees, the center staff's draw page, the public draw proof."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ggzy.authz.scope import has
from ggzy.centers.service import all_centers, nodes
from ggzy.evaluation import draw as algo
from ggzy.evaluation import fees, service
from ggzy.evaluation.routes import DRAW, own_expert
from ggzy.evaluation.specialties import SOURCE, SPECIALTIES
from ggzy.kit.errors import GgzyError, ValidationFailed
from ggzy.web.context import Viewer, csrf_checked, db_session, platform_of, scope_for, signed_in, viewer
from ggzy.web.render import page

router = APIRouter(include_in_schema=False)

MEMBER_LABELS = {"invited": "待确认", "confirmed": "已确认", "refused": "已拒绝"}
DRAW_LABELS = {"committed": "已承诺种子", "drawn": "已抽取（名单保密）", "revealed": "已公开", "cancelled": "已作废"}
LABELS = {"members": MEMBER_LABELS, "draws": DRAW_LABELS, "reasons": algo.REASONS, "specialties": SPECIALTIES}


def _profile(request: Request, v: Viewer, error: str | None = None, status_code: int = 200):
    with platform_of(request).db.session() as session:
        e = own_expert(session, v)
        profile = service.expert_dict(session, e, private=True)
        invitations = service.invitations(session, e)
        fee_payments = fees.fees_of(session, e)
    return page(
        request,
        "evaluation/profile.html",
        v,
        status_code=status_code,
        profile=profile,
        invitations=invitations,
        fee_payments=fee_payments,
        labels=LABELS,
        kinds=service.RELATION_KINDS,
        error=error,
    )


@router.get("/expert/profile")
def profile_page(request: Request, v: Viewer = Depends(signed_in)):
    return _profile(request, v)


def _date(text: object, label: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise ValidationFailed(f"{label}格式应为 YYYY-MM-DD。", code="input.bad_date") from None


@router.post("/expert/profile/{what}")
async def profile_form(what: str, request: Request, v: Viewer = Depends(csrf_checked)):
    form = await request.form()
    platform = platform_of(request)
    try:
        with platform.db.session(write=True) as session:
            e, now = own_expert(session, v), platform.clock.now()
            if what == "unavailability":
                day = _date(form.get("day"), "日期")
                if day is None:
                    raise ValidationFailed("请填写日期。", code="input.bad_date")
                service.add_unavailability(
                    session, actor=v.actor, now=now, expert=e, day=day, reason=str(form.get("reason") or "")
                )
            elif what == "relations":
                service.add_relation(
                    session,
                    actor=v.actor,
                    now=now,
                    expert=e,
                    kind=str(form.get("kind") or ""),
                    entity_name=str(form.get("entity_name") or ""),
                    until=_date(form.get("until"), "离职日期"),
                    note=str(form.get("note") or ""),
                )
            elif what == "bank":
                changes = {k: str(form.get(k) or "") for k in ("bank_name", "bank_account")}
                service.update_profile(session, actor=v.actor, now=now, expert=e, changes=changes)
            else:
                changes = {k: str(form.get(k)) for k in service.PROFILE_FIELDS if form.get(k) is not None}
                service.update_profile(session, actor=v.actor, now=now, expert=e, changes=changes)
    except GgzyError as exc:
        return _profile(request, v, error=exc.message, status_code=exc.status)
    return RedirectResponse("/expert/profile", status_code=303)


@router.post("/expert/invitations/{member_id}/{decision}")
async def answer_form(member_id: int, decision: str, request: Request, v: Viewer = Depends(csrf_checked)):
    form = await request.form()
    platform = platform_of(request)
    try:
        with platform.db.session(write=True) as session:
            service.answer(
                session,
                actor=v.actor,
                now=platform.clock.now(),
                expert=own_expert(session, v),
                member_id=member_id,
                accept=decision == "confirm",
                reason=str(form.get("reason") or ""),
            )
    except GgzyError as exc:
        return _profile(request, v, error=exc.message, status_code=exc.status)
    return RedirectResponse("/expert/profile", status_code=303)


def _staff(request: Request, v: Viewer, code: str, error: str | None = None, status_code: int = 200, form=None):
    with platform_of(request).db.session() as session:
        scope = scope_for(session, v, DRAW)
        s, tp, _p = service.section_context(session, code)
        scope_for(session, v, DRAW, s.center_id)
        items = service.proofs(session, section_code=code, monitor=scope)
        centers = [c for c in all_centers(session) if c.status == "active" and c.id != s.center_id]
    return page(
        request,
        "evaluation/staff.html",
        v,
        status_code=status_code,
        section=s,
        tender_project=tp,
        items=items,
        centers=centers,
        labels=LABELS,
        error=error,
        form=form or {},
    )


@router.get("/sections/{code}/draws/manage")
def staff_page(code: str, request: Request, v: Viewer = Depends(signed_in)):
    return _staff(request, v, code)


def _order(code: str, form) -> service.DrawOrder:
    try:
        reqs = []
        for part in str(form.get("requirements") or "").replace("，", ",").split(","):
            if part.strip():
                spec, _, n = part.strip().partition(":")
                reqs.append((spec.strip().upper(), int(n)))
        quotas: dict[str, int] = {}
        for part in str(form.get("venue_quotas") or "").replace("，", ",").replace("：", ":").split(","):
            if part.strip():
                center, _, n = part.strip().partition(":")
                quotas[center.strip().upper()] = int(n)
        policy = algo.RecusalPolicy(
            int(form.get("recent_employment_years") or 3),
            int(form.get("max_engagements") or 3),
            int(form.get("engagement_months") or 12),
            tuple(r.strip() for r in str(form.get("excluded_regions") or "").split(",") if r.strip()),
        )
        return service.DrawOrder(
            section_code=code,
            evaluation_date=_date(form.get("evaluation_date"), "评标日期") or dt.date.min,
            committee_size=int(form.get("committee_size") or 0),
            representatives=int(form.get("representatives") or 0),
            requirements=reqs,
            secondary_centers=form.getlist("secondary_centers"),
            venue_quotas=quotas,
            bidder_ids=[int(x) for x in str(form.get("bidder_ids") or "").replace("，", ",").split(",") if x.strip()],
            policy=policy,
        )
    except ValueError:
        raise ValidationFailed(
            "请按格式填写：专业要求如“A010:3, A080:2”，各场人数如“GY:3, ZY:2”，"
            "人数与年限为整数，投标人为主体编号列表。",
            code="input.invalid",
        ) from None


@router.post("/sections/{code}/draws/manage")
async def start_form(code: str, request: Request, v: Viewer = Depends(csrf_checked)):
    form = await request.form()
    platform = platform_of(request)
    try:
        with platform.db.session(write=True) as session:
            scope = scope_for(session, v, DRAW)
            service.start_draw(
                session,
                actor=v.actor,
                now=platform.clock.now(),
                scope=scope,
                order=_order(code, form),
                account_id=v.principal.account_id,
            )
    except GgzyError as exc:
        return _staff(request, v, code, error=exc.message, status_code=exc.status, form=dict(form))
    return RedirectResponse(f"/sections/{code}/draws/manage", status_code=303)


@router.post("/sections/{code}/draws/manage/{draw_id}/{action}")
async def act_form(code: str, draw_id: int, action: str, request: Request, v: Viewer = Depends(csrf_checked)):
    form = await request.form()
    platform = platform_of(request)
    try:
        with platform.db.session(write=True) as session:
            scope, now = scope_for(session, v, DRAW), platform.clock.now()
            d = service.get_draw(session, draw_id, code)
            if action == "run":
                service.run(session, actor=v.actor, now=now, scope=scope, draw=d)
            elif action == "reveal":
                service.reveal(session, actor=v.actor, now=now, scope=scope, draw=d)
            else:
                service.cancel(
                    session, actor=v.actor, now=now, scope=scope, draw=d, reason=str(form.get("reason") or "")
                )
    except GgzyError as exc:
        return _staff(request, v, code, error=exc.message, status_code=exc.status)
    return RedirectResponse(f"/sections/{code}/draws/manage", status_code=303)


@router.get("/sections/{code}/draws")
def proof_page(
    code: str, request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(viewer)
):
    s, tp, _p = service.section_context(session, code)
    items = service.proofs(session, section_code=code, monitor=None)
    may_manage = has(v.principal, DRAW, nodes(session), s.center_id)
    return page(
        request,
        "evaluation/proof.html",
        v,
        section=s,
        tender_project=tp,
        items=items,
        labels=LABELS,
        algorithm_doc=algo.__doc__,
        source=SOURCE,
        may_manage=may_manage,
    )
