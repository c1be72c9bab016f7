"""Per-request plumbing: the database session, who is asking, and the audit actor."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from ggzy.auth import service as auth
from ggzy.auth.models import Account
from ggzy.authz.roles import ROLES
from ggzy.authz.scope import PUBLIC, CenterScope, Principal, require
from ggzy.centers import service as centers
from ggzy.kit.actor import Actor
from ggzy.kit.errors import Forbidden, NotAuthenticated
from ggzy.platform import Platform

SESSION_COOKIE = "ggzy_session"
CSRF_COOKIE = "ggzy_csrf"


def platform_of(request: Request) -> Platform:
    return request.app.state.platform


def db_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: writing for unsafe methods (committed on success), reading otherwise.

    Always declared ``Depends(db_session, scope="function")``: the commit must happen before the response is
    sent. With FastAPI's default scope ("request") the code after ``yield`` runs only after the response has
    gone out, so a client could be told 201 for a write that then fails to commit, or race its own next request
    past the commit (tests/web/test_unit_of_work.py checks every route)."""
    write = request.method not in ("GET", "HEAD", "OPTIONS")
    with platform_of(request).db.session(write=write) as session:
        yield session


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@dataclass
class Viewer:
    """Who is asking: an account with its grants, or the public."""

    principal: Principal
    account: Account | None
    ip: str | None
    csrf_token: str = ""
    via: str = "public"

    @property
    def actor(self) -> Actor:
        if self.account is None:
            return Actor(None, "公众", "public", None, self.ip)
        return auth.actor_of(self.account, self.principal, self.ip)

    @property
    def display_name(self) -> str:
        return self.account.display_name if self.account else "公众"

    @property
    def role_label(self) -> str:
        labels = [ROLES[g.role].label for g in self.principal.grants]
        return "、".join(dict.fromkeys(labels))


def viewer(request: Request) -> Viewer:
    """Resolve who asks in a short reading session of its own, so that a request's writing transaction
    (``db_session``) starts only when the route itself writes — never during a long upload."""
    with platform_of(request).db.session() as session:
        found = _resolve(request, session)
        # Keep the loaded account as it is: the session's rollback must not expire it.
        session.expunge_all()
        return found


def _resolve(request: Request, session: Session) -> Viewer:
    now = platform_of(request).clock.now()
    ip = client_ip(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        found = auth.resolve_token(session, now=now, token=header[7:].strip(), kind="api")
        if found is None:
            raise NotAuthenticated("API 令牌无效、已过期或已注销：请重新申请令牌。", code="auth.bad_token")
        account, row = found
        return Viewer(auth.principal_of(session, account), account, ip, row.csrf_token, "token")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = auth.resolve_token(session, now=now, token=cookie, kind="page")
        if found is not None:
            account, row = found
            return Viewer(auth.principal_of(session, account), account, ip, row.csrf_token, "cookie")
    return Viewer(PUBLIC, None, ip)


def signed_in(v: Viewer = Depends(viewer)) -> Viewer:
    if v.account is None:
        raise NotAuthenticated("请先登录。", code="auth.required")
    return v


def scope_for(session: Session, v: Viewer, permission: str, center_id: int | None = None) -> CenterScope:
    return require(v.principal, permission, centers.nodes(session), center_id)


async def csrf_checked(request: Request, v: Viewer = Depends(viewer)) -> Viewer:
    """A signed-in writer. Cookie sessions must echo their CSRF token (form field or X-CSRF-Token)."""
    if v.account is None:
        raise NotAuthenticated("请先登录。", code="auth.required")
    if v.via != "cookie" or request.method in ("GET", "HEAD", "OPTIONS"):
        return v
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get("csrf_token")
    if not sent or sent != v.csrf_token:
        raise Forbidden("表单已过期或来源不明（CSRF 校验失败）：请刷新页面后重试。", code="auth.csrf")
    return v
