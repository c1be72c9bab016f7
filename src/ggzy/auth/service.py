"""Use cases for accounts and sessions. Every state change records one audit event."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.audit.service import record
from ggzy.auth.models import Account, AuthSession, RoleGrant
from ggzy.auth.passwords import check_strength, hash_password, verify_password
from ggzy.authz.roles import INDUSTRIES, ROLES
from ggzy.authz.scope import Grant, Principal
from ggzy.centers.models import Center
from ggzy.kit.actor import Actor
from ggzy.kit.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed

ACCOUNT_KINDS = ("staff", "regulator", "entity", "expert")
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_account(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    username: str,
    display_name: str,
    kind: str,
    password: str | None = None,
    home_center_code: str | None = None,
) -> Account:
    """Open an account; staff and regulators need a password, entities and experts may use certificates only."""
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise ValidationFailed(
            "用户名须为 3–64 位小写字母、数字、点、下划线或连字符，且以字母或数字开头。", code="auth.bad_username"
        )
    if kind not in ACCOUNT_KINDS:
        raise ValidationFailed(f"账户类型 {kind!r} 无效：可选 {', '.join(ACCOUNT_KINDS)}。", code="auth.bad_kind")
    if not display_name.strip():
        raise ValidationFailed("请填写姓名或显示名称。", code="auth.bad_display_name")
    if password is not None:
        check_strength(password)
    elif kind in ("staff", "regulator"):
        raise ValidationFailed("工作人员和监管人员账户必须设置密码。", code="auth.password_required")
    if session.execute(select(Account.id).where(Account.username == username)).first():
        raise Conflict(f"用户名 {username} 已被使用：请换一个。", code="auth.username_taken")
    center_id = None
    if home_center_code:
        center = session.execute(select(Center).where(Center.code == home_center_code)).scalar_one_or_none()
        if center is None:
            raise NotFound(f"交易中心 {home_center_code} 不存在。", code="centers.not_found")
        center_id = center.id
    account = Account(
        username=username,
        display_name=display_name.strip(),
        kind=kind,
        password_hash=hash_password(password) if password else None,
        home_center_id=center_id,
        status="active",
        failed_logins=0,
        created_at=now,
    )
    session.add(account)
    session.flush()
    record(
        session,
        tag="auth:account:created",
        actor=actor,
        now=now,
        subject_id=account.id,
        center_id=center_id,
        payload={"username": username, "kind": kind, "display_name": account.display_name},
    )
    return account


def get_account(session: Session, username: str) -> Account:
    account = session.execute(select(Account).where(Account.username == username.lower())).scalar_one_or_none()
    if account is None:
        raise NotFound(f"账户 {username} 不存在。", code="auth.account_not_found")
    return account


def grant_role(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    account: Account,
    role: str,
    center_code: str | None = None,
    industry: str | None = None,
    region_code: str | None = None,
) -> RoleGrant:
    """Give ``account`` a role in a scope; the scope must fit the role's kind."""
    if role not in ROLES:
        raise ValidationFailed(f"角色 {role!r} 不存在：可选 {', '.join(sorted(ROLES))}。", code="authz.bad_role")
    scope = ROLES[role].scope
    center_id = None
    if scope == "center":
        if not center_code:
            raise ValidationFailed(f"角色 {ROLES[role].label} 须指定所属交易中心。", code="authz.center_required")
        center = session.execute(select(Center).where(Center.code == center_code)).scalar_one_or_none()
        if center is None:
            raise NotFound(f"交易中心 {center_code} 不存在。", code="centers.not_found")
        if center.status != "active":
            raise ValidationFailed(f"交易中心 {center_code} 已整合，不能再授予其岗位。", code="authz.center_merged")
        center_id = center.id
    if scope == "supervision":
        if industry not in INDUSTRIES:
            raise ValidationFailed(f"监管行业须为：{', '.join(INDUSTRIES)}。", code="authz.industry_required")
        if not region_code or not re.fullmatch(r"52\d{4}", region_code):
            raise ValidationFailed(
                "监管区域须为贵州省内的 6 位行政区划代码（GB/T 2260），如 520000。", code="authz.region_required"
            )
    grant = RoleGrant(
        account_id=account.id,
        role=role,
        center_id=center_id,
        industry=industry if scope == "supervision" else None,
        region_code=region_code if scope == "supervision" else None,
        created_at=now,
    )
    session.add(grant)
    session.flush()
    record(
        session,
        tag="authz:grant:added",
        actor=actor,
        now=now,
        subject_id=account.id,
        center_id=center_id,
        payload={"role": role, "center": center_code, "industry": grant.industry, "region": grant.region_code},
    )
    return grant


def set_status(session: Session, *, actor: Actor, now: dt.datetime, account: Account, status: str) -> None:
    if status not in ("active", "disabled"):
        raise ValidationFailed("账户状态只能是 active 或 disabled。", code="auth.bad_status")
    if account.status == status:
        return
    account.status = status
    if status == "disabled":
        for s in session.execute(
            select(AuthSession).where(AuthSession.account_id == account.id, AuthSession.revoked_at.is_(None))
        ).scalars():
            s.revoked_at = now
    record(
        session,
        tag=f"auth:account:{'enabled' if status == 'active' else 'disabled'}",
        actor=actor,
        now=now,
        subject_id=account.id,
        payload={"username": account.username},
    )


def set_password(session: Session, *, actor: Actor, now: dt.datetime, account: Account, password: str) -> None:
    check_strength(password)
    account.password_hash = hash_password(password)
    account.failed_logins, account.locked_until = 0, None
    record(
        session,
        tag="auth:account:password_set",
        actor=actor,
        now=now,
        subject_id=account.id,
        payload={"username": account.username},
    )


def authenticate(session: Session, *, now: dt.datetime, username: str, password: str, ip: str | None) -> Account:
    """Check a password; five failures lock the account for 15 minutes. Failures are audited too."""
    account = session.execute(select(Account).where(Account.username == username.strip().lower())).scalar_one_or_none()
    generic = NotAuthenticated("用户名或密码错误。", code="auth.bad_credentials")
    if account is None:
        verify_password(None, password)
        raise generic
    actor = Actor(account.id, account.display_name, "account", account.home_center_id, ip)
    if account.status != "active":
        raise NotAuthenticated("该账户已停用：请联系交易中心管理员。", code="auth.disabled")
    if account.locked_until is not None and account.locked_until > now:
        raise NotAuthenticated("密码错误次数过多，账户已暂时锁定 15 分钟，请稍后再试。", code="auth.locked")
    if not verify_password(account.password_hash, password):
        account.failed_logins += 1
        if account.failed_logins >= MAX_FAILED_LOGINS:
            account.locked_until, account.failed_logins = now + LOCKOUT, 0
        record(
            session,
            tag="auth:login:failed",
            actor=actor,
            now=now,
            subject_id=account.id,
            payload={"locked": account.locked_until is not None and account.locked_until > now},
        )
        raise generic
    account.failed_logins, account.locked_until = 0, None
    return account


@dataclass(frozen=True)
class IssuedSession:
    token: str
    csrf_token: str
    record: AuthSession


def open_session(
    session: Session, *, now: dt.datetime, account: Account, kind: str, ip: str | None, hours: int, name: str = ""
) -> IssuedSession:
    """Issue a page session (cookie) or an API token; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    row = AuthSession(
        id=_token_id(token),
        account_id=account.id,
        kind=kind,
        name=name,
        csrf_token=secrets.token_urlsafe(24),
        created_at=now,
        expires_at=now + dt.timedelta(hours=hours),
        ip=ip,
    )
    session.add(row)
    actor = Actor(account.id, account.display_name, "account", account.home_center_id, ip)
    record(
        session,
        tag=f"auth:{'session' if kind == 'page' else 'token'}:opened",
        actor=actor,
        now=now,
        subject_id=account.id,
        payload={"kind": kind, "name": name, "expires_at": row.expires_at.isoformat()},
    )
    return IssuedSession(token=token, csrf_token=row.csrf_token, record=row)


def resolve_token(session: Session, *, now: dt.datetime, token: str, kind: str) -> tuple[Account, AuthSession] | None:
    row = session.get(AuthSession, _token_id(token))
    if row is None or row.kind != kind or row.revoked_at is not None or row.expires_at <= now:
        return None
    account = session.get(Account, row.account_id)
    if account is None or account.status != "active":
        return None
    return account, row


def close_session(session: Session, *, now: dt.datetime, token: str, actor: Actor) -> None:
    row = session.get(AuthSession, _token_id(token))
    if row is None or row.revoked_at is not None:
        return
    row.revoked_at = now
    record(
        session,
        tag=f"auth:{'session' if row.kind == 'page' else 'token'}:closed",
        actor=actor,
        now=now,
        subject_id=row.account_id,
        payload={"kind": row.kind},
    )


def principal_of(session: Session, account: Account) -> Principal:
    grants = session.execute(select(RoleGrant).where(RoleGrant.account_id == account.id)).scalars()
    return Principal(
        account_id=account.id,
        name=account.display_name,
        entity_id=account.entity_id,
        grants=tuple(Grant(g.role, g.center_id, g.industry, g.region_code) for g in grants),
    )


def actor_of(account: Account, principal: Principal, ip: str | None) -> Actor:
    roles = sorted({g.role for g in principal.grants}) or [account.kind]
    return Actor(account.id, account.display_name, ",".join(roles), account.home_center_id, ip)
