"""Pages of deposits: the bidder's deposit page for a section, the center staff's reconciliation page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ggzy.authz.scope import acting_entity
from ggzy.deposits import policies, reissue, repository, service, settlement
from ggzy.kit.errors import GgzyError, ValidationFailed
from ggzy.kit.money import yuan_to_fen
from ggzy.web.context import Viewer, csrf_checked, db_session, platform_of, scope_for, signed_in
from ggzy.web.render import page

router = APIRouter(include_in_schema=False)

FORM_LABELS = {
    "cash": "现金（转账至虚拟子账号）",
    "bank_guarantee": "银行保函",
    "insurance_guarantee": "保证保险（电子保函）",
}
STATUS_LABELS = {
    "none": "未缴纳",
    "pending": "待到账",
    "received": "已到账",
    "mismatch": "金额不符",
    "late": "逾期到账",
    "unmatched": "未匹配",
    "refunding": "退还中",
    "refunded": "已退还",
}
REFUND_LABELS = {
    "scheduled": "待退还",
    "instructed": "已发出退款指令，待银行办理",
    "settled": "已退还",
    "failed": "退还未成功，交易中心将与您联系",
}


def _deposit_page(request: Request, v: Viewer, code: str, error: str | None = None, status_code: int = 200):
    entity_id = acting_entity(v.principal, "entity:bid:submit")
    platform = platform_of(request)
    with platform.db.session(write=True) as session:
        info = service.instructions(
            session, actor=v.actor, now=platform.clock.now(), entity_id=entity_id, section_code=code
        )
        issuers = [
            {"code": i.code, "name": i.name, "form": i.form}
            for i in repository.issuers(session)
            if i.active and i.form in info["forms"]
        ]
        refunds = [r for r in service.refunds_of(session, entity_id) if r["section"] == code]
    return page(
        request,
        "deposits/section.html",
        v,
        status_code=status_code,
        info=info,
        issuers=issuers,
        refunds=refunds,
        form_labels=FORM_LABELS,
        status_labels=STATUS_LABELS,
        refund_labels=REFUND_LABELS,
        reasons=policies.REFUND_REASONS,
        error=error,
    )


@router.get("/sections/{code}/deposit")
def deposit_page(code: str, request: Request, v: Viewer = Depends(signed_in)):
    return _deposit_page(request, v, code)


@router.post("/sections/{code}/deposit/guarantee")
async def guarantee_form(code: str, request: Request, v: Viewer = Depends(csrf_checked)):
    form = await request.form()
    entity_id = acting_entity(v.principal, "entity:bid:submit")
    platform = platform_of(request)
    try:
        with platform.db.session(write=True) as session:
            amount = yuan_to_fen(str(form.get("amount_yuan") or ""))
            if amount <= 0:
                raise ValidationFailed("请填写保函金额。", code="deposits.bad_amount")
            service.submit_guarantee(
                session,
                actor=v.actor,
                now=platform.clock.now(),
                entity_id=entity_id,
                section_code=code,
                issuer_code=str(form.get("issuer_code") or ""),
                guarantee_no=str(form.get("guarantee_no") or ""),
                amount_fen=amount,
            )
    except GgzyError as exc:
        return _deposit_page(request, v, code, error=exc.message, status_code=exc.status)
    return RedirectResponse(f"/sections/{code}/deposit", status_code=303)


def _reconciliation(
    request: Request,
    session: Session,
    v: Viewer,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
):
    scope = scope_for(session, v, "center:deposit:reconcile")
    return page(
        request,
        "deposits/reconciliation.html",
        v,
        status_code=status_code,
        items=service.reconciliation(session, scope),
        failed=settlement.failed_transfers(session, scope),
        status_labels=STATUS_LABELS,
        error=error,
        form=form or {},
    )


@router.get("/deposits/reconciliation")
def reconciliation_page(
    request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)
):
    return _reconciliation(request, session, v)


@router.post("/deposits/reconciliation/transfers/{key}/reissue")
async def reissue_form(key: str, request: Request, v: Viewer = Depends(csrf_checked)):
    form = await request.form()
    fields = {
        "key": key,
        "payee_account": str(form.get("payee_account") or ""),
        "reason": str(form.get("reason") or ""),
    }
    platform = platform_of(request)
    try:
        with platform.db.session(write=True) as session:
            scope = scope_for(session, v, reissue.PERMISSION)
            reissue.reissue(
                session,
                actor=v.actor,
                now=platform.clock.now(),
                scope=scope,
                key=key,
                payee_account=fields["payee_account"],
                reason=fields["reason"],
            )
    except GgzyError as exc:
        with platform.db.session() as session:
            return _reconciliation(request, session, v, error=exc.message, status_code=exc.status, form=fields)
    return RedirectResponse("/deposits/reconciliation", status_code=303)
