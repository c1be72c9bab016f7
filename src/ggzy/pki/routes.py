"""JSON API: certificate login (一证通), an account's own certificates, the province-wide trust list.

Login and binding take either JSON (PEM text or base64 DER) or multipart form uploads, so that the
same call works from ``curl -F certificate=@cert.pem -F signature=@sig.der`` and from programs.
The Pydantic shapes live here rather than in a ``schemas.py`` shared with the CA-fee work.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from ggzy.auth.schemas import TokenIssued
from ggzy.kit.errors import ValidationFailed
from ggzy.pki import service as pki
from ggzy.pki.errors import PkiInputTooLarge
from ggzy.pki.models import CertificateBinding, TrustedCa
from ggzy.pki.pem import MAX_INPUT, is_pem
from ggzy.web.context import Viewer, client_ip, csrf_checked, db_session, platform_of, scope_for, signed_in

router = APIRouter(prefix="/api/v1", tags=["CA 证书与一证通"])


class ChallengeIssued(BaseModel):
    challenge: str = Field(description="原样签名这串 ASCII 文本（不要加换行）")
    expires_at: dt.datetime
    signature_formats: list[str] = ["cms", "raw"]


class CertificateProof(BaseModel):
    challenge: str
    certificate: str | None = Field(default=None, description="PEM 文本或 base64 DER；CMS 签名中含证书时可省略")
    chain: str | None = Field(default=None, description="可选：中间 CA 证书（PEM）")
    signature: str = Field(description="base64 的 DER（CMS 或 openssl dgst 原始签名），或 PEM 的 CMS")
    signature_format: str = Field(default="auto", description="auto / cms / raw")


class BindingRead(BaseModel):
    fingerprint: str
    subject: str
    issuer: str
    serial: str
    algorithm: str
    not_after: dt.datetime
    bound_at: dt.datetime
    bound_by: str


class TrustedCaRead(BaseModel):
    name: str
    provider: str
    fingerprint: str
    subject: str
    kind: str
    algorithm: str
    not_after: dt.datetime
    status: str
    crl_source: str
    crl_url: str | None
    crl_next_update: dt.datetime | None
    crl_error: str | None
    added_at: dt.datetime
    added_by: str
    removed_at: dt.datetime | None
    removed_by: str | None


_PROOF_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": CertificateProof.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["challenge", "signature"],
                    "properties": {
                        "challenge": {"type": "string"},
                        "certificate": {"type": "string", "format": "binary"},
                        "chain": {"type": "string", "format": "binary"},
                        "signature": {"type": "string", "format": "binary"},
                        "signature_format": {"type": "string"},
                    },
                }
            },
        },
    }
}


def _decode(value: str | None, what: str) -> bytes | None:
    if value is None or value == "":
        return None
    if len(value) > MAX_INPUT * 2:
        raise PkiInputTooLarge(f"{what}过大（上限 {MAX_INPUT} 字节）", detail={"limit": MAX_INPUT})
    raw = value.encode()
    if is_pem(raw):
        return raw
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(f"{what}既不是 PEM 也不是合法的 base64。", code="input.bad_base64") from None


async def read_upload(form, name: str, what: str) -> bytes | None:
    item = form.get(name)
    if item is None or item == "":
        return None
    if isinstance(item, str):
        return _decode(item, what)
    assert isinstance(item, UploadFile)
    data = await item.read(MAX_INPUT + 1)
    if len(data) > MAX_INPUT:
        raise PkiInputTooLarge(f"{what}过大（超过 {MAX_INPUT} 字节）", detail={"limit": MAX_INPUT})
    return data or None


async def read_proof(request: Request) -> pki.Proof:
    """A ``Proof`` from a JSON body or from multipart form fields."""
    kind = request.headers.get("content-type", "")
    if kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form(max_part_size=MAX_INPUT * 8)
        challenge = form.get("challenge")
        signature = await read_upload(form, "signature", "签名")
        fmt = form.get("signature_format") or "auto"
        if not isinstance(challenge, str) or not challenge or signature is None:
            raise ValidationFailed("请求参数有误：须提交 challenge 和 signature。", code="input.invalid")
        return pki.Proof(
            challenge=challenge,
            signature=signature,
            certificate=await read_upload(form, "certificate", "证书"),
            chain=await read_upload(form, "chain", "证书链"),
            signature_format=fmt if isinstance(fmt, str) else "auto",
        )
    try:
        body = CertificateProof.model_validate(json.loads(await request.body()))
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(
            "请求体须为 JSON（challenge、certificate、signature）或 multipart 表单。",
            code="input.invalid",
            detail={"error": str(exc)[:300]},
        ) from None
    return pki.Proof(
        challenge=body.challenge,
        signature=_decode(body.signature, "签名") or b"",
        certificate=_decode(body.certificate, "证书"),
        chain=_decode(body.chain, "证书链"),
        signature_format=body.signature_format,
    )


@router.post("/auth/challenge", response_model=ChallengeIssued, summary="获取证书登录挑战值（一次性，5 分钟内有效）")
def login_challenge(request: Request):
    platform = platform_of(request)
    c = pki.issue_challenge(pki.challenge_secret(platform.key), now=platform.clock.now(), purpose="login")
    return ChallengeIssued(challenge=c.text, expires_at=c.expires_at)


@router.post(
    "/auth/certificate",
    response_model=TokenIssued,
    status_code=201,
    summary="CA 证书登录：对挑战值签名换取 API 令牌",
    openapi_extra=_PROOF_BODY,
)
async def certificate_login(request: Request, session: Session = Depends(db_session, scope="function")):
    proof = await read_proof(request)
    platform = platform_of(request)
    try:
        _, issued = pki.login_with_certificate(
            session,
            trust=pki.current_trust_list(session),
            secret=pki.challenge_secret(platform.key),
            now=platform.clock.now(),
            ip=client_ip(request),
            proof=proof,
            kind="api",
            hours=platform.settings.session_hours,
        )
    except pki.CertificateRejected:
        session.commit()  # keep the spent challenge and the audited refusal
        raise
    return TokenIssued(token=issued.token, expires_at=issued.record.expires_at)


def _binding(b: CertificateBinding) -> BindingRead:
    return BindingRead(
        fingerprint=b.fingerprint,
        subject=b.subject,
        issuer=b.issuer,
        serial=b.serial,
        algorithm=b.algorithm,
        not_after=b.not_after,
        bound_at=b.bound_at,
        bound_by=b.bound_by,
    )


@router.get("/me/certificates", response_model=list[BindingRead], summary="我绑定的证书")
def my_certificates(session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    assert v.account is not None
    return [_binding(b) for b in pki.bindings_of(session, v.account.id)]


@router.post("/me/certificates/challenge", response_model=ChallengeIssued, summary="获取绑定证书用的挑战值")
def binding_challenge(request: Request, v: Viewer = Depends(csrf_checked)):
    assert v.account is not None
    platform = platform_of(request)
    secret = pki.challenge_secret(platform.key)
    c = pki.issue_challenge(secret, now=platform.clock.now(), purpose="bind", account_id=v.account.id)
    return ChallengeIssued(challenge=c.text, expires_at=c.expires_at)


@router.post(
    "/me/certificates",
    response_model=BindingRead,
    status_code=201,
    summary="绑定证书（对绑定挑战值签名以证明持有私钥）",
    openapi_extra=_PROOF_BODY,
)
async def bind_certificate(
    request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(csrf_checked)
):
    assert v.account is not None
    proof = await read_proof(request)
    platform = platform_of(request)
    binding = pki.bind_with_proof(
        session,
        actor=v.actor,
        now=platform.clock.now(),
        account=v.account,
        trust=pki.current_trust_list(session),
        secret=pki.challenge_secret(platform.key),
        proof=proof,
    )
    return _binding(binding)


@router.delete("/me/certificates/{fingerprint}", status_code=204, summary="解除绑定")
def unbind_certificate(
    fingerprint: str,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    assert v.account is not None
    pki.unbind(session, actor=v.actor, now=platform_of(request).clock.now(), account=v.account, fingerprint=fingerprint)


def _ca(c: TrustedCa) -> TrustedCaRead:
    return TrustedCaRead.model_validate(c, from_attributes=True)


@router.get("/trust", response_model=list[TrustedCaRead], summary="全省 CA 信任列表（公开）")
def trust_list(session: Session = Depends(db_session, scope="function")):
    return [_ca(c) for c in pki.list_cas(session)]


@router.post("/trust", response_model=TrustedCaRead, status_code=201, summary="加入 CA（平台管理员）")
async def trust_add(
    request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(csrf_checked)
):
    scope_for(session, v, "province:trust:manage")
    form = await request.form(max_part_size=MAX_INPUT * 8)
    certificate = await read_upload(form, "certificate", "CA 证书")
    if certificate is None:
        raise ValidationFailed("请上传 CA 证书文件（certificate）。", code="input.invalid")
    crl_url = form.get("crl_url")
    row = pki.add_ca(
        session,
        actor=v.actor,
        now=platform_of(request).clock.now(),
        certificate=certificate,
        name=str(form.get("name") or ""),
        provider=str(form.get("provider") or ""),
        crl=await read_upload(form, "crl", "CRL"),
        crl_url=crl_url if isinstance(crl_url, str) and crl_url.strip() else None,
    )
    return _ca(row)


@router.delete("/trust/{ref}", response_model=TrustedCaRead, summary="移出信任列表（平台管理员）")
def trust_remove(
    ref: str,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    scope_for(session, v, "province:trust:manage")
    return _ca(pki.remove_ca(session, actor=v.actor, now=platform_of(request).clock.now(), ref=ref))


@router.post("/trust/{ref}/crl", response_model=TrustedCaRead, summary="更新 CRL：上传文件或从下载地址获取")
async def trust_refresh(
    ref: str,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    scope_for(session, v, "province:trust:manage")
    data = None
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        data = await read_upload(await request.form(max_part_size=MAX_INPUT * 8), "crl", "CRL")
    ca = pki.find_ca(session, ref)
    pki.refresh_crl(session, actor=v.actor, now=platform_of(request).clock.now(), ca=ca, data=data)
    return _ca(ca)
