"""JSON API of the evaluation session: the expert's room, the center's monitor, the bidder's clarifications."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ggzy.authz.scope import acting_entity
from ggzy.evaluation import session as service
from ggzy.evaluation.routes import DRAW, own_expert
from ggzy.kit.errors import ValidationFailed
from ggzy.web.context import Viewer, csrf_checked, db_session, platform_of, scope_for, signed_in

router = APIRouter(prefix="/api/v1", tags=["评标"])
BIDDER = "entity:bid:submit"


class Declaration(BaseModel):
    conflict: bool
    note: str = Field("", max_length=1000)


class Verdict(BaseModel):
    entity_id: int
    passed: bool
    reason: str = Field("", max_length=1000)


class Review(BaseModel):
    verdicts: list[Verdict]


class Scores(BaseModel):
    sheets: dict[int, dict[str, str]]


class Ask(BaseModel):
    entity_id: int
    question: str = Field(max_length=2000)


class Signature(BaseModel):
    signature: str | None = Field(None, description="分离式 CMS 签名（Base64，DER），签名内容为报告 SHA-256 十六进制串")
    dissent: str = Field("", max_length=4000)


class Answer(BaseModel):
    answer: str = Field(max_length=4000)


@router.get("/evaluation/monitor", summary="评标监控（本中心及副场进度，不含评分）")
def monitor(session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    return {"items": service.monitor(session, scope=scope_for(session, v, DRAW))}


@router.post("/evaluation/{code}/start", summary="开始评标（开标记录已公布、专家已确认）")
def start(
    code: str,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    now = platform_of(request).clock.now()
    ev = service.start(session, actor=v.actor, now=now, scope=scope_for(session, v, DRAW), section_code=code)
    return {"section": code, "status": ev.status}


@router.get("/evaluation/{code}", summary="评标室（仅本标段评标委员会成员）")
def room(code: str, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    return service.room(session, section_code=code, expert=own_expert(session, v))


def _act(request: Request, session: Session, v: Viewer, code: str, fn, **kw):
    e = own_expert(session, v)
    fn(session, actor=v.actor, now=platform_of(request).clock.now(), section_code=code, expert=e, **kw)
    return service.room(session, section_code=code, expert=e)


@router.post("/evaluation/{code}/declaration", summary="回避申报")
def declare(
    code: str,
    body: Declaration,
    request: Request,
    session=Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    return _act(request, session, v, code, service.declare, conflict=body.conflict, note=body.note)


@router.post("/evaluation/{code}/review", summary="资格评审结论")
def review(
    code: str, body: Review, request: Request, session=Depends(db_session, scope="function"), v=Depends(csrf_checked)
):
    verdicts = {x.entity_id: (x.passed, x.reason) for x in body.verdicts}
    return _act(request, session, v, code, service.review, verdicts=verdicts)


@router.post("/evaluation/{code}/scores", summary="提交评分表")
def scores(
    code: str, body: Scores, request: Request, session=Depends(db_session, scope="function"), v=Depends(csrf_checked)
):
    return _act(request, session, v, code, service.score, sheets=body.sheets)


@router.post("/evaluation/{code}/clarifications", status_code=201, summary="向投标人发出澄清要求")
def ask(code: str, body: Ask, request: Request, session=Depends(db_session, scope="function"), v=Depends(csrf_checked)):
    e = own_expert(session, v)
    c = service.ask(
        session,
        actor=v.actor,
        now=platform_of(request).clock.now(),
        section_code=code,
        expert=e,
        entity_id=body.entity_id,
        question=body.question,
    )
    return service.clarification_dict(c)


def decode_signature(text: str | None) -> bytes | None:
    if not text:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("签名须为 Base64 编码的 DER。", code="evaluation.bad_signature_encoding") from None


@router.post("/evaluation/{code}/signature", summary="签署评标报告")
def sign(
    code: str, body: Signature, request: Request, session=Depends(db_session, scope="function"), v=Depends(csrf_checked)
):
    sig = decode_signature(body.signature)
    return _act(request, session, v, code, service.sign, signature=sig, dissent=body.dissent)


@router.get("/sections/{code}/clarifications", summary="本单位收到的澄清要求")
def my_clarifications(
    code: str, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)
):
    entity = acting_entity(v.principal, BIDDER)
    return {"items": service.clarifications_for(session, section_code=code, entity_id=entity)}


@router.post("/sections/{code}/clarifications/{cid}/answer", summary="答复澄清要求")
def answer(
    code: str,
    cid: int,
    body: Answer,
    request: Request,
    session=Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    c = service.answer_clarification(
        session,
        actor=v.actor,
        now=platform_of(request).clock.now(),
        section_code=code,
        clarification_id=cid,
        entity_id=acting_entity(v.principal, BIDDER),
        account_id=v.principal.account_id,
        text=body.answer,
    )
    return service.clarification_dict(c)
