"""JSON API of the expert pool and the committee draws. Routes translate HTTP and nothing else."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from ggzy.auth import service as auth
from ggzy.authz.roles import role
from ggzy.authz.scope import has
from ggzy.centers.service import nodes
from ggzy.evaluation import fees, repository, service
from ggzy.evaluation.draw import RecusalPolicy
from ggzy.evaluation.schemas import (
    Answer,
    DrawCreate,
    ExpertCreate,
    ProfileUpdate,
    Reason,
    RelationCreate,
    StatusChange,
    Unavailable,
)
from ggzy.evaluation.specialties import SOURCE, SPECIALTIES
from ggzy.kit.errors import Forbidden
from ggzy.kit.paging import check_limit
from ggzy.web.context import Viewer, csrf_checked, db_session, platform_of, scope_for, signed_in, viewer

router = APIRouter(prefix="/api/v1", tags=["评标专家与专家抽取"])

MANAGE = "center:expert:manage"
DRAW = "center:expert:draw"
PROFILE = "expert:profile:manage"


def own_expert(session: Session, v: Viewer):
    if not any(PROFILE in role(g.role).permissions for g in v.principal.grants):
        raise Forbidden("仅评标专家本人可以办理此事项。", code="evaluation.expert_only")
    return service.my_expert(session, v.principal.account_id)


@router.get("/specialties", summary="评标专家专业分类目录")
def specialties():
    return {
        "source": SOURCE,
        "items": [{"code": s.code, "name": s.name, "field": s.field} for s in SPECIALTIES.values()],
    }


@router.get("/experts/me", summary="本人专家档案")
def me(session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    return service.expert_dict(session, own_expert(session, v), private=True)


@router.patch("/experts/me", summary="更新本人专家档案")
def update_me(
    body: ProfileUpdate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    e = own_expert(session, v)
    now = platform_of(request).clock.now()
    service.update_profile(session, actor=v.actor, now=now, expert=e, changes=body.model_dump(exclude_none=True))
    return service.expert_dict(session, e, private=True)


@router.get("/experts/me/fees", summary="本人的评审劳务费及其支付状态")
def my_fees(session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    return {"items": fees.fees_of(session, own_expert(session, v))}


@router.post("/experts/me/unavailability", status_code=201, summary="登记不可出席日期")
def unavailable(
    body: Unavailable,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    e = own_expert(session, v)
    now = platform_of(request).clock.now()
    u = service.add_unavailability(session, actor=v.actor, now=now, expert=e, day=body.day, reason=body.reason)
    return {"day": u.day.isoformat(), "reason": u.reason}


@router.post("/experts/me/relations", status_code=201, summary="申报曾任职单位、近亲属任职单位等利害关系")
def relation(
    body: RelationCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    e = own_expert(session, v)
    r = service.add_relation(
        session, actor=v.actor, now=platform_of(request).clock.now(), expert=e, **body.model_dump()
    )
    return {"id": r.id, "kind": r.kind, "entity_name": r.entity_name}


@router.get("/experts/me/invitations", summary="本人的评标邀请")
def my_invitations(session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    return {"items": service.invitations(session, own_expert(session, v))}


@router.post("/experts/me/invitations/{member_id}/{decision}", summary="确认（confirm）或拒绝（refuse）评标邀请")
def answer(
    member_id: int,
    decision: str,
    request: Request,
    body: Answer | None = None,
    session: Session = Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    if decision not in ("confirm", "refuse"):
        raise Forbidden("答复只能是 confirm 或 refuse。", code="evaluation.bad_decision")
    e = own_expert(session, v)
    m = service.answer(
        session,
        actor=v.actor,
        now=platform_of(request).clock.now(),
        expert=e,
        member_id=member_id,
        accept=decision == "confirm",
        reason=body.reason if body else "",
    )
    return {"member_id": m.id, "status": m.status}


@router.get("/experts", summary="专家库（本中心及下级中心登记的专家）")
def experts(
    specialty: str | None = None,
    after: int = 0,
    limit: int | None = None,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(signed_in),
):
    scope = scope_for(session, v, MANAGE)
    rows = repository.experts_in(
        session, scope.center_ids, after_id=after, limit=check_limit(limit), specialty=specialty
    )
    return {"items": [service.expert_dict(session, e, private=False) for e in rows]}


@router.post("/experts", status_code=201, summary="专家入库")
def add_expert(
    body: ExpertCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    scope = scope_for(session, v, MANAGE)
    data = body.model_dump(exclude={"account_username"})
    account_id = auth.get_account(session, body.account_username).id if body.account_username else None
    e = service.create_expert(
        session,
        actor=v.actor,
        now=platform_of(request).clock.now(),
        scope=scope,
        data=service.ExpertData(**data, account_id=account_id),
    )
    return service.expert_dict(session, e, private=True)


@router.get("/experts/{expert_id}", summary="专家档案（专家库管理）")
def expert(expert_id: int, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    scope = scope_for(session, v, MANAGE)
    return service.expert_dict(session, service.managed_expert(session, scope, expert_id), private=True)


@router.post("/experts/{expert_id}/status", summary="暂停或恢复专家抽取")
def expert_status(
    expert_id: int,
    body: StatusChange,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    scope = scope_for(session, v, MANAGE)
    e = service.managed_expert(session, scope, expert_id)
    service.set_status(
        session, actor=v.actor, now=platform_of(request).clock.now(), expert=e, status=body.status, reason=body.reason
    )
    return {"id": e.id, "status": e.status}


@router.get("/sections/{code}/draws", summary="专家抽取证明（承诺值、算法、快照哈希；结果公开后含种子与名单）")
def draws(code: str, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(viewer)):
    all_nodes = nodes(session)
    monitor = scope_for(session, v, DRAW) if has(v.principal, DRAW, all_nodes) else None
    return {"items": service.proofs(session, section_code=code, monitor=monitor)}


@router.get("/sections/{code}/draws/{draw_id}/snapshot", summary="专家库快照（结果公开后）")
def snapshot(code: str, draw_id: int, session: Session = Depends(db_session, scope="function")):
    return service.published_snapshot(session, service.get_draw(session, draw_id, code))


@router.post("/sections/{code}/draws", status_code=201, summary="发起专家抽取：生成并承诺随机种子")
def start(
    code: str,
    body: DrawCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    scope = scope_for(session, v, DRAW)
    order = service.DrawOrder(
        section_code=code,
        evaluation_date=body.evaluation_date,
        committee_size=body.committee_size,
        representatives=body.representatives,
        requirements=[(r.specialty, r.count) for r in body.requirements],
        secondary_centers=body.secondary_centers,
        venue_quotas=body.venue_quotas,
        bidder_ids=body.bidder_ids,
        policy=RecusalPolicy(
            body.recent_employment_years, body.max_engagements, body.engagement_months, tuple(body.excluded_regions)
        ),
    )
    d = service.start_draw(
        session,
        actor=v.actor,
        now=platform_of(request).clock.now(),
        scope=scope,
        order=order,
        account_id=v.principal.account_id,
    )
    return {"id": d.id, "status": d.status, "commitment": d.commitment, "request_hash": d.request_hash}


@router.post(
    "/sections/{code}/draws/{draw_id}/{action}",
    summary="执行抽取（run）、作废（cancel）或标段终止后公开结果（reveal）",
    description=(
        "有中标结果的标段，发出中标通知书时系统自动公开种子和名单；此前请求公开返回 409 evaluation.result_not_public。"
    ),
)
def act(
    code: str,
    draw_id: int,
    action: str,
    request: Request,
    body: Reason | None = None,
    session: Session = Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    scope = scope_for(session, v, DRAW)
    d = service.get_draw(session, draw_id, code)
    now = platform_of(request).clock.now()
    if action == "run":
        service.run(session, actor=v.actor, now=now, scope=scope, draw=d)
    elif action == "reveal":
        service.reveal(session, actor=v.actor, now=now, scope=scope, draw=d)
    elif action == "cancel":
        service.cancel(session, actor=v.actor, now=now, scope=scope, draw=d, reason=body.reason if body else "")
    else:
        raise Forbidden("操作只能是 run、reveal 或 cancel。", code="evaluation.bad_action")
    return {"id": d.id, "status": d.status, "snapshot_hash": d.snapshot_hash}
