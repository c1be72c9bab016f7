"""JSON API of sealed-bid submission: the opening-key certificate, resumable uploads, completion with the
bidder's signature, receipts, withdrawal. A bidder sees only its own submissions; nobody else sees any."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import fcntl
import json
import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ggzy.authz.scope import acting_entity
from ggzy.bidding import ceremony, service
from ggzy.bidding.models import Bid, Receipt, Upload
from ggzy.kit.blobs import CHUNK, BlobStore
from ggzy.kit.errors import Conflict, ValidationFailed
from ggzy.pki.service import current_trust_list
from ggzy.web.context import Viewer, csrf_checked, db_session, platform_of, signed_in

router = APIRouter(prefix="/api/v1", tags=["加密投标"])
SUBMIT = "entity:bid:submit"


class UploadCreate(BaseModel):
    size: int = Field(gt=0, description="加密信封的字节数")
    sha256: str = Field(description="加密信封的 SHA-256（小写十六进制）")


class Completion(BaseModel):
    signature: str = Field(description="投标人对信封 SHA-256 十六进制文本（或整个信封）的 CMS 分离签名，Base64")


def upload_dir(request: Request) -> Path:
    return platform_of(request).settings.data_dir / "uploads"


def _now(request: Request) -> dt.datetime:
    return platform_of(request).clock.now()


def receipt_json(r: Receipt) -> dict[str, Any]:
    return {
        "number": r.number,
        "action": r.action,
        "at": r.at.isoformat(timespec="milliseconds"),
        "receipt": json.loads(r.content),
        "content": r.content,
        "signature": base64.b64encode(r.signature).decode(),
    }


def bid_json(b: Bid, receipts: list[Receipt]) -> dict[str, Any]:
    return {
        "number": b.number,
        "status": b.status,
        "submitted_at": b.submitted_at.isoformat(timespec="milliseconds"),
        "withdrawn_at": b.withdrawn_at.isoformat(timespec="milliseconds") if b.withdrawn_at else None,
        "sha256": b.sha256,
        "sm3": b.sm3,
        "size": b.size,
        "content_algorithm": b.content_algorithm,
        "receipts": [receipt_json(r) for r in receipts],
    }


def _upload_json(u: Upload, got: int) -> dict[str, Any]:
    return {"upload": u.token, "size": u.size, "received": got, "expires_at": u.expires_at.isoformat()}


@router.get(
    "/sections/{code}/opening-key.pem",
    response_class=PlainTextResponse,
    summary="本标段开标密钥证书（PEM）：投标文件须加密给它（公开）",
)
def opening_key_pem(code: str, session: Session = Depends(db_session, scope="function")):
    row = service.opening_key(session, service.open_section(session, code))
    return PlainTextResponse(
        ceremony.opening_certificate_pem(row),
        media_type="application/x-pem-file",
        headers={"content-disposition": f'attachment; filename="opening-key-{code}.pem"'},
    )


@router.post("/sections/{code}/uploads", status_code=201, summary="开始上传加密投标文件（声明大小与 SHA-256）")
def start_upload(
    code: str,
    body: UploadCreate,
    request: Request,
    v: Viewer = Depends(csrf_checked),
    session: Session = Depends(db_session, scope="function"),
):
    entity_id = acting_entity(v.principal, SUBMIT)
    assert v.account is not None
    u = service.start_upload(
        session,
        actor=v.actor,
        now=_now(request),
        entity_id=entity_id,
        account_id=v.account.id,
        section_code=code,
        size=body.size,
        sha256=body.sha256.lower(),
        upload_dir=upload_dir(request),
    )
    return _upload_json(u, 0)


@router.get("/sections/{code}/uploads/{token}", summary="续传：查询已收到的字节数")
def upload_status(
    code: str,
    token: str,
    request: Request,
    v: Viewer = Depends(signed_in),
    session: Session = Depends(db_session, scope="function"),
):
    assert v.account is not None
    u = service.own_upload(session, token, v.account.id, _now(request))
    return _upload_json(u, service.received(upload_dir(request), token))


@router.put("/sections/{code}/uploads/{token}", summary="上传一个分片（Content-Range: bytes 起-止/总长，顺序续传）")
async def upload_chunk(code: str, token: str, request: Request, v: Viewer = Depends(csrf_checked)):
    platform = platform_of(request)
    assert v.account is not None
    with platform.db.session() as session:
        declared = service.own_upload(session, token, v.account.id, platform.clock.now()).size
    start, length = service.parse_content_range(request.headers.get("content-range"), declared)
    path = service.upload_path(upload_dir(request), token)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict("该上传的另一个分片正在写入，请稍后重试。", code="bidding.upload_busy") from None
        have = os.fstat(fd).st_size
        if start != have:
            raise Conflict(
                f"分片起点 {start} 与已收到的 {have} 字节不衔接：请从第 {have} 字节续传。",
                code="bidding.range_gap",
                detail={"received": have},
            )
        os.lseek(fd, start, os.SEEK_SET)
        written = 0
        async for chunk in request.stream():
            if written + len(chunk) > length:
                os.ftruncate(fd, start + written)
                raise ValidationFailed("分片内容超出 Content-Range 标明的长度。", code="bidding.range_overflow")
            view = memoryview(chunk)
            while view:
                n = os.write(fd, view[:CHUNK])
                view = view[n:]
            written += len(chunk)
        os.fsync(fd)
        return {"upload": token, "size": declared, "received": start + written}
    finally:
        os.close(fd)


@router.post("/sections/{code}/uploads/{token}/complete", status_code=201, summary="完成递交：校验并出具签名回执")
def complete_upload(code: str, token: str, body: Completion, request: Request, v: Viewer = Depends(csrf_checked)):
    platform = platform_of(request)
    now = platform.clock.now()  # the transmission-completed time (E-10): when the completion arrived
    entity_id = acting_entity(v.principal, SUBMIT)
    assert v.account is not None
    try:
        signature = base64.b64decode(body.signature, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("签名须为 Base64 编码的 CMS（DER）。", code="bidding.bad_signature") from None
    directory = upload_dir(request)
    with platform.db.session() as session:
        inspected = service.inspect_upload(
            session,
            now=now,
            trust=current_trust_list(session),
            account_id=v.account.id,
            token=token,
            signature=signature,
            upload_dir=directory,
        )
    with platform.db.session(write=True) as session:
        bid, receipt = service.accept_upload(
            session,
            actor=v.actor,
            now=now,
            key=platform.key,
            entity_id=entity_id,
            account_id=v.account.id,
            inspected=inspected,
            upload_dir=directory,
            blobs=BlobStore(platform.settings.blob_dir),
        )
        out = bid_json(bid, [receipt])
    service.discard_upload(directory, token)
    return out


@router.get("/sections/{code}/bids/mine", summary="我单位在本标段的投标文件与回执（只含本单位）")
def my_bids(code: str, v: Viewer = Depends(signed_in), session: Session = Depends(db_session, scope="function")):
    entity_id = acting_entity(v.principal, SUBMIT)
    return [bid_json(b, rs) for b, rs in service.own_bids(session, entity_id=entity_id, section_code=code)]


@router.post("/sections/{code}/bids/{number}/withdraw", summary="撤回投标文件（截止前；保留记录并出具回执）")
def withdraw(
    code: str,
    number: str,
    request: Request,
    v: Viewer = Depends(csrf_checked),
    session: Session = Depends(db_session, scope="function"),
):
    entity_id = acting_entity(v.principal, SUBMIT)
    receipt = service.withdraw(
        session,
        actor=v.actor,
        now=_now(request),
        key=platform_of(request).key,
        entity_id=entity_id,
        section_code=code,
        number=number,
    )
    return receipt_json(receipt)


@router.get("/bid-receipts/{number}", summary="我单位的一张回执（平台签名）")
def get_receipt(number: str, v: Viewer = Depends(signed_in), session: Session = Depends(db_session, scope="function")):
    entity_id = acting_entity(v.principal, SUBMIT)
    return receipt_json(service.own_receipt(session, entity_id=entity_id, number=number))
