"""The opening hall's JSON API and live stream (thin: HTTP in, service, one serializer out)."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ggzy.authz.scope import acting_entity, has
from ggzy.centers import service as centers
from ggzy.kit.blobs import BlobStore
from ggzy.kit.errors import Forbidden, NotFound
from ggzy.opening import custodians, live, service
from ggzy.opening import repository as repo
from ggzy.opening.handover import b64
from ggzy.opening.visibility import Audience, hall_view
from ggzy.opening.workflow import OpeningStatus
from ggzy.pki.service import current_trust_list
from ggzy.web.context import Viewer, csrf_checked, db_session, platform_of, viewer

router = APIRouter(prefix="/api/v1/sections/{code}/opening", tags=["开标"])
KEEPALIVE_SECONDS = 15.0
DEBOUNCE_SECONDS = 0.2


def env_of(request: Request) -> service.Env:
    p = platform_of(request)
    return service.Env(BlobStore(p.settings.blob_dir), p.key, p.settings.data_dir / "tmp")


def audience(session: Session, v: Viewer, code: str) -> Audience:
    """Who the viewer is for this section's opening (see ``visibility``)."""
    section = repo.section_by_code(session, code)
    _, project = repo.context_of(session, section)
    nodes = centers.nodes(session)
    key_row = repo.opening_key_for(session, section.id)
    custodian = bool(
        key_row
        and v.account is not None
        and any(s.account_id == v.account.id for s in repo.custodian_shares(session, key_row.id))
    )
    if has(v.principal, "center:opening:witness", nodes, section.center_id) or has(
        v.principal, "supervision:opening:read", nodes, section.center_id
    ):
        return Audience("host", custodian=custodian)
    entity = v.principal.entity_id
    if _holds(v, "entity:project:manage") and entity in (project.tenderee_id, project.agency_id):
        return Audience("host", entity, custodian)
    opening = repo.opening_of(session, section.id)
    if (
        entity is not None
        and opening is not None
        and any(b.entity_id == entity for b in repo.opening_bids(session, opening.id))
    ):
        return Audience("bidder", entity, custodian)
    return Audience("public", custodian=custodian)


def _holds(v: Viewer, permission: str) -> bool:
    try:
        acting_entity(v.principal, permission)
    except Forbidden:
        return False
    return True


def view_of(session: Session, v: Viewer, code: str) -> dict[str, Any]:
    section = repo.section_by_code(session, code)
    return hall_view(service.snapshot(session, section), audience(session, v, code))


@router.get("", summary="开标大厅状态（按查看者身份裁剪）")
def hall(
    code: str, v: Viewer = Depends(viewer), session: Session = Depends(db_session, scope="function")
) -> dict[str, Any]:
    return view_of(session, v, code)


@router.get("/events", summary="开标大厅实时事件（text/event-stream）")
async def events(code: str, request: Request, limit: int | None = None, v: Viewer = Depends(viewer)):
    """Server-Sent Events: a ``state`` event with the viewer's view now and after every change."""
    platform = platform_of(request)
    broker = platform.db.info.get(live.BROKER_KEY) or live.broker_for(platform.settings.redis_url)

    def current() -> dict[str, Any]:
        with platform.db.session() as s:
            return view_of(s, v, code)

    await run_in_threadpool(current)  # a missing section fails here, as a plain 404

    async def stream():
        sent, last = 0, None
        async with broker.subscribe(live.topic_of(code)) as sub:
            # Read the first state only once subscribed: a change in between is then either in it or pushed.
            view = await run_in_threadpool(current)
            while True:
                if view != last:
                    yield live.sse("state", view, view.get("seq", 0))
                    sent, last = sent + 1, view
                    if limit is not None and sent >= limit:
                        return
                if await request.is_disconnected():
                    return
                message = await sub.next(KEEPALIVE_SECONDS)
                if message is None:
                    yield ": keepalive\n\n"
                else:  # coalesce a burst of changes (a decryption writes several) into one re-read
                    await asyncio.sleep(DEBOUNCE_SECONDS)
                    while not sub.queue.empty():
                        sub.queue.get_nowait()
                view = await run_in_threadpool(current)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


@router.post("/roll-call", summary="投标人签到")
def sign_in(
    code: str,
    request: Request,
    v: Viewer = Depends(csrf_checked),
    session: Session = Depends(db_session, scope="function"),
) -> dict[str, Any]:
    entity = acting_entity(v.principal, "entity:bid:submit")
    platform = platform_of(request)
    row = service.sign_in(
        session,
        actor=v.actor,
        now=platform.clock.now(),
        code=code,
        entity_id=entity,
        user_agent=request.headers.get("user-agent"),
        env=env_of(request),
    )
    return {"signed_in": True, "at": row.at.isoformat()}


class KeyHandover(BaseModel):
    bid: str = Field(description="投标回执中的投标编号")
    content_key: str = Field(description="投标人客户端用自己的私钥解出的内容加密密钥（Base64），仅经 TLS 传输")
    statement: str = Field(description="签名声明：{format, section, bid, cek_sha256} 的规范 JSON")
    signature: str = Field(description="投标人证书对声明的 CMS 分离签名（Base64）")


@router.post("/keys", summary="投标人提交解密密钥（在线解密）")
def submit_key(code: str, body: KeyHandover, request: Request, v: Viewer = Depends(csrf_checked)) -> dict[str, Any]:
    """Three short steps: check (reading), decrypt (no transaction held), record the result once (writing)."""
    entity = acting_entity(v.principal, "entity:bid:submit")
    assert v.account is not None
    platform, env = platform_of(request), env_of(request)
    cek, signature = b64(body.content_key, "content_key"), b64(body.signature, "signature")
    with platform.db.session() as s:
        trust = current_trust_list(s)
        plan = service.prepare_key(
            s,
            actor=v.actor,
            now=platform.clock.now(),
            code=code,
            entity_id=entity,
            account_id=v.account.id,
            bid_number=body.bid,
            cek=cek,
            statement=body.statement,
            signature=signature,
            trust=trust,
            env=env,
            user_agent=request.headers.get("user-agent"),
        )
    if not isinstance(plan, service.Plan):
        return {"bid": plan.number, "status": plan.status, "already": True}
    outcome = service.run_plan(plan, trust=trust, env=env)
    try:
        with platform.db.session(write=True) as s:
            ob = service.apply_outcome(s, plan=plan, outcome=outcome, actor=v.actor, now=platform.clock.now(), env=env)
            result = {
                "bid": ob.number,
                "status": ob.status,
                "key_failure": ob.key_failure,
                "failure_reason": ob.failure_reason,
            }
    finally:
        outcome.cleanup()
    return result


@router.get("/shares/mine", summary="保管人下载自己的加密份额")
def my_share(
    code: str, v: Viewer = Depends(viewer), session: Session = Depends(db_session, scope="function")
) -> dict[str, Any]:
    if v.account is None:
        raise Forbidden("请先登录。", code="auth.required")
    section = repo.section_by_code(session, code)
    opening = repo.opening_of(session, section.id)
    if opening is None or opening.status != OpeningStatus.CUSTODIANS.value:
        raise NotFound("当前不需要保管人补救解密。", code="opening.no_remedy_needed")
    return custodians.sealed_share_b64(session, opening, v.account.id)


class ShareHandover(BaseModel):
    share: str = Field(description="保管人客户端解开的份额（DER，Base64）")
    statement: str = Field(description="签名声明：{format, section, index, share_sha256} 的规范 JSON")
    signature: str = Field(description="保管人证书对声明的 CMS 分离签名（Base64）")


@router.post("/shares", summary="保管人提交份额（补救解密）")
def submit_share(
    code: str,
    body: ShareHandover,
    request: Request,
    v: Viewer = Depends(csrf_checked),
    session: Session = Depends(db_session, scope="function"),
) -> dict[str, Any]:
    assert v.account is not None
    platform = platform_of(request)
    row = custodians.submit_share(
        session,
        actor=v.actor,
        now=platform.clock.now(),
        code=code,
        account_id=v.account.id,
        share=b64(body.share, "share"),
        statement=body.statement,
        signature=b64(body.signature, "signature"),
        trust=current_trust_list(session),
        env=env_of(request),
    )
    return {"index": row.share_index, "accepted": True}


def _witness(session: Session, v: Viewer, code: str) -> None:
    section = repo.section_by_code(session, code)
    if not has(v.principal, "center:opening:witness", centers.nodes(session), section.center_id):
        raise Forbidden("只有本交易中心的开标主持/见证人员可以执行此操作。", code="opening.not_host")


@router.post("/instruct", summary="主持人发出解密指令（结束签到）")
def instruct(
    code: str,
    request: Request,
    v: Viewer = Depends(csrf_checked),
    session: Session = Depends(db_session, scope="function"),
) -> dict[str, Any]:
    _witness(session, v, code)
    opening = service.instruct_decryption(
        session, actor=v.actor, now=platform_of(request).clock.now(), code=code, env=env_of(request)
    )
    return {"status": opening.status}


class ObjectionIn(BaseModel):
    text: str = Field(max_length=2000)


@router.post("/objections", summary="投标人在线提出异议")
def object_(
    code: str,
    body: ObjectionIn,
    request: Request,
    v: Viewer = Depends(csrf_checked),
    session: Session = Depends(db_session, scope="function"),
) -> dict[str, Any]:
    entity = acting_entity(v.principal, "entity:bid:submit")
    row = service.raise_objection(
        session, actor=v.actor, now=platform_of(request).clock.now(), code=code, entity_id=entity, text=body.text
    )
    return {"id": row.id}


class AnswerIn(BaseModel):
    answer: str = Field(max_length=4000)


@router.post("/objections/{objection_id}/answer", summary="主持人当场答复异议")
def answer(
    code: str,
    objection_id: int,
    body: AnswerIn,
    request: Request,
    v: Viewer = Depends(csrf_checked),
    session: Session = Depends(db_session, scope="function"),
) -> dict[str, Any]:
    _witness(session, v, code)
    row = service.answer_objection(
        session,
        actor=v.actor,
        now=platform_of(request).clock.now(),
        code=code,
        objection_id=objection_id,
        answer=body.answer,
        env=env_of(request),
    )
    return {"id": row.id, "answered": True}


class ConfirmIn(BaseModel):
    signature: str | None = Field(default=None, description="确认人证书对开标记录 JSON 的 CMS 分离签名（Base64，可选）")


@router.post("/confirm", summary="交易中心确认开标记录并公布")
def confirm(
    code: str,
    request: Request,
    body: ConfirmIn | None = None,
    v: Viewer = Depends(csrf_checked),
    session: Session = Depends(db_session, scope="function"),
) -> dict[str, Any]:
    _witness(session, v, code)
    sig = b64(body.signature, "signature") if body and body.signature else None
    opening = service.confirm(
        session,
        actor=v.actor,
        now=platform_of(request).clock.now(),
        code=code,
        env=env_of(request),
        signature=sig,
        trust=current_trust_list(session) if sig else None,
    )
    return {"status": opening.status}


class RecordAnswerIn(BaseModel):
    signature: str | None = Field(
        default=None, description="对开标记录 JSON（GET …/opening/record 的原始字节）的 CMS 分离签名，Base64"
    )
    declined: str | None = Field(default=None, max_length=2000, description="拒绝签字时填写理由（与签名二选一）")


@router.post("/record/confirmations", status_code=201, summary="投标人对开标记录电子签名确认或拒签（E-13）")
def answer_record(
    code: str,
    body: RecordAnswerIn,
    request: Request,
    v: Viewer = Depends(csrf_checked),
    session: Session = Depends(db_session, scope="function"),
) -> dict[str, Any]:
    entity = acting_entity(v.principal, "entity:bid:submit")
    row = service.answer_record(
        session,
        actor=v.actor,
        now=platform_of(request).clock.now(),
        code=code,
        entity_id=entity,
        trust=current_trust_list(session),
        signature=b64(body.signature, "signature") if body.signature else None,
        declined=body.declined,
    )
    return {"answer": "signed" if row.signature is not None else "declined", "record_sha256": row.record_sha256}


def _published(session: Session, v: Viewer, code: str):
    """The record once published; before that only the host side and — once it exists, to sign it (E-13) —
    the section's bidders."""
    section, opening = service.record_of(session, code)
    if opening.published_at is None and audience(session, v, code).kind not in ("host", "bidder"):
        raise NotFound("开标记录尚未公布。", code="opening.no_record")
    return section, opening


@router.get("/record", summary="开标记录（JSON，平台签名）")
def record(
    code: str, v: Viewer = Depends(viewer), session: Session = Depends(db_session, scope="function")
) -> Response:
    _, opening = _published(session, v, code)
    assert opening.record_json is not None and opening.record_signature is not None
    headers = {"X-Signature": base64.b64encode(opening.record_signature).decode()}
    return Response(opening.record_json, media_type="application/json", headers=headers)


@router.get("/record.p7s", summary="开标记录的平台签名（CMS，DER）")
def record_signature(
    code: str, v: Viewer = Depends(viewer), session: Session = Depends(db_session, scope="function")
) -> Response:
    _, opening = _published(session, v, code)
    return Response(opening.record_signature or b"", media_type="application/pkcs7-signature")


@router.get("/record.pdf", summary="开标记录（PDF，平台签章）")
def record_pdf(
    code: str, v: Viewer = Depends(viewer), session: Session = Depends(db_session, scope="function")
) -> Response:
    _, opening = _published(session, v, code)
    return Response(opening.record_pdf or b"", media_type="application/pdf")


@router.get("/transcript", summary="开标过程记录（供核验，平台签名）")
def transcript(code: str, session: Session = Depends(db_session, scope="function")) -> Response:
    section = repo.section_by_code(session, code)
    opening = repo.opening_of(session, section.id)
    if opening is None or opening.transcript_json is None:
        raise NotFound("开标过程记录尚未公布。", code="opening.no_transcript")
    headers = {"X-Signature": base64.b64encode(opening.transcript_signature or b"").decode()}
    return Response(opening.transcript_json, media_type="application/json", headers=headers)


@router.get("/transcript.p7s", summary="开标过程记录的平台签名（CMS，DER）")
def transcript_signature(code: str, session: Session = Depends(db_session, scope="function")) -> Response:
    section = repo.section_by_code(session, code)
    opening = repo.opening_of(session, section.id)
    if opening is None or opening.transcript_signature is None:
        raise NotFound("开标过程记录尚未公布。", code="opening.no_transcript")
    return Response(opening.transcript_signature, media_type="application/pkcs7-signature")
