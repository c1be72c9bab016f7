"""Pages of the registry: the public directory and detail, self-registration, and 我的主体."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ggzy.auth import service as auth
from ggzy.centers import service as centers
from ggzy.kit.actor import Actor
from ggzy.kit.errors import Forbidden, GgzyError, ValidationFailed
from ggzy.kit.money import yuan_to_fen
from ggzy.registry import policies, repository, service
from ggzy.registry.routes import _full, _readable, public_page
from ggzy.web.context import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Viewer,
    client_ip,
    csrf_checked,
    db_session,
    platform_of,
    signed_in,
    viewer,
)
from ggzy.web.render import page

router = APIRouter(include_in_schema=False)

REGISTER_FIELDS = (
    "center",
    "kind",
    "name",
    "uscc",
    "license_no",
    "organ_no",
    "id_card",
    "legal_represent",
    "represent_id_card",
    "represent_phone",
    "region_code",
    "address",
    "capital_yuan",
    "legal_contact",
    "legal_contact_phone",
    "legal_email",
    "username",
    "display_name",
)
# Echoed back into the form after an error: never the password, nor an ID number.
NOT_ECHOED = ("id_card", "represent_id_card")


async def form_data(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {k: form.getlist(k) if k == "roles" else form.get(k) for k in form}


def _date(value: str | None, label: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{label}须为日期，如 2027-12-31。", code="registry.bad_date") from None


@router.get("/entities")
def directory(
    request: Request,
    q: str | None = None,
    code: str | None = None,
    region: str | None = None,
    role: str | None = None,
    cursor: str | None = None,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(viewer),
):
    role = role if role in policies.ENTITY_ROLES else None
    result = repository.search(session, name=q, code=code, region=region, role=role, cursor=cursor)
    items = public_page(session, result.items, platform_of(request).clock.now())
    query = {"q": q or "", "code": code or "", "region": region or "", "role": role or ""}
    return page(
        request,
        "registry/list.html",
        v,
        items=items,
        query=query,
        next_cursor=result.next_cursor,
        roles=policies.ENTITY_ROLES,
    )


def _register_form(request: Request, session: Session, v: Viewer, token: str, status_code: int = 200, **ctx: Any):
    active = [c for c in centers.all_centers(session) if c.status == "active"]
    response = page(
        request,
        "registry/register.html",
        v,
        status_code=status_code,
        csrf_token=token,
        centers=[{"code": c.code, "name": c.name} for c in active],
        kinds=policies.ENTITY_KINDS,
        roles=policies.ENTITY_ROLES,
        **ctx,
    )
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


@router.get("/entities/register")
def register_form(
    request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(viewer)
):
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    return _register_form(request, session, v, token, values={"kind": "legal_person", "roles": ["bidder"]})


@router.post("/entities/register")
def register(
    request: Request,
    form: dict[str, Any] = Depends(form_data),
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(viewer),
):
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not secrets.compare_digest(expected, str(form.get("csrf_token") or "")):
        raise Forbidden("登记表单已过期（CSRF 校验失败）：请刷新登记页后重试。", code="auth.csrf")
    platform = platform_of(request)
    now = platform.clock.now()
    values = {k: str(form.get(k) or "").strip() for k in REGISTER_FIELDS}
    roles = [str(r) for r in form.get("roles") or []]
    try:
        fields = {k: values[k] or None for k in REGISTER_FIELDS if k in policies.PROFILE_FIELDS}
        fields["roles"] = roles
        fields["reg_capital_fen"] = yuan_to_fen(values["capital_yuan"]) if values["capital_yuan"] else None
        if str(form.get("password") or "") != str(form.get("password2") or ""):
            raise ValidationFailed("两次输入的密码不一致。", code="registry.password_mismatch")
        entity, account = service.self_register(
            session,
            actor=Actor(None, values["display_name"] or "公众", "public", None, client_ip(request)),
            now=now,
            center_code=values["center"],
            kind=values["kind"],
            fields=fields,
            username=values["username"],
            display_name=values["display_name"],
            password=str(form.get("password") or ""),
        )
    except GgzyError as exc:
        # Nothing of a refused registration may stay: drop what was flushed before the error.
        session.rollback()
        shown = {k: val for k, val in values.items() if k not in NOT_ECHOED}
        return _register_form(
            request, session, v, expected, status_code=exc.status, error=exc.message, values={**shown, "roles": roles}
        )
    issued = auth.open_session(
        session, now=now, account=account, kind="page", ip=client_ip(request), hours=platform.settings.session_hours
    )
    response = RedirectResponse(f"/entities/mine?registered={entity.id}", status_code=303)
    response.set_cookie(
        SESSION_COOKIE, issued.token, httponly=True, samesite="lax", max_age=platform.settings.session_hours * 3600
    )
    return response


def _mine(request: Request, session: Session, v: Viewer, status_code: int = 200, **ctx: Any):
    assert v.account is not None
    if v.account.entity_id is None:
        return page(request, "registry/mine.html", v, status_code=status_code, entity=None, **ctx)
    entity = repository.get_entity(session, v.account.entity_id)
    now = platform_of(request).clock.now()
    versions = [
        {
            "version": r.version,
            "at": r.at,
            "actor_name": r.actor_name,
            "reason": r.reason,
            "changed": json.loads(r.changed),
        }
        for r in reversed(repository.versions_of(session, entity.id))
    ]
    return page(
        request,
        "registry/mine.html",
        v,
        status_code=status_code,
        entity=_full(session, entity, now),
        versions=versions,
        accounts=[a.username for a in repository.accounts_of(session, entity.id)],
        editable=policies.is_own(v.principal, entity.id),
        kinds=policies.ENTITY_KINDS,
        roles=policies.ENTITY_ROLES,
        **ctx,
    )


@router.get("/entities/mine")
def mine(
    request: Request,
    registered: int | None = None,
    saved: str | None = None,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(signed_in),
):
    messages = []
    if registered:
        messages.append({"level": "success", "text": "登记成功，已在全省各交易中心即时生效。"})
    if saved:
        messages.append({"level": "success", "text": "已保存，并生成了新的信息版本。"})
    return _mine(request, session, v, messages=messages)


@router.post("/entities/mine/profile")
def update_mine(
    request: Request,
    form: dict[str, Any] = Depends(form_data),
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    entity_id = v.account.entity_id if v.account else None
    if entity_id is None or not policies.is_own(v.principal, entity_id):
        raise Forbidden("当前账户没有关联市场主体，或无权修改主体信息。", code="registry.not_own_entity")
    entity = repository.get_entity(session, entity_id)
    fields = ("address", "legal_contact", "legal_contact_phone", "legal_email", "represent_phone", "legal_represent")
    changes: dict[str, Any] = {k: str(form.get(k) or "").strip() or None for k in fields if k in form}
    for k in ("address", "legal_contact", "legal_contact_phone"):
        if k in changes and changes[k] is None:
            changes[k] = ""
    try:
        version = str(form.get("expected_version") or "")
        service.update_entity(
            session,
            actor=v.actor,
            now=platform_of(request).clock.now(),
            entity=entity,
            changes=changes,
            reason=str(form.get("reason") or "").strip(),
            expected_version=int(version) if version.isdigit() else None,
        )
    except GgzyError as exc:
        session.rollback()
        return _mine(request, session, v, status_code=exc.status, error=exc.message)
    return RedirectResponse("/entities/mine?saved=1", status_code=303)


@router.post("/entities/mine/qualifications")
def add_qualification_mine(
    request: Request,
    form: dict[str, Any] = Depends(form_data),
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    entity_id = v.account.entity_id if v.account else None
    if entity_id is None or not policies.is_own(v.principal, entity_id):
        raise Forbidden("当前账户没有关联市场主体，或无权登记资质。", code="registry.not_own_entity")
    entity = repository.get_entity(session, entity_id)
    text = {
        k: str(form.get(k) or "").strip() for k in ("qual_type", "qual_name", "qual_level", "qual_cert_no", "issuer")
    }
    try:
        valid_from = _date(str(form.get("valid_from") or ""), "发证日期")
        end = _date(str(form.get("qual_cert_end_date") or ""), "有效期至")
        if valid_from is None or end is None:
            raise ValidationFailed("请填写资质证书的发证日期和有效期截止日期。", code="registry.qualification.period")
        service.add_qualification(
            session,
            actor=v.actor,
            now=platform_of(request).clock.now(),
            entity=entity,
            valid_from=valid_from,
            qual_cert_end_date=end,
            **text,
        )
    except GgzyError as exc:
        session.rollback()
        return _mine(request, session, v, status_code=exc.status, error=exc.message, qual_values=text)
    return RedirectResponse("/entities/mine?saved=1", status_code=303)


@router.get("/entities/{entity_id:int}")
def detail(
    entity_id: int,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(viewer),
):
    entity, full = _readable(session, v.principal, entity_id)
    now = platform_of(request).clock.now()
    return page(
        request,
        "registry/detail.html",
        v,
        entity=public_page(session, [entity], now)[0],
        full=_full(session, entity, now) if full else None,
        own=policies.is_own(v.principal, entity.id),
        kinds=policies.ENTITY_KINDS,
        roles=policies.ENTITY_ROLES,
    )
