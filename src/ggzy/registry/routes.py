"""JSON API of the market-entity registry (province-wide; public directory, self-registration, own profile,
qualifications, credit records entered by center staff, version history)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from ggzy.authz.scope import Principal
from ggzy.centers import service as centers
from ggzy.centers.models import Center
from ggzy.kit.actor import Actor
from ggzy.kit.errors import Forbidden, NotFound
from ggzy.registry import policies, repository, service
from ggzy.registry.models import Entity
from ggzy.registry.schemas import (
    CreditRecordCreate,
    CreditRecordRead,
    EntityFull,
    EntityPage,
    EntityPublic,
    EntityRegister,
    EntityUpdate,
    EntityVersionRead,
    QualificationCreate,
    QualificationRead,
    Registered,
    Withdrawal,
)
from ggzy.registry.visibility import full_view, listed, public_view
from ggzy.web.context import Viewer, client_ip, csrf_checked, db_session, platform_of, scope_for, viewer

router = APIRouter(prefix="/api/v1/entities", tags=["市场主体"])


def _full(session: Session, entity: Entity, now) -> EntityFull:
    quals = repository.qualifications_of(session, [entity.id])[entity.id]
    credits = repository.credit_records_of(session, [entity.id])[entity.id]
    return full_view(entity, quals, credits, repository.center_codes(session), now)


def public_page(session: Session, entities: list[Entity], now) -> list[EntityPublic]:
    ids = [e.id for e in entities]
    quals, credits = repository.qualifications_of(session, ids), repository.credit_records_of(session, ids)
    codes = repository.center_codes(session)
    return [public_view(e, quals[e.id], credits[e.id], codes[e.center_id], now) for e in entities]


def _readable(session: Session, principal: Principal, entity_id: int) -> tuple[Entity, bool]:
    """The entity and whether the viewer reads it in full; the public never learns a natural person exists."""
    entity = repository.get_entity(session, entity_id)
    full = policies.reads_full(principal, entity.id, centers.nodes(session))
    if not full and not listed(entity):
        raise NotFound(f"市场主体 {entity_id} 不存在。", code="registry.entity_not_found")
    return entity, full


def _editable(session: Session, v: Viewer, entity_id: int) -> Entity:
    entity = repository.get_entity(session, entity_id)
    if not policies.may_edit(v.principal, entity.id, centers.nodes(session)):
        raise Forbidden(
            "只有该主体自己的账户（或平台管理员更正登记错误时）可以修改主体信息。", code="registry.not_own_entity"
        )
    return entity


@router.post("", response_model=Registered, status_code=201, summary="主体自助登记（即时生效，全省通用）并开设首个账户")
def register(body: EntityRegister, request: Request, session: Session = Depends(db_session, scope="function")):
    now = platform_of(request).clock.now()
    fields = body.model_dump(exclude={"center", "kind", "account"})
    actor = Actor(None, body.account.display_name, "public", None, client_ip(request))
    entity, account = service.self_register(
        session,
        actor=actor,
        now=now,
        center_code=body.center,
        kind=body.kind,
        fields=fields,
        username=body.account.username,
        display_name=body.account.display_name,
        password=body.account.password,
    )
    return Registered(entity=_full(session, entity, now), account=account.username)


@router.get("", response_model=EntityPage, summary="公开主体名录：按名称、代码、地区、角色查询（游标分页）")
def directory(
    request: Request,
    q: str | None = Query(None, max_length=100, description="名称包含"),
    code: str | None = Query(None, max_length=50, description="统一社会信用代码或旧代码，精确匹配"),
    region: str | None = Query(None, pattern=r"^\d{6}$", description="行政区划代码；520100 含其下属区县"),
    role: str | None = Query(None, description="bidder、supplier、tenderee、agency、buyer"),
    kind: str | None = Query(None, description="legal_person、other_org、sole_trader"),
    cursor: str | None = None,
    limit: int | None = Query(None, description="每页条数，1–500，缺省 20"),
    session: Session = Depends(db_session, scope="function"),
):
    page = repository.search(
        session, name=q, code=code, region=region, role=role, kind=kind, cursor=cursor, limit=limit
    )
    now = platform_of(request).clock.now()
    return EntityPage(items=public_page(session, page.items, now), next_cursor=page.next_cursor)


@router.get(
    "/{entity_id}",
    response_model=EntityFull | EntityPublic,
    summary="一个主体：公众看到公开信息；本主体账户、交易中心与监管人员看到完整信息",
)
def get_entity(
    entity_id: int,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(viewer),
):
    entity, full = _readable(session, v.principal, entity_id)
    now = platform_of(request).clock.now()
    if full:
        return _full(session, entity, now)
    return public_page(session, [entity], now)[0]


@router.patch("/{entity_id}", response_model=EntityFull, summary="修改本主体信息（生成新版本）")
def update(
    entity_id: int,
    body: EntityUpdate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    entity = _editable(session, v, entity_id)
    now = platform_of(request).clock.now()
    changes = body.model_dump(exclude_unset=True, exclude={"reason", "expected_version"})
    service.update_entity(
        session,
        actor=v.actor,
        now=now,
        entity=entity,
        changes=changes,
        reason=body.reason,
        expected_version=body.expected_version,
    )
    return _full(session, entity, now)


@router.get("/{entity_id}/versions", response_model=list[EntityVersionRead], summary="主体信息的全部版本")
def versions(entity_id: int, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(viewer)):
    entity, full = _readable(session, v.principal, entity_id)
    if not full:
        raise Forbidden(
            "版本历史含非公开信息：仅本主体账户、交易中心和监管人员可查看。", code="registry.history_private"
        )
    return [
        EntityVersionRead(
            version=r.version,
            at=r.at,
            actor_name=r.actor_name,
            reason=r.reason,
            changed=json.loads(r.changed),
            snapshot=json.loads(r.snapshot),
            snapshot_hash=r.snapshot_hash,
        )
        for r in repository.versions_of(session, entity.id)
    ]


@router.post("/{entity_id}/qualifications", response_model=QualificationRead, status_code=201, summary="登记资质证书")
def add_qualification(
    entity_id: int,
    body: QualificationCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    entity = _editable(session, v, entity_id)
    now = platform_of(request).clock.now()
    q = service.add_qualification(session, actor=v.actor, now=now, entity=entity, **body.model_dump())
    return next(x for x in _full(session, entity, now).qualifications if x.id == q.id)


@router.post(
    "/{entity_id}/qualifications/{qualification_id}/withdraw",
    response_model=QualificationRead,
    summary="注销资质（记录保留）",
)
def withdraw_qualification(
    entity_id: int,
    qualification_id: int,
    body: Withdrawal,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    entity = _editable(session, v, entity_id)
    now = platform_of(request).clock.now()
    q = repository.get_qualification(session, entity, qualification_id)
    service.withdraw_qualification(session, actor=v.actor, now=now, qualification=q, reason=body.reason)
    return next(x for x in _full(session, entity, now).qualifications if x.id == q.id)


@router.post(
    "/{entity_id}/credit-records",
    response_model=CreditRecordRead,
    status_code=201,
    summary="录入违法违规或黑名单记录（交易中心工作人员）",
)
def add_credit_record(
    entity_id: int,
    body: CreditRecordCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    scope = scope_for(session, v, policies.CREDIT_MANAGE)
    entity = repository.get_entity(session, entity_id)
    if body.center:
        center = centers.get_center(session, body.center)
    elif v.account is not None and v.account.home_center_id is not None:
        center = session.get(Center, v.account.home_center_id)
    else:
        raise Forbidden("请指定录入信用记录的交易中心（center）。", code="registry.center_required")
    now = platform_of(request).clock.now()
    r = service.add_credit_record(
        session,
        actor=v.actor,
        now=now,
        scope=scope,
        center=center,
        entity=entity,
        **body.model_dump(exclude={"center"}),
    )
    return next(x for x in _full(session, entity, now).credit_records if x.id == r.id)


@router.post(
    "/{entity_id}/credit-records/{record_id}/revoke",
    response_model=CreditRecordRead,
    summary="撤销信用记录（记录保留，不再公开）",
)
def revoke_credit_record(
    entity_id: int,
    record_id: int,
    body: Withdrawal,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    scope = scope_for(session, v, policies.CREDIT_MANAGE)
    entity = repository.get_entity(session, entity_id)
    credit = repository.get_credit_record(session, entity, record_id)
    now = platform_of(request).clock.now()
    service.revoke_credit_record(session, actor=v.actor, now=now, scope=scope, credit=credit, reason=body.reason)
    return next(x for x in _full(session, entity, now).credit_records if x.id == credit.id)
