"""JSON API for tokens, the current account and account administration."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.auth import service as auth
from ggzy.auth.models import Account, RoleGrant
from ggzy.auth.schemas import AccountCreate, AccountRead, GrantRead, Me, TokenIssued, TokenRequest
from ggzy.authz.roles import ROLES
from ggzy.authz.scope import has, require
from ggzy.centers import service as centers
from ggzy.centers.models import Center
from ggzy.centers.service import get_center
from ggzy.kit.errors import NotAuthenticated
from ggzy.web.context import Viewer, client_ip, csrf_checked, db_session, platform_of, scope_for, signed_in

router = APIRouter(prefix="/api/v1", tags=["账户与权限"])


def _center_codes(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Center.id, Center.code)).all())


@router.post("/auth/tokens", response_model=TokenIssued, status_code=201, summary="用户名密码换取 API 令牌")
def issue_token(body: TokenRequest, request: Request, session: Session = Depends(db_session, scope="function")):
    platform = platform_of(request)
    now = platform.clock.now()
    try:
        account = auth.authenticate(
            session, now=now, username=body.username, password=body.password, ip=client_ip(request)
        )
    except NotAuthenticated:
        session.commit()  # the failed attempt and the lockout counter are kept: that is the point of them
        raise
    issued = auth.open_session(
        session,
        now=now,
        account=account,
        kind="api",
        ip=client_ip(request),
        hours=platform.settings.session_hours,
        name=body.name,
    )
    return TokenIssued(token=issued.token, expires_at=issued.record.expires_at)


@router.delete("/auth/tokens/current", status_code=204, summary="注销当前令牌")
def revoke_token(
    request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)
):
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        auth.close_session(session, now=platform_of(request).clock.now(), token=header[7:].strip(), actor=v.actor)


@router.get("/me", response_model=Me, summary="当前账户及其岗位")
def me(session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    codes = _center_codes(session)
    a = v.account
    assert a is not None
    return Me(
        id=a.id,
        username=a.username,
        display_name=a.display_name,
        kind=a.kind,
        home_center=codes.get(a.home_center_id) if a.home_center_id else None,
        grants=[
            GrantRead(
                role=g.role,
                role_label=ROLES[g.role].label,
                center=codes.get(g.center_id) if g.center_id else None,
                industry=g.industry,
                region_code=g.region_code,
            )
            for g in v.principal.grants
        ],
    )


@router.post("/accounts", response_model=AccountRead, status_code=201, summary="开设账户并授予岗位")
def create_account(
    body: AccountCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    center_id = get_center(session, body.home_center).id if body.home_center else None
    # Province-wide administrators open any account; a center administrator opens accounts of its own
    # centers and grants only center roles there.
    nodes = centers.nodes(session)
    if not has(v.principal, "province:account:manage", nodes):
        require(v.principal, "center:account:manage", nodes, center_id if center_id is not None else -1)
        if body.role and body.role in ROLES and ROLES[body.role].scope != "center":
            require(v.principal, "province:account:manage", nodes)
    now = platform_of(request).clock.now()
    account = auth.create_account(
        session,
        actor=v.actor,
        now=now,
        username=body.username,
        display_name=body.display_name,
        kind=body.kind,
        password=body.password,
        home_center_code=body.home_center,
    )
    if body.role:
        auth.grant_role(
            session,
            actor=v.actor,
            now=now,
            account=account,
            role=body.role,
            center_code=body.home_center,
            industry=body.industry,
            region_code=body.region_code,
        )
    return AccountRead(
        id=account.id,
        username=account.username,
        display_name=account.display_name,
        kind=account.kind,
        status=account.status,
        home_center=body.home_center,
    )


@router.get("/accounts", response_model=list[AccountRead], summary="账户列表（按管理范围）")
def list_accounts(session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    codes = _center_codes(session)
    if has(v.principal, "province:account:manage", centers.nodes(session)):
        rows = session.execute(select(Account).order_by(Account.id)).scalars()
    else:
        scope = scope_for(session, v, "center:account:manage")
        member = select(RoleGrant.account_id).where(RoleGrant.center_id.in_(scope.center_ids))
        rows = session.execute(
            select(Account)
            .where((Account.home_center_id.in_(scope.center_ids)) | Account.id.in_(member))
            .order_by(Account.id)
        ).scalars()
    return [
        AccountRead(
            id=a.id,
            username=a.username,
            display_name=a.display_name,
            kind=a.kind,
            status=a.status,
            home_center=codes.get(a.home_center_id) if a.home_center_id else None,
        )
        for a in rows
    ]
