"""JSON API of deposits: the bidder's instructions and guarantees, the bank's signed notifications, the
platform's banks and issuers, the staff's reconciliation. Routes translate HTTP and nothing else."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from ggzy.authz.scope import acting_entity
from ggzy.deposits import reissue, repository, service, settlement
from ggzy.deposits.schemas import BankCreate, GuaranteeCreate, IssuerCreate, Reissue, Resolution
from ggzy.web.context import Viewer, client_ip, csrf_checked, db_session, platform_of, scope_for, signed_in

router = APIRouter(prefix="/api/v1", tags=["投标保证金"])

BIDDER = "entity:bid:submit"


@router.get(
    "/sections/{code}/deposit", summary="本单位在该标段的保证金缴纳说明、虚拟子账号与状态（首次请求时开立子账号）"
)
def deposit_instructions(code: str, request: Request, v: Viewer = Depends(signed_in)):
    entity_id = acting_entity(v.principal, BIDDER)
    platform = platform_of(request)
    # Opening the sub-account on first request is a write, idempotent: a writing unit of work of its own.
    with platform.db.session(write=True) as session:
        return service.instructions(
            session, actor=v.actor, now=platform.clock.now(), entity_id=entity_id, section_code=code
        )


@router.post("/sections/{code}/guarantees", status_code=201, summary="提交电子保函（向出具机构核验）")
def submit_guarantee(
    code: str,
    body: GuaranteeCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    entity_id = acting_entity(v.principal, BIDDER)
    g = service.submit_guarantee(
        session,
        actor=v.actor,
        now=platform_of(request).clock.now(),
        entity_id=entity_id,
        section_code=code,
        issuer_code=body.issuer_code,
        guarantee_no=body.guarantee_no,
        amount_fen=body.amount_fen,
    )
    return {"guarantee_no": g.guarantee_no, "status": g.status, "amount_fen": g.amount_fen}


@router.get("/deposits/refunds", summary="本单位的保证金退还记录")
def my_refunds(session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    return {"items": service.refunds_of(session, acting_entity(v.principal, BIDDER))}


@router.post("/bank/notifications", summary="银行到账通知（请求体须由银行证书签名：X-Bank-Id、X-Bank-Signature）")
async def bank_notification(request: Request):
    body = await request.body()
    platform = platform_of(request)

    def receive() -> tuple[dict, bool]:
        with platform.db.session(write=True) as session:
            payment, new = service.receive_notification(
                session,
                now=platform.clock.now(),
                bank_code=request.headers.get("x-bank-id"),
                signature=request.headers.get("x-bank-signature"),
                body=body,
                ip=client_ip(request),
            )
            return service.notification_result(payment), new

    try:
        result, new = receive()
    except IntegrityError:
        # The same notification raced in twice: the other one won; answer as for a replay.
        result, new = receive()
    return JSONResponse({**result, "replayed": not new}, status_code=201 if new else 200)


@router.get(
    "/bank/transfer-orders",
    summary="银行取回本行待办转账指令（保证金退还、专家劳务费）：X-Bank-Id、X-Bank-Timestamp、X-Bank-Signature"
    "（对“GET\\n/api/v1/bank/transfer-orders\\n时间”签名）；应答为平台签名文件，签名（CMS，Base64）在 X-Signature",
)
def bank_transfer_orders(request: Request) -> Response:
    platform = platform_of(request)
    # The first fetch moves each order to "fetched": a writing unit of work, committed before the answer.
    with platform.db.session(write=True) as session:
        content, signature = settlement.fetch_orders(
            session,
            now=platform.clock.now(),
            key=platform.key,
            bank_code=request.headers.get("x-bank-id"),
            timestamp=request.headers.get("x-bank-timestamp"),
            signature=request.headers.get("x-bank-signature"),
            ip=client_ip(request),
        )
    headers = {"X-Signature": base64.b64encode(signature).decode(), "Cache-Control": "no-store"}
    return Response(content, media_type="application/json", headers=headers)


@router.post(
    "/bank/transfer-settlements",
    summary="银行确认转账指令的结算结果（请求体须由银行证书签名：X-Bank-Id、X-Bank-Signature）",
)
async def bank_settlement(request: Request):
    body = await request.body()
    platform = platform_of(request)

    def receive() -> tuple[dict, bool]:
        with platform.db.session(write=True) as session:
            return settlement.receive_settlement(
                session,
                now=platform.clock.now(),
                bank_code=request.headers.get("x-bank-id"),
                signature=request.headers.get("x-bank-signature"),
                body=body,
                ip=client_ip(request),
            )

    # The exact body is read here (the signature covers it); the database work runs off the event loop.
    try:
        result, new = await run_in_threadpool(receive)
    except IntegrityError:
        # The same settlement id raced in twice: the other one won; answer as for a replay (or a reuse).
        result, new = await run_in_threadpool(receive)
    return JSONResponse({**result, "replayed": not new}, status_code=201 if new else 200)


@router.get(
    "/deposits/reconciliation",
    summary="保证金对账异常事项（未匹配、金额不符、逾期、付款人名称不符）与银行答复失败的转账指令",
)
def reconciliation(session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    scope = scope_for(session, v, "center:deposit:reconcile")
    return {
        "items": service.reconciliation(session, scope),
        "failed_transfers": settlement.failed_transfers(session, scope),
    }


@router.post("/deposits/reconciliation/{payment_id}/resolve", summary="登记对账异常事项的处理结果")
def resolve(
    payment_id: int,
    body: Resolution,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    scope = scope_for(session, v, "center:deposit:reconcile")
    p = service.resolve_exception(
        session, actor=v.actor, now=platform_of(request).clock.now(), scope=scope, payment_id=payment_id, note=body.note
    )
    return {"id": p.id, "resolved_at": p.resolved_at.isoformat() if p.resolved_at else None}


@router.post(
    "/deposits/transfers/{key}/reissue",
    status_code=201,
    summary="重新发出银行答复支付失败的转账指令：新指令（新编号）待银行取回，可更正收款账号，须写明原因",
)
def reissue_transfer(
    key: str,
    body: Reissue,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    scope = scope_for(session, v, reissue.PERMISSION)
    return reissue.reissue(
        session,
        actor=v.actor,
        now=platform_of(request).clock.now(),
        scope=scope,
        key=key,
        payee_account=body.payee_account,
        reason=body.reason,
    )


@router.get("/admin/banks", summary="保证金开户银行")
def banks(session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    scope_for(session, v, "province:deposit:manage")
    return {
        "items": [
            {"code": b.code, "name": b.name, "account_prefix": b.account_prefix, "active": b.active}
            for b in repository.banks(session)
        ]
    }


@router.post("/admin/banks", status_code=201, summary="登记保证金开户银行及其通知签名证书")
def add_bank(
    body: BankCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    scope_for(session, v, "province:deposit:manage")
    b = service.register_bank(session, actor=v.actor, now=platform_of(request).clock.now(), **body.model_dump())
    return {"code": b.code, "name": b.name, "account_prefix": b.account_prefix}


@router.get("/admin/guarantee-issuers", summary="保函出具机构")
def issuers(session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    scope_for(session, v, "province:deposit:manage")
    return {"items": [{"code": i.code, "name": i.name, "form": i.form} for i in repository.issuers(session)]}


@router.post("/admin/guarantee-issuers", status_code=201, summary="登记保函出具机构")
def add_issuer(
    body: IssuerCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    scope_for(session, v, "province:deposit:manage")
    i = service.register_issuer(session, actor=v.actor, now=platform_of(request).clock.now(), **body.model_dump())
    return {"code": i.code, "name": i.name, "form": i.form}
