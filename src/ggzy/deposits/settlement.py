"""Money leaving the platform, closed with the bank by the pull model that bank front-end machines (银行前置机) use
with trading platforms: the platform never pushes a payment. Its transfer orders — deposit refunds and expert
fees — wait in the outbox; the registered bank fetches its open orders as one JSON document signed by the
platform (detached CMS, checkable offline with ``platform-cert.pem``), pays them, and confirms each one with a
settlement notice signed by its registered certificate, exactly like an arrival notification.

Which bank an order belongs to:

- a deposit refund goes back through the bank the deposit came in through (its sub-account's bank), from that
  sub-account to the payer's account (招标投标法实施条例 第二十六条: the deposit came from the bidder's basic
  account and is returned to it);
- an expert fee is paid from the platform's settlement account at the **settlement bank**: the bank that holds
  the deposit sub-accounts (``repository.deposit_bank``, the first active bank registered). The order names that
  bank when it is created; one created while no bank was registered goes to the settlement bank that fetches
  first. ``from_account`` is null for fee orders: the bank holds the platform's settlement account itself.

A fee order for an expert who has not given a payee account is held: created, but not released to the bank, until
the expert fills in the account (``evaluation.fees``).

Each settlement notice is kept (``BankSettlement``): a bank uses a settlement id once, across all its orders. A
failed order is followed up by the center's staff, who may re-issue it as a new order (``deposits.reissue``).

Every change records exactly one audit event in the same transaction: ``deposits:transfer:fetched`` per order on
its first fetch, ``deposits:transfer:settled`` or ``deposits:transfer:failed`` per settlement. They name bidders
and experts (whose list is secret until the result, 招标投标法 第三十七条), so they are confidential.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ggzy.audit.chain import canonical_json
from ggzy.audit.service import record, register_confidential
from ggzy.authz.scope import CenterScope
from ggzy.deposits import policies, repository, service
from ggzy.deposits.models import Bank, BankSettlement, Refund, TransferInstruction
from ggzy.deposits.workflow import REFUND, TRANSFER, RefundStatus, TransferStatus
from ggzy.evaluation.session_models import ExpertFeePayment
from ggzy.kit.actor import Actor
from ggzy.kit.errors import Conflict, NotFound, ValidationFailed
from ggzy.kit.signing import PlatformKey
from ggzy.pki.documents import sign_document
from ggzy.projects.models import Notification, Section

register_confidential("deposits:transfer:fetched", "deposits:transfer:settled", "deposits:transfer:failed")

FEE_ACCOUNT_NAME = "公共资源交易中心专家劳务费结算账户"
KINDS = {"deposit_refund": "投标保证金退还", "expert_fee": "评标专家劳务费"}
TRANSFER_LABELS = {
    "instructed": "已生成指令，待银行取回",
    "fetched": "银行处理中",
    "settled": "已支付",
    "failed": "支付失败",
    "reissued": "已重新发出指令",
}

Order = TransferInstruction | ExpertFeePayment


def kind_of(order: Order) -> str:
    return "deposit_refund" if isinstance(order, TransferInstruction) else "expert_fee"


def total_fen(order: Order) -> int:
    """What the bank transfers: the refund with its interest, or the fee."""
    return order.amount_fen + (order.interest_fen if isinstance(order, TransferInstruction) else 0)


def center_of(session: Session, order: Order) -> int:
    """The center whose staff follow the order up: the refund's, or the evaluation session's."""
    if isinstance(order, TransferInstruction):
        return session.get_one(Refund, order.refund_id).center_id
    return repository.fee_center(session, order)


def _bank_actor(bank: Bank, center_id: int | None, ip: str | None) -> Actor:
    return Actor(None, bank.name, "bank", center_id, ip)


# --- the bank fetches its orders ----------------------------------------------------------------------------


def order_dict(order: Order) -> dict[str, Any]:
    """One order as the bank receives it (``key`` is its idempotency key: pay each key once)."""
    refund = isinstance(order, TransferInstruction)
    return {
        "key": order.key,
        "kind": kind_of(order),
        "amount_fen": order.amount_fen,
        "interest_fen": order.interest_fen if refund else 0,
        "total_fen": total_fen(order),
        "from_account": order.from_account if refund else None,
        "from_name": service.ESCROW_ACCOUNT_NAME if refund else FEE_ACCOUNT_NAME,
        "payee_name": order.payee_name,
        "payee_account": order.payee_account,
        "created_at": order.created_at.isoformat(),
    }


def _orders_of(session: Session, bank: Bank) -> list[Order]:
    settlement_bank = repository.deposit_bank(session)
    fees = repository.open_fee_orders(
        session, bank.id, unassigned_too=settlement_bank is not None and settlement_bank.id == bank.id
    )
    orders: list[Order] = [*repository.open_refund_orders(session, bank.id), *fees]
    return sorted(orders, key=lambda o: (o.created_at, o.key))


def fetch_orders(
    session: Session,
    *,
    now: dt.datetime,
    key: PlatformKey,
    bank_code: str | None,
    timestamp: str | None,
    signature: str | None,
    ip: str | None,
) -> tuple[bytes, bytes]:
    """The bank's open orders as one document and the platform's detached CMS signature over its exact bytes.

    The bank signs ``GET\\n/api/v1/bank/transfer-orders\\n<X-Bank-Timestamp>``; the first fetch of an order moves
    it from instructed to fetched. Fetching again returns the orders not yet settled, so a lost answer costs
    nothing."""
    policies.check_fetch_time(timestamp, now)
    bank = service.signed_by_bank(
        session,
        now=now,
        bank_code=bank_code,
        signature=signature,
        body=policies.fetch_message(timestamp or ""),
        what="取回转账指令请求",
    )
    orders = _orders_of(session, bank)
    for order in orders:
        if order.status == TransferStatus.INSTRUCTED:
            _fetched(session, order, bank, now, ip)
    document = {
        "bank": bank.code,
        "issued_at": now.isoformat(),
        "orders": [order_dict(o) for o in orders],
    }
    content = canonical_json(document).encode()
    return content, sign_document(content, key, signing_time=now)


def _fetched(session: Session, order: Order, bank: Bank, now: dt.datetime, ip: str | None) -> None:
    order.status = TRANSFER.decide(order, TransferStatus(order.status), "fetch").target.value
    order.sent_at = now
    if isinstance(order, ExpertFeePayment) and order.bank_id is None:
        order.bank_id = bank.id  # created before any bank was registered: the settlement bank takes it
    center_id = center_of(session, order)
    record(
        session,
        tag="deposits:transfer:fetched",
        actor=_bank_actor(bank, center_id, ip),
        now=now,
        subject_id=order.key,
        center_id=center_id,
        payload={"kind": kind_of(order), "bank": bank.code, "total_fen": total_fen(order)},
    )


# --- the bank confirms a settlement ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Settlement:
    settlement_id: str
    key: str
    status: str
    bank_reference: str
    amount_fen: int
    settled_at: dt.datetime
    failure: str


def parse_settlement(body: bytes, now: dt.datetime) -> Settlement:
    """The settlement notice: JSON with settlement_id, key, status (settled | failed), bank_reference, amount_fen
    (what was transferred, in fen), settled_at (ISO 8601 with zone) and, when failed, failure (the reason)."""
    bad = ValidationFailed(
        "结算通知格式错误：须为 JSON，含 settlement_id、key、status（settled 或 failed）、bank_reference、"
        "amount_fen（整数，分）、settled_at（ISO 8601，带时区）；失败时另含 failure（原因）。",
        code="deposits.bad_settlement",
    )
    try:
        raw = json.loads(body)
        s = Settlement(
            settlement_id=str(raw["settlement_id"]).strip(),
            key=str(raw["key"]).strip(),
            status=str(raw["status"]),
            bank_reference=str(raw.get("bank_reference") or "").strip(),
            amount_fen=raw["amount_fen"],
            settled_at=dt.datetime.fromisoformat(raw["settled_at"]),
            failure=str(raw.get("failure") or "").strip(),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise bad from None
    if s.status not in ("settled", "failed") or s.settled_at.tzinfo is None:
        raise bad
    if not 0 < len(s.settlement_id) <= 64 or not 0 < len(s.key) <= 80 or len(s.bank_reference) > 64:
        raise ValidationFailed(
            "settlement_id 须为 1–64 个字符，key 1–80 个字符，bank_reference 至多 64 个字符。",
            code="deposits.bad_settlement",
        )
    if type(s.amount_fen) is not int or s.amount_fen <= 0:
        raise ValidationFailed("amount_fen 须为正整数（单位：分）。", code="deposits.bad_amount")
    if s.status == "settled" and not s.bank_reference:
        raise ValidationFailed("支付成功的结算通知须给出银行流水号 bank_reference。", code="deposits.bad_settlement")
    if s.status == "failed" and not s.failure:
        raise ValidationFailed("支付失败的结算通知须在 failure 中写明原因。", code="deposits.bad_settlement")
    if s.settled_at > now + policies.FETCH_SKEW:
        raise ValidationFailed("settled_at 晚于平台当前时间：请校准时钟后重发。", code="deposits.bad_settlement")
    return s


def _order_of(session: Session, bank: Bank, key: str) -> Order:
    order: Order | None = repository.refund_order(session, key) or repository.fee_order(session, key)
    if order is None or order.bank_id != bank.id:
        raise NotFound(
            f"没有发给 {bank.code} 的转账指令 {key}：请核对 key（取回的指令文件中的 key）。",
            code="deposits.unknown_order",
        )
    return order


def settlement_result(order: Order, s: Settlement) -> dict[str, Any]:
    """The answer to the bank, the same every time the same settlement notice comes: the outcome it reported, even
    once a failed order has been re-issued since."""
    return {
        "settlement_id": s.settlement_id,
        "key": order.key,
        "status": s.status,
        "amount_fen": total_fen(order),
        "bank_reference": s.bank_reference or None,
    }


def receive_settlement(
    session: Session, *, now: dt.datetime, bank_code: str | None, signature: str | None, body: bytes, ip: str | None
) -> tuple[dict[str, Any], bool]:
    """Check the bank's signature; settle or fail the order once. The same body again gets the same answer; a
    settlement id the bank already used, with another body (whatever order it names), is refused, and so is another
    settlement of an order already settled or failed. Returns (answer, new)."""
    bank = service.signed_by_bank(
        session, now=now, bank_code=bank_code, signature=signature, body=body, what="结算通知"
    )
    s = parse_settlement(body, now)
    digest = hashlib.sha256(body).hexdigest()
    earlier = repository.bank_settlement(session, bank.id, s.settlement_id)
    if earlier is not None:
        if earlier.body_sha256 != digest:
            raise Conflict(
                f"结算编号 {s.settlement_id} 已用于另一份结算通知（转账指令 {earlier.order_key}）：每份结算通知须使用"
                "新的结算编号；重发同一通知时内容须与原通知完全一致。",
                code="deposits.settlement_reused",
            )
        return settlement_result(_order_of(session, bank, earlier.order_key), s), False
    order = _order_of(session, bank, s.key)
    if order.settlement_sha256 is not None:
        # The same body with no kept settlement: confirmed before the settlements were kept (migration 0016).
        if order.settlement_sha256 == digest:
            return settlement_result(order, s), False
        raise Conflict(
            f"转账指令 {order.key} 已按另一份结算通知确认（{TRANSFER_LABELS[order.status]}），结算编号 "
            f"{s.settlement_id} 不能再次确认它：一条指令只确认一次。",
            code="deposits.settlement_reused",
        )
    if s.amount_fen != total_fen(order):
        raise ValidationFailed(
            f"结算金额 {s.amount_fen} 分与转账指令 {order.key} 的金额 {total_fen(order)} 分不符：请按指令金额支付。",
            code="deposits.settlement_amount",
        )
    if order.status == TransferStatus.INSTRUCTED:
        raise Conflict(
            f"转账指令 {order.key} 尚未被银行取回：请先取回转账指令（GET /api/v1/bank/transfer-orders）再确认结算。",
            code="deposits.order_not_fetched",
        )
    transition = "settle" if s.status == "settled" else "fail"
    order.status = TRANSFER.decide(order, TransferStatus(order.status), transition).target.value
    order.bank_reference = s.bank_reference or None
    order.settled_at, order.settlement_sha256 = s.settled_at, digest
    order.failure = s.failure or None
    session.add(
        BankSettlement(
            bank_id=bank.id, settlement_id=s.settlement_id, body_sha256=digest, order_key=order.key, received_at=now
        )
    )
    # The same settlement id racing in twice: the unique (bank, settlement id) stops the second here.
    session.flush()
    center_id = center_of(session, order)
    payload: dict[str, Any] = {
        "kind": kind_of(order),
        "bank": bank.code,
        "settlement_id": s.settlement_id,
        "bank_reference": s.bank_reference,
        "total_fen": s.amount_fen,
        "settled_at": s.settled_at.isoformat(),
        "failure": s.failure,
        "body_sha256": digest,
    }
    if isinstance(order, TransferInstruction):
        payload |= _close_refund(session, order, transition, now)
    else:
        payload["expert"] = order.expert_id
    record(
        session,
        tag=f"deposits:transfer:{order.status}",
        actor=_bank_actor(bank, center_id, ip),
        now=now,
        subject_id=order.key,
        center_id=center_id,
        payload=payload,
    )
    return settlement_result(order, s), True


def _close_refund(session: Session, order: TransferInstruction, transition: str, now: dt.datetime) -> dict[str, Any]:
    refund = session.get_one(Refund, order.refund_id, with_for_update=True)
    refund.status = REFUND.decide(refund, RefundStatus(refund.status), transition).target.value
    section = session.get_one(Section, refund.section_id)
    total = order.amount_fen + order.interest_fen
    if refund.status == RefundStatus.SETTLED:
        title = "【保证金】已退还"
        text = f"标段 {section.code} 的投标保证金及利息共 {total} 分已退还（银行流水号 {order.bank_reference}）。"
    else:
        title, text = (
            "【保证金】退还未成功",
            f"标段 {section.code} 的保证金退还未成功（银行答复：{order.failure}）：交易中心将与您联系处理。",
        )
    session.add(
        Notification(
            entity_id=refund.entity_id, tender_project_id=section.tender_project_id, title=title, body=text, at=now
        )
    )
    return {"refund": refund.id, "entity": refund.entity_id}


# --- what the center's staff see ----------------------------------------------------------------------------


def failed_transfers(session: Session, scope: CenterScope) -> list[dict[str, Any]]:
    """Orders the bank reported failed, for the staff of their centers to follow up."""
    return [
        {
            "key": o.key,
            "kind": kind_of(o),
            "kind_label": KINDS[kind_of(o)],
            "bank": b.code,
            "section": s.code,
            "total_fen": total_fen(o),
            "payee_name": o.payee_name,
            "payee_account": o.payee_account,
            "failure": o.failure,
            "reported_at": o.settled_at.isoformat() if o.settled_at else None,
        }
        for o, b, s in repository.failed_transfers(session, scope)
    ]
