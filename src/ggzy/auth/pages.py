"""Login and logout pages (staff password login; certificate login arrives with the registry)."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ggzy.auth import service as auth
from ggzy.kit.errors import Forbidden, NotAuthenticated
from ggzy.web.context import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Viewer,
    client_ip,
    csrf_checked,
    db_session,
    platform_of,
    viewer,
)
from ggzy.web.render import page

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never redirect a user to another host after login."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, next: str | None = None, v: Viewer = Depends(viewer)):
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = page(request, "auth/login.html", v, csrf_token=token, next=_safe_next(next))
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


@router.post("/login")
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/"),
    session: Session = Depends(db_session, scope="function"),
):
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not secrets.compare_digest(expected, csrf_token):
        raise Forbidden("登录表单已过期（CSRF 校验失败）：请刷新登录页后重试。", code="auth.csrf")
    platform = platform_of(request)
    now = platform.clock.now()
    try:
        account = auth.authenticate(session, now=now, username=username, password=password, ip=client_ip(request))
    except NotAuthenticated as exc:
        # The failed attempt is audited: commit it, then show the form again.
        session.commit()
        return page(
            request,
            "auth/login.html",
            None,
            status_code=401,
            csrf_token=expected,
            error=exc.message,
            username=username,
            next=_safe_next(next),
        )
    issued = auth.open_session(
        session, now=now, account=account, kind="page", ip=client_ip(request), hours=platform.settings.session_hours
    )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, issued.token, httponly=True, samesite="lax", max_age=platform.settings.session_hours * 3600
    )
    return response


@router.post("/logout")
def logout(
    request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(csrf_checked)
):
    token = request.cookies.get(SESSION_COOKIE)
    if token and v.account is not None:
        auth.close_session(session, now=platform_of(request).clock.now(), token=token, actor=v.actor)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
