"""Expert fees paid through the platform (issue 6): the expert's own payee account, the hold on a fee order
until the expert has given one, and what the expert sees of their fees.

The order itself is created with the fee when the report is signed (``session.pay_fees``) and paid by the
settlement bank, which fetches it and confirms its settlement (``deposits.settlement``). An order whose expert
has no payee account is created anyway but held — not released to the bank — until the expert fills the account
in on their profile; changing the account before the bank fetched the order changes the order too. Each of these
changes to an order records one audit event, confidential: it names a committee member (招标投标法 第三十七条).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ggzy.audit.service import record, register_confidential
from ggzy.deposits import repository as deposits
from ggzy.deposits.workflow import TransferStatus
from ggzy.evaluation import repository
from ggzy.evaluation.models import Expert
from ggzy.evaluation.session_models import EvaluationSession, ExpertFeePayment
from ggzy.kit.actor import Actor
from ggzy.kit.errors import ValidationFailed

register_confidential(
    "evaluation:fee_payment:released", "evaluation:fee_payment:payee_changed", "evaluation:fee_payment:held"
)

# Chinese bank card and passbook numbers: 12 to 30 digits (the shortest are old passbooks, the longest corporate
# accounts); letters or symbols are a typing mistake.
ACCOUNT_DIGITS = (12, 30)

STATE_LABELS = {
    "held": "待专家填写收款账户",
    "instructed": "已生成支付指令，待银行取回",
    "fetched": "银行处理中",
    "settled": "已支付",
    "failed": "支付失败",
    "reissued": "支付失败，已重新发出支付指令",
}


def payee_account(bank_name: str, bank_account: str) -> tuple[str, str]:
    """The bank name and account number as stored, or refuse with what to fix. Spaces (groups of four) are
    dropped; both empty clears the account."""
    name, number = bank_name.strip(), "".join(bank_account.split())
    if not name and not number:
        return "", ""
    low, high = ACCOUNT_DIGITS
    if not (number.isdigit() and number.isascii() and low <= len(number) <= high):
        raise ValidationFailed(
            f"收款账号须为 {low}–{high} 位数字（可按四位一组加空格，不含字母和符号）：请按银行卡或存折上的账号填写。",
            code="evaluation.bad_bank_account",
        )
    if not name or len(name) > 100:
        raise ValidationFailed(
            "请填写收款账户的开户银行（100 字以内），如：中国工商银行贵阳中华路支行。", code="evaluation.bad_bank_name"
        )
    return name, number


def new_order_terms(session: Session, expert: Expert) -> dict[str, Any]:
    """Bank and payee of a new fee order: the settlement bank (the bank holding the deposit sub-accounts, see
    ``deposits.settlement``) and the expert's account, empty (held) if they have not given one."""
    bank = deposits.deposit_bank(session)
    return {"bank_id": bank.id if bank else None, "payee_account": expert.bank_account or None}


def sync_payee(session: Session, *, actor: Actor, now: dt.datetime, expert: Expert) -> list[ExpertFeePayment]:
    """After the expert changed their account: every order the bank has not fetched yet takes it — a held order is
    released, a released one changes payee, one whose account was cleared is held again."""
    account = expert.bank_account or None
    changed = []
    for order in repository.fee_orders_not_fetched(session, expert.id):
        if order.payee_account == account:
            continue
        before = order.payee_account
        order.payee_account = account
        action = "released" if before is None else ("held" if account is None else "payee_changed")
        center_id = session.get_one(EvaluationSession, order.session_id).center_id
        record(
            session,
            tag=f"evaluation:fee_payment:{action}",
            actor=actor,
            now=now,
            subject_id=order.key,
            center_id=center_id,
            payload={"expert": expert.id, "payee_account": account, "bank_name": expert.bank_name or None},
        )
        changed.append(order)
    return changed


def state_of(order: ExpertFeePayment) -> str:
    """held | instructed | fetched | settled | failed | reissued (held: not released to the bank for want of an
    account; reissued: failed, replaced by a new order ``deposits.reissue`` made)."""
    if order.status == TransferStatus.INSTRUCTED and not order.payee_account:
        return "held"
    return order.status


def payment_dict(order: ExpertFeePayment) -> dict[str, Any]:
    """What the expert sees of one fee payment."""
    state = state_of(order)
    return {
        "key": order.key,
        "amount_fen": order.amount_fen,
        "status": order.status,
        "state": state,
        "state_label": STATE_LABELS[state],
        "payee_account": order.payee_account,
        "bank_reference": order.bank_reference,
        "settled_at": order.settled_at.isoformat() if order.settled_at else None,
        "failure": order.failure,
    }


def fees_of(session: Session, expert: Expert) -> list[dict[str, Any]]:
    """The expert's own fee payments, newest first."""
    return [
        {"section": s.code, "section_name": s.name, **payment_dict(p)}
        for p, s, _center in repository.fee_payments_of(session, expert.id)
    ]
