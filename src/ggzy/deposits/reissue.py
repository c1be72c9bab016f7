"""Re-issuing a transfer order the bank reported failed (a closed account, a wrong number, a name that does not
match). The center's staff give the corrected payee account if there is one, and say why; a NEW order with its own
idempotency key (``<key>:r1``, then ``:r2``…) goes into the outbox and the bank fetches it as usual. The failed order
becomes ``reissued``: final, never sent again, so the bank can never be asked to pay both. A failed order is
re-issued once; should the new one fail too, that one can be re-issued in its turn.

- A deposit refund goes back to ``instructed`` with its new order, from the same sub-account, to the corrected
  account or else the same one (the bidder's basic account, 招标投标法实施条例 第二十六条). One live order per
  refund is this module's rule: the table allows the old and the new to name the same refund.
- An expert fee's new order takes the corrected account or, by default, the expert's current profile account;
  with neither it is held until the expert fills one in (``evaluation.fees``). One live order per fee, likewise.

Each change records exactly one audit event in the same transaction: ``deposits:transfer:reissued`` for the
failed order (naming the new one), ``deposits:refund:reissued`` for the refund. They name bidders and experts
(招标投标法 第三十七条), so they are confidential like the other transfer events.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ggzy.audit.service import record, register_confidential
from ggzy.authz.scope import CenterScope
from ggzy.deposits import policies, repository
from ggzy.deposits.models import Refund, TransferInstruction
from ggzy.deposits.settlement import KINDS, TRANSFER_LABELS, Order, center_of, kind_of, total_fen
from ggzy.deposits.workflow import REFUND, TRANSFER, RefundStatus, TransferStatus
from ggzy.evaluation.models import Expert
from ggzy.evaluation.session_models import ExpertFeePayment
from ggzy.kit.actor import Actor
from ggzy.kit.errors import Conflict, Forbidden, NotFound
from ggzy.projects.models import Notification, Section

register_confidential("deposits:transfer:reissued", "deposits:refund:reissued")

PERMISSION = "center:deposit:reconcile"  # the staff who see failed transfers on the reconciliation page


def _order(session: Session, key: str) -> Order:
    order: Order | None = repository.refund_order(session, key) or repository.fee_order(session, key)
    if order is None:
        raise NotFound(
            f"转账指令 {key} 不存在：请核对指令编号（对账页“银行答复支付失败”一栏）。", code="deposits.unknown_order"
        )
    return order


def _check_reissuable(session: Session, order: Order) -> None:
    if order.status == TransferStatus.REISSUED:
        raise Conflict(
            f"转账指令 {order.key} 已重新发出（新指令 {policies.reissued_key(order.key)}）：一条失败的指令只能重新发出"
            "一次；新指令如再失败，请对新指令办理。",
            code="deposits.already_reissued",
        )
    if order.status != TransferStatus.FAILED:
        raise Conflict(
            f"转账指令 {order.key} 当前为“{TRANSFER_LABELS[order.status]}”：只有银行答复支付失败的指令才能重新发出。",
            code="deposits.order_not_failed",
        )
    live = (
        repository.live_refund_orders(session, order.refund_id)
        if isinstance(order, TransferInstruction)
        else repository.live_fee_orders(session, order.fee_id)
    )
    if [o.key for o in live] != [order.key]:
        raise Conflict(
            f"该笔{KINDS[kind_of(order)]}已有其他未完结的转账指令：同一笔款项只能有一条有效指令。",
            code="deposits.order_not_failed",
        )


def reissue(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    scope: CenterScope,
    key: str,
    payee_account: str | None,
    reason: str,
) -> dict[str, Any]:
    """Replace an order the bank reported failed by a new one (new key, corrected account) for the bank to fetch."""
    order = _order(session, key.strip())
    center_id = center_of(session, order)
    if not scope.covers(center_id):
        raise Forbidden(
            f"转账指令 {order.key} 不属于您所在的交易中心：请由其所属交易中心的工作人员办理。",
            code="deposits.not_your_center",
        )
    _check_reissuable(session, order)
    account = policies.corrected_account(payee_account)
    why = policies.reissue_reason(reason)
    order.status = TRANSFER.decide(order, TransferStatus(order.status), "reissue").target.value
    new: Order
    refund: Refund | None = None
    if isinstance(order, TransferInstruction):
        refund = session.get_one(Refund, order.refund_id, with_for_update=True)
        new = _refund_order(order, account, now)
        about: dict[str, Any] = {"refund": refund.id, "entity": refund.entity_id}
    else:
        new = _fee_order(session, order, account, now)
        about = {"expert": order.expert_id}
    session.add(new)
    session.flush()
    record(
        session,
        tag="deposits:transfer:reissued",
        actor=actor,
        now=now,
        subject_id=order.key,
        center_id=center_id,
        payload={
            "kind": kind_of(order),
            "new_key": new.key,
            "failure": order.failure,
            "payee_account_before": order.payee_account,
            "payee_account": new.payee_account,
            "total_fen": total_fen(new),
            "reason": why,
            **about,
        },
    )
    if refund is not None:
        _reinstruct_refund(session, actor=actor, now=now, refund=refund, replaces=order.key, new=new, reason=why)
    return reissued_dict(order, new)


def _refund_order(old: TransferInstruction, account: str | None, now: dt.datetime) -> TransferInstruction:
    return TransferInstruction(
        key=policies.reissued_key(old.key),
        bank_id=old.bank_id,
        refund_id=old.refund_id,
        from_account=old.from_account,
        payee_name=old.payee_name,
        payee_account=account or old.payee_account,
        amount_fen=old.amount_fen,
        interest_fen=old.interest_fen,
        status=TransferStatus.INSTRUCTED.value,
        created_at=now,
    )


def _fee_order(session: Session, old: ExpertFeePayment, account: str | None, now: dt.datetime) -> ExpertFeePayment:
    expert = session.get_one(Expert, old.expert_id)
    return ExpertFeePayment(
        key=policies.reissued_key(old.key),
        session_id=old.session_id,
        expert_id=old.expert_id,
        fee_id=old.fee_id,
        payee_name=expert.name,
        amount_fen=old.amount_fen,
        status=TransferStatus.INSTRUCTED.value,
        created_at=now,
        bank_id=old.bank_id,
        # Held (not released to the bank) if the expert has no account either: fees.sync_payee releases it.
        payee_account=account or expert.bank_account or None,
    )


def _reinstruct_refund(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    refund: Refund,
    replaces: str,
    new: Order,
    reason: str,
) -> None:
    """The refund is instructed again, with its new order; the bidder is told."""
    refund.status = REFUND.decide(refund, RefundStatus(refund.status), "reissue").target.value
    refund.instructed_at = now
    section = session.get_one(Section, refund.section_id)
    session.add(
        Notification(
            entity_id=refund.entity_id,
            tender_project_id=section.tender_project_id,
            title="【保证金】已重新办理退还",
            body=f"标段 {section.code} 的保证金退还已由交易中心重新发出转账指令（收款账号 {new.payee_account}），"
            "银行办理后将再通知您。",
            at=now,
        )
    )
    record(
        session,
        tag="deposits:refund:reissued",
        actor=actor,
        now=now,
        subject_id=refund.id,
        center_id=refund.center_id,
        payload={"key": new.key, "replaces": replaces, "entity": refund.entity_id, "reason": reason},
    )


def reissued_dict(old: Order, new: Order) -> dict[str, Any]:
    """The answer to the staff: the new order, and whether it is held for want of an expert's account."""
    held = new.status == TransferStatus.INSTRUCTED and not new.payee_account
    return {
        "key": new.key,
        "replaces": old.key,
        "kind": kind_of(new),
        "status": new.status,
        "state": "held" if held else new.status,
        "payee_name": new.payee_name,
        "payee_account": new.payee_account,
        "total_fen": total_fen(new),
    }
