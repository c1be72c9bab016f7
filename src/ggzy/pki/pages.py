"""HTML pages: certificate login, "我的证书" (binding), and the trust-list administration."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ggzy.auth.pages import _safe_next
from ggzy.kit.errors import Forbidden, GgzyError, NotAuthenticated, ValidationFailed
from ggzy.pki import service as pki
from ggzy.pki.routes import read_proof, read_upload
from ggzy.pki.service import ALGORITHM_LABELS
from ggzy.web.context import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Viewer,
    client_ip,
    csrf_checked,
    db_session,
    platform_of,
    scope_for,
    signed_in,
    viewer,
)
from ggzy.web.render import page

router = APIRouter(include_in_schema=False)

DONE = {
    "bound": "证书已绑定。今后可在任一交易中心用这张证书登录。",
    "unbound": "已解除绑定。",
    "added": "CA 已加入信任列表。",
    "removed": "CA 已移出信任列表。",
    "crl": "CRL 已更新。",
    "crl-same": "CRL 与已有的相同，无需更新。",
}


def _messages(done: str | None, error: str | None = None) -> list[dict[str, str]]:
    out = [{"level": "success", "text": DONE[done]}] if done in DONE else []
    return out + ([{"level": "error", "text": error}] if error else [])


def _login_page(request: Request, *, csrf: str, next: str, error: str | None = None, status: int = 200):
    platform = platform_of(request)
    challenge = pki.issue_challenge(pki.challenge_secret(platform.key), now=platform.clock.now(), purpose="login")
    response = page(
        request,
        "pki/login.html",
        None,
        status_code=status,
        csrf_token=csrf,
        challenge=challenge,
        next=next,
        base_url=str(request.base_url).rstrip("/"),
        messages=_messages(None, error),
    )
    response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict")
    return response


@router.get("/login/certificate")
def certificate_login_form(request: Request, next: str | None = None):
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    return _login_page(request, csrf=csrf, next=_safe_next(next))


@router.post("/login/certificate")
async def certificate_login(request: Request, session: Session = Depends(db_session, scope="function")):
    form = await request.form()
    expected = request.cookies.get(CSRF_COOKIE)
    sent = form.get("csrf_token")
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(expected, sent):
        raise Forbidden("登录表单已过期（CSRF 校验失败）：请刷新页面后重试。", code="auth.csrf")
    target = _safe_next(str(form.get("next") or "/"))
    platform = platform_of(request)
    try:
        proof = await read_proof(request)
        _, issued = pki.login_with_certificate(
            session,
            trust=pki.current_trust_list(session),
            secret=pki.challenge_secret(platform.key),
            now=platform.clock.now(),
            ip=client_ip(request),
            proof=proof,
            kind="page",
            hours=platform.settings.session_hours,
        )
    except pki.CertificateRejected as exc:
        session.commit()
        return _login_page(request, csrf=expected, next=target, error=exc.message, status=401)
    except GgzyError as exc:
        session.rollback()
        return _login_page(request, csrf=expected, next=target, error=exc.message, status=exc.status)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, issued.token, httponly=True, samesite="lax", max_age=platform.settings.session_hours * 3600
    )
    return response


def _mine(request: Request, session: Session, v: Viewer, *, done: str | None = None, error: str | None = None):
    assert v.account is not None
    platform = platform_of(request)
    challenge = pki.issue_challenge(
        pki.challenge_secret(platform.key), now=platform.clock.now(), purpose="bind", account_id=v.account.id
    )
    return page(
        request,
        "pki/mine.html",
        v,
        status_code=200 if error is None else 422,
        bindings=pki.bindings_of(session, v.account.id),
        challenge=challenge,
        labels=ALGORITHM_LABELS,
        messages=_messages(done, error),
    )


@router.get("/me/certificates")
def my_certificates(
    request: Request,
    done: str | None = None,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(viewer),
):
    if v.account is None:
        return RedirectResponse("/login?next=/me/certificates", status_code=303)
    return _mine(request, session, v, done=done)


@router.post("/me/certificates")
async def bind(
    request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(csrf_checked)
):
    assert v.account is not None
    platform = platform_of(request)
    try:
        pki.bind_with_proof(
            session,
            actor=v.actor,
            now=platform.clock.now(),
            account=v.account,
            trust=pki.current_trust_list(session),
            secret=pki.challenge_secret(platform.key),
            proof=await read_proof(request),
        )
    except GgzyError as exc:
        session.rollback()
        return _mine(request, session, v, error=exc.message)
    return RedirectResponse("/me/certificates?done=bound", status_code=303)


@router.post("/me/certificates/{fingerprint}/unbind")
def unbind(
    fingerprint: str,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    assert v.account is not None
    pki.unbind(session, actor=v.actor, now=platform_of(request).clock.now(), account=v.account, fingerprint=fingerprint)
    return RedirectResponse("/me/certificates?done=unbound", status_code=303)


def _admin(request: Request, session: Session, v: Viewer, *, done: str | None = None, error: str | None = None):
    return page(
        request,
        "pki/trust.html",
        v,
        status_code=200 if error is None else 422,
        cas=pki.list_cas(session, include_removed=True),
        labels=ALGORITHM_LABELS,
        messages=_messages(done, error),
    )


def _manager(session: Session, v: Viewer) -> Viewer:
    if v.account is None:
        raise NotAuthenticated("请先登录。", code="auth.required")
    scope_for(session, v, "province:trust:manage")
    return v


@router.get("/admin/trust")
def trust_admin(
    request: Request,
    done: str | None = None,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(signed_in),
):
    _manager(session, v)
    return _admin(request, session, v, done=done)


@router.post("/admin/trust")
async def trust_add(
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    _manager(session, v)
    form = await request.form()
    try:
        certificate = await read_upload(form, "certificate", "CA 证书")
        if certificate is None:
            raise ValidationFailed("请选择 CA 证书文件。", code="input.invalid")
        crl_url = str(form.get("crl_url") or "").strip()
        pki.add_ca(
            session,
            actor=v.actor,
            now=platform_of(request).clock.now(),
            certificate=certificate,
            name=str(form.get("name") or ""),
            provider=str(form.get("provider") or ""),
            crl=await read_upload(form, "crl", "CRL"),
            crl_url=crl_url or None,
        )
    except GgzyError as exc:
        session.rollback()
        return _admin(request, session, v, error=exc.message)
    return RedirectResponse("/admin/trust?done=added", status_code=303)


@router.post("/admin/trust/{fingerprint}/remove")
def trust_remove(
    fingerprint: str,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    _manager(session, v)
    pki.remove_ca(session, actor=v.actor, now=platform_of(request).clock.now(), ref=fingerprint)
    return RedirectResponse("/admin/trust?done=removed", status_code=303)


@router.post("/admin/trust/{fingerprint}/crl")
async def trust_crl(
    fingerprint: str,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    _manager(session, v)
    try:
        data = await read_upload(await request.form(), "crl", "CRL")
        ca = pki.find_ca(session, fingerprint)
        changed = pki.refresh_crl(session, actor=v.actor, now=platform_of(request).clock.now(), ca=ca, data=data)
    except GgzyError as exc:
        session.rollback()
        return _admin(request, session, v, error=exc.message)
    return RedirectResponse(f"/admin/trust?done={'crl' if changed else 'crl-same'}", status_code=303)
