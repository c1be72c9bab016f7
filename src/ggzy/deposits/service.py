"""Use cases of the deposits domain. Every movement records one audit event; events that name a bidder (or
a payer who may be one) are registered confidential, so the read API never serves them."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from sqlalchemy.orm import Session

from ggzy.audit.service import record, register_confidential
from ggzy.authz.scope import CenterScope
from ggzy.centers import service as centers
from ggzy.centers.models import Center
from ggzy.deposits import issuers as issuer_registry
from ggzy.deposits import policies, repository
from ggzy.deposits.models import Bank, Guarantee, GuaranteeIssuer, Payment, Refund, SubAccount, TransferInstruction
from ggzy.deposits.visibility import reconciliation_row
from ggzy.deposits.workflow import REFUND, PaymentStatus, RefundStatus
from ggzy.kit.actor import CHRONOGRAPH, SYSTEM, Actor
from ggzy.kit.clock import SHANGHAI
from ggzy.kit.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed
from ggzy.projects.models import Notification, Section, TenderProject
from ggzy.projects.rulesets import DepositForm, rule_set
from ggzy.projects.workflow import SectionStatus
from ggzy.registry.models import Entity

register_confidential(
    "deposits:sub_account:opened",
    "deposits:payment:received",
    "deposits:payment:mismatch",
    "deposits:payment:late",
    "deposits:payment:unmatched",
    "deposits:guarantee:accepted",
    "deposits:guarantee:released",
    "deposits:refund:scheduled",
    "deposits:refund:instructed",
)

ESCROW_ACCOUNT_NAME = "公共资源交易中心投标保证金专户"


# --- banks and issuers (platform administration) -------------------------------------------------------


def register_bank(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    code: str,
    name: str,
    account_prefix: str,
    cert_pem: str,
    demand_rate_bp: int = 0,
) -> Bank:
    """Register a deposit bank with the certificate that signs its arrival notifications."""
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise ValidationFailed("请填写银行代码和名称。", code="deposits.bank_required")
    policies.check_prefix(account_prefix)
    cert = policies.load_certificate(cert_pem)
    if demand_rate_bp < 0:
        raise ValidationFailed("活期利率不能为负数。", code="deposits.bad_rate")
    if repository.bank_by_code(session, code) is not None:
        raise Conflict(f"银行 {code} 已登记。", code="deposits.bank_exists")
    bank = Bank(
        code=code,
        name=name,
        account_prefix=account_prefix,
        cert_pem=cert_pem,
        demand_rate_bp=demand_rate_bp,
        active=True,
        created_at=now,
    )
    session.add(bank)
    session.flush()
    fingerprint = cert.fingerprint(hashes.SHA256()).hex()
    record(
        session,
        tag="deposits:bank:registered",
        actor=actor,
        now=now,
        subject_id=code,
        payload={"name": name, "prefix": account_prefix, "cert_sha256": fingerprint, "rate_bp": demand_rate_bp},
    )
    return bank


def register_issuer(
    session: Session, *, actor: Actor, now: dt.datetime, code: str, name: str, form: str, verify_endpoint: str = ""
) -> GuaranteeIssuer:
    """Register a bank or insurer whose e-guarantees are verified against its own record."""
    if form not in (DepositForm.BANK_GUARANTEE, DepositForm.INSURANCE_GUARANTEE):
        raise ValidationFailed("出具机构类型须为 bank_guarantee 或 insurance_guarantee。", code="deposits.bad_form")
    if not code.strip() or not name.strip():
        raise ValidationFailed("请填写出具机构代码和名称。", code="deposits.issuer_required")
    if repository.issuer_by_code(session, code.strip()) is not None:
        raise Conflict(f"出具机构 {code} 已登记。", code="deposits.issuer_exists")
    issuer = GuaranteeIssuer(
        code=code.strip(), name=name.strip(), form=form, verify_endpoint=verify_endpoint, active=True, created_at=now
    )
    session.add(issuer)
    session.flush()
    record(
        session,
        tag="deposits:issuer:registered",
        actor=actor,
        now=now,
        subject_id=issuer.code,
        payload={"name": issuer.name, "form": form, "endpoint": verify_endpoint},
    )
    return issuer


# --- instructions and sub-accounts (the bidder) -------------------------------------------------------


def _open_for_deposits(section: Section, now: dt.datetime) -> None:
    if section.status != SectionStatus.ANNOUNCED.value or section.bid_deadline is None or now >= section.bid_deadline:
        raise ValidationFailed("该标段当前不在投标期内，不能办理保证金。", code="deposits.section_not_open")
    if section.deposit_fen <= 0:
        raise ValidationFailed("该标段不收取投标保证金。", code="deposits.not_required")


def open_sub_account(
    session: Session, *, actor: Actor, now: dt.datetime, entity_id: int, section: Section, tp: TenderProject
) -> SubAccount:
    """The bidder's virtual sub-account for the section; asking again returns the same one."""
    existing = repository.sub_account(session, section.id, entity_id)
    if existing is not None:
        return existing
    _open_for_deposits(section, now)
    rules = rule_set(tp.rule_set)
    policies.require_cash(policies.forms_of(section.deposit_forms, rules), rules)
    bank = repository.deposit_bank(session)
    if bank is None:
        raise ValidationFailed("平台尚未登记保证金开户银行：请改用保函，或联系交易中心。", code="deposits.no_bank")
    number = policies.new_account_number(bank.account_prefix)
    while repository.number_taken(session, number):
        number = policies.new_account_number(bank.account_prefix)
    account = SubAccount(
        number=number,
        bank_id=bank.id,
        section_id=section.id,
        entity_id=entity_id,
        center_id=section.center_id,
        opened_at=now,
    )
    session.add(account)
    session.flush()
    record(
        session,
        tag="deposits:sub_account:opened",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={"entity": entity_id, "bank": bank.code, "number": number},
    )
    return account


def instructions(
    session: Session, *, actor: Actor, now: dt.datetime, entity_id: int, section_code: str
) -> dict[str, Any]:
    """What a bidder needs to pay: amount, forms, its own sub-account (opened on first request), its status."""
    section, tp = repository.section_by_code(session, section_code)
    rules = rule_set(tp.rule_set)
    forms = policies.forms_of(section.deposit_forms, rules)
    account = repository.sub_account(session, section.id, entity_id)
    can_open = (
        section.status == SectionStatus.ANNOUNCED.value
        and section.deposit_fen > 0
        and DepositForm.CASH in forms
        and section.bid_deadline is not None
        and now < section.bid_deadline
    )
    if account is None and can_open:
        account = open_sub_account(session, actor=actor, now=now, entity_id=entity_id, section=section, tp=tp)
    bank = session.get(Bank, account.bank_id) if account else None
    payments = repository.payments_of(session, section.id, entity_id)
    refunds = repository.refunds_by_payment(session, [p.id for p in payments])
    return {
        "section": section.code,
        "section_name": section.name,
        "bid_deadline": section.bid_deadline.isoformat() if section.bid_deadline else None,
        "amount_fen": section.deposit_fen,
        "forms": sorted(forms),
        "rule": {"id": rules.deposit.rule_id, "source": rules.deposit.source} if rules.deposit else None,
        "account": {"number": account.number, "name": ESCROW_ACCOUNT_NAME, "bank": bank.code, "bank_name": bank.name}
        if account and bank
        else None,
        "status": deposit_status(session, section.id, entity_id),
        "payments": [_own_payment(p, refunds.get(p.id)) for p in payments],
        "guarantees": [_own_guarantee(session, g) for g in repository.guarantees_of(session, section.id, entity_id)],
    }


def _own_payment(p: Payment, refund: Refund | None) -> dict[str, Any]:
    return {
        "notification_id": p.notification_id,
        "status": p.status,
        "amount_fen": p.amount_fen,
        "payer_name": p.payer_name,
        "payer_account": p.payer_account,
        "booked_at": p.booked_at.isoformat(),
        "refund": refund.status if refund else None,
    }


def _own_guarantee(session: Session, g: Guarantee) -> dict[str, Any]:
    issuer = session.get(GuaranteeIssuer, g.issuer_id)
    return {
        "issuer": issuer.code if issuer else None,
        "guarantee_no": g.guarantee_no,
        "form": g.form,
        "amount_fen": g.amount_fen,
        "valid_until": g.valid_until.isoformat(),
        "status": g.status,
    }


def deposit_status(session: Session, section_id: int, entity_id: int) -> str:
    """none | pending | received | mismatch | late | refunding | refunded — what bid eligibility asks (received
    counts). Refunded only once the bank confirmed every refund; until then refunding."""
    if any(g.status == "received" for g in repository.guarantees_of(session, section_id, entity_id)):
        return "received"
    payments = repository.payments_of(session, section_id, entity_id)
    refunds = repository.refunds_by_payment(session, [p.id for p in payments])
    live = [p for p in payments if p.id not in refunds]
    if payments and not live:
        settled = all(r.status == RefundStatus.SETTLED for r in refunds.values())
        return "refunded" if settled else "refunding"
    statuses = {p.status for p in live}
    for status in (PaymentStatus.RECEIVED, PaymentStatus.MISMATCH, PaymentStatus.LATE):
        if status in statuses:
            return status.value
    return "pending" if repository.sub_account(session, section_id, entity_id) else "none"


# --- bank notifications -------------------------------------------------------------------------------


def _parse_notification(body: bytes) -> dict[str, Any]:
    try:
        raw = json.loads(body)
        parsed = {
            "notification_id": str(raw["notification_id"]).strip(),
            "account_number": str(raw["account_number"]).strip(),
            "amount_fen": raw["amount_fen"],
            "payer_name": str(raw["payer_name"]).strip(),
            "payer_account": str(raw["payer_account"]).strip(),
            "booked_at": dt.datetime.fromisoformat(raw["booked_at"]),
            "sent_at": dt.datetime.fromisoformat(raw["sent_at"]),
        }
    except (ValueError, KeyError, TypeError):
        raise ValidationFailed(
            "到账通知格式错误：须为 JSON，含 notification_id、account_number、amount_fen（整数，分）、payer_name、"
            "payer_account、booked_at、sent_at（ISO 8601，带时区）。",
            code="deposits.bad_notification",
        ) from None
    if type(parsed["amount_fen"]) is not int or parsed["amount_fen"] <= 0:
        raise ValidationFailed("amount_fen 须为正整数（单位：分）。", code="deposits.bad_amount")
    if parsed["booked_at"].tzinfo is None or parsed["sent_at"].tzinfo is None:
        raise ValidationFailed("booked_at 与 sent_at 须带时区。", code="deposits.bad_notification")
    if not parsed["notification_id"] or len(parsed["notification_id"]) > 64:
        raise ValidationFailed("notification_id 须为 1–64 个字符。", code="deposits.bad_notification")
    return parsed


def notification_result(payment: Payment) -> dict[str, Any]:
    """The answer to the bank, the same every time the same notification comes (no bidder in it)."""
    return {"notification_id": payment.notification_id, "status": payment.status, "amount_fen": payment.amount_fen}


def signed_by_bank(
    session: Session,
    *,
    now: dt.datetime,
    bank_code: str | None,
    signature: str | None,
    body: bytes,
    what: str = "到账通知",
) -> Bank:
    """The registered, active bank whose certificate signed ``body`` (X-Bank-Id, X-Bank-Signature), or refuse."""
    policies.require_signed(bank_code, signature, what)
    bank = repository.bank_by_code(session, bank_code or "")
    if bank is None or not bank.active:
        raise NotAuthenticated(f"未登记或已停用的银行：{bank_code}。", code="deposits.unknown_bank")
    try:
        sig = base64.b64decode(signature or "", validate=True)
    except (binascii.Error, ValueError):
        raise NotAuthenticated("X-Bank-Signature 须为 Base64。", code="deposits.unsigned") from None
    policies.verify_signature(bank.cert_pem, body, sig, now, what)
    return bank


def receive_notification(
    session: Session, *, now: dt.datetime, bank_code: str | None, signature: str | None, body: bytes, ip: str | None
) -> tuple[Payment, bool]:
    """Check the bank's signature, refuse replays with another body, match the arrival. Returns (payment, new)."""
    bank = signed_by_bank(session, now=now, bank_code=bank_code, signature=signature, body=body)
    data = _parse_notification(body)
    digest = hashlib.sha256(body).hexdigest()
    earlier = repository.payment_by_notification(session, bank.id, data["notification_id"])
    if earlier is not None:
        if earlier.body_sha256 != digest:
            raise Conflict(
                f"通知编号 {data['notification_id']} 已用于另一笔不同内容的通知。", code="deposits.notification_reused"
            )
        return earlier, False
    policies.check_sent_at(data["sent_at"], now)
    payment = _book(session, bank, data, digest, now)
    actor = Actor(None, bank.name, "bank", payment.center_id, ip)
    record(
        session,
        tag=f"deposits:payment:{payment.status}",
        actor=actor,
        now=now,
        subject_id=payment.id,
        center_id=payment.center_id,
        payload={
            "bank": bank.code,
            "notification": payment.notification_id,
            "account": payment.account_number,
            "entity": payment.entity_id,
            "amount_fen": payment.amount_fen,
            "required_fen": payment.required_fen,
            "payer_name": payment.payer_name,
            "payer_account": payment.payer_account,
            "body_sha256": digest,
        },
    )
    _tell_bidder(session, payment, now)
    return payment, True


def _book(session: Session, bank: Bank, data: dict[str, Any], digest: str, now: dt.datetime) -> Payment:
    account = repository.sub_account_by_number(session, data["account_number"])
    if account is not None and account.bank_id != bank.id:
        account = None  # a number of another bank's range is not ours to credit
    section = session.get(Section, account.section_id) if account else None
    entity = session.get(Entity, account.entity_id) if account else None
    status = policies.classify(
        known=account is not None,
        amount_fen=data["amount_fen"],
        required_fen=section.deposit_fen if section else None,
        booked_at=data["booked_at"],
        deadline=section.bid_deadline if section else None,
    )
    payment = Payment(
        bank_id=bank.id,
        notification_id=data["notification_id"],
        body_sha256=digest,
        account_number=data["account_number"],
        sub_account_id=account.id if account else None,
        section_id=section.id if section else None,
        entity_id=entity.id if entity else None,
        center_id=section.center_id if section else None,
        amount_fen=data["amount_fen"],
        required_fen=section.deposit_fen if section else None,
        payer_name=data["payer_name"],
        payer_account=data["payer_account"],
        # T-8: cash must come from the bidder's basic account; a different payer name is flagged for staff.
        payer_name_matches=policies.same_name(data["payer_name"], entity.name) if entity else None,
        booked_at=data["booked_at"],
        received_at=now,
        status=status.value,
    )
    session.add(payment)
    session.flush()
    return payment


_TOLD = {
    PaymentStatus.RECEIVED: ("【保证金】已到账", "标段 {code} 的投标保证金 {amount} 分已到账。"),
    PaymentStatus.MISMATCH: (
        "【保证金】金额不符",
        "标段 {code} 收到 {amount} 分，与要求的保证金 {required} 分不符：该笔款项不计为已缴纳，"
        "将随保证金一并退还；请按要求金额缴纳。",
    ),
    PaymentStatus.LATE: (
        "【保证金】逾期到账",
        "标段 {code} 的保证金在投标截止后到账，不计为已缴纳，将随保证金一并退还。",
    ),
}


def _tell_bidder(session: Session, payment: Payment, now: dt.datetime) -> None:
    told = _TOLD.get(PaymentStatus(payment.status))
    if told is None or payment.entity_id is None or payment.section_id is None:
        return
    section = session.get(Section, payment.section_id)
    assert section is not None
    title, body = told
    session.add(
        Notification(
            entity_id=payment.entity_id,
            tender_project_id=section.tender_project_id,
            title=title,
            body=body.format(code=section.code, amount=payment.amount_fen, required=payment.required_fen),
            at=now,
        )
    )


# --- reconciliation (center staff) --------------------------------------------------------------------


def reconciliation(session: Session, scope: CenterScope) -> list[dict[str, Any]]:
    """Exception items only (see visibility.py): never the received deposits of a section, nor their count."""
    return [
        reconciliation_row(p, bank_code=b.code, section_code=s.code if s else None)
        for p, b, s in repository.exceptions(session, scope)
    ]


def resolve_exception(
    session: Session, *, actor: Actor, now: dt.datetime, scope: CenterScope, payment_id: int, note: str
) -> Payment:
    """Staff close an exception item with what they did (e.g. returned to the payer's account)."""
    payment = session.get(Payment, payment_id)
    if payment is None or (payment.center_id is not None and not scope.covers(payment.center_id)):
        raise NotFound("对账事项不存在或不在您的范围内。", code="deposits.not_found")
    if payment.resolved_at is not None:
        raise Conflict("该事项已处理。", code="deposits.already_resolved")
    if not note.strip():
        raise ValidationFailed("请写明处理情况（如：已原路退回付款账户）。", code="deposits.note_required")
    payment.resolved_at, payment.resolution = now, note.strip()
    record(
        session,
        tag="deposits:payment:resolved",
        actor=actor,
        now=now,
        subject_id=payment.id,
        center_id=payment.center_id,
        payload={"note": payment.resolution},
    )
    return payment


# --- e-guarantees -------------------------------------------------------------------------------------


def submit_guarantee(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    entity_id: int,
    section_code: str,
    issuer_code: str,
    guarantee_no: str,
    amount_fen: int,
) -> Guarantee:
    """Accept an e-guarantee once its issuer confirms it; a refused one leaves nothing behind."""
    section, tp = repository.section_by_code(session, section_code)
    _open_for_deposits(section, now)
    rules = rule_set(tp.rule_set)
    issuer = repository.issuer_by_code(session, issuer_code.strip())
    if issuer is None or not issuer.active:
        raise ValidationFailed(f"保函出具机构 {issuer_code} 未在平台登记。", code="deposits.unknown_issuer")
    if DepositForm(issuer.form) not in policies.forms_of(section.deposit_forms, rules):
        raise ValidationFailed(
            f"本标段不接受{'银行保函' if issuer.form == DepositForm.BANK_GUARANTEE else '保证保险'}。",
            code="deposits.form_not_allowed",
        )
    entity = session.get(Entity, entity_id)
    assert entity is not None
    guarantee_no = guarantee_no.strip()
    taken = session.query(Guarantee).filter_by(issuer_id=issuer.id, guarantee_no=guarantee_no).first()
    if taken is not None:
        raise Conflict("该保函已提交过，不能重复使用。", code="deposits.guarantee_used")
    found = issuer_registry.verify(issuer.code, guarantee_no)
    policies.check_guarantee(
        found,
        claimed_amount_fen=amount_fen,
        required_fen=section.deposit_fen,
        entity_name=entity.name,
        section_code=section.code,
        deadline=section.bid_deadline,
        now=now,
    )
    assert found is not None
    record_hash = hashlib.sha256(json.dumps(found.__dict__, default=str, sort_keys=True).encode()).hexdigest()
    g = Guarantee(
        issuer_id=issuer.id,
        guarantee_no=guarantee_no,
        section_id=section.id,
        entity_id=entity_id,
        center_id=section.center_id,
        form=issuer.form,
        amount_fen=found.amount_fen,
        valid_until=found.valid_until,
        status="received",
        record_sha256=record_hash,
        verified_at=now,
    )
    session.add(g)
    session.flush()
    record(
        session,
        tag="deposits:guarantee:accepted",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={
            "entity": entity_id,
            "issuer": issuer.code,
            "no": guarantee_no,
            "amount_fen": g.amount_fen,
            "record_sha256": record_hash,
        },
    )
    return g


# --- refunds ------------------------------------------------------------------------------------------


def _end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=SHANGHAI).astimezone(dt.UTC)


def schedule_refunds(
    session: Session,
    section: Section,
    reason: str,
    at: dt.datetime,
    winner_entity_id: int | None = None,
    *,
    only_entity_id: int | None = None,
    actor: Actor = SYSTEM,
) -> list[Refund]:
    """Schedule the return of the section's cash deposits by the rule set's limit (T-10, T-11, T-19, G-6, L-1).

    ``award`` refunds everyone but the winner (returned on ``contract``); ``withdrawal`` only ``only_entity_id``.
    Scheduling twice schedules nothing new. Guarantees held for the refunded bidders are released."""
    tp = session.get(TenderProject, section.tender_project_id)
    center = session.get(Center, section.center_id)
    assert tp is not None and center is not None
    terms = policies.refund_terms(rule_set(tp.rule_set), reason)
    due_day = centers.working_calendar(session, center).last_day(at, terms.limit.period) if terms.limit else at.date()

    def concerned(entity_id: int | None) -> bool:
        if only_entity_id is not None:
            return entity_id == only_entity_id
        if reason == "award":
            return entity_id != winner_entity_id
        if reason == "contract":
            return winner_entity_id is None or entity_id == winner_entity_id
        return True

    out = []
    for payment in repository.refundable_payments(session, section.id):
        if concerned(payment.entity_id):
            out.append(_schedule_one(session, payment, section, reason, at, terms, _end_of_day(due_day), actor))
    for g in repository.held_guarantees(session, section.id):
        if concerned(g.entity_id):
            _release(session, g, reason, at, actor)
    return out


def _schedule_one(
    session: Session,
    payment: Payment,
    section: Section,
    reason: str,
    at: dt.datetime,
    terms: policies.RefundTerms,
    due_by: dt.datetime,
    actor: Actor,
) -> Refund:
    bank = session.get(Bank, payment.bank_id)
    assert bank is not None and payment.entity_id is not None
    interest = (
        policies.interest_fen(payment.amount_fen, rate_bp=bank.demand_rate_bp, since=payment.booked_at, until=at)
        if terms.with_interest
        else 0
    )
    refund = Refund(
        payment_id=payment.id,
        section_id=section.id,
        entity_id=payment.entity_id,
        center_id=section.center_id,
        reason=reason,
        rule_id=terms.rule_id,
        source=terms.source,
        amount_fen=payment.amount_fen,
        interest_fen=interest,
        triggered_at=at,
        due_by=due_by,
        status=RefundStatus.SCHEDULED.value,
        # Returned at the next chronograph tick, well inside the legal limit (due_by).
        next_check=at,
    )
    session.add(refund)
    session.flush()
    record(
        session,
        tag="deposits:refund:scheduled",
        actor=actor,
        now=at,
        subject_id=refund.id,
        center_id=section.center_id,
        payload={
            "section": section.code,
            "entity": payment.entity_id,
            "payment": payment.id,
            "reason": reason,
            "rule": terms.rule_id,
            "amount_fen": refund.amount_fen,
            "interest_fen": interest,
            "due_by": due_by.isoformat(),
        },
    )
    return refund


def _release(session: Session, g: Guarantee, reason: str, at: dt.datetime, actor: Actor) -> None:
    g.status, g.released_at = "released", at
    record(
        session,
        tag="deposits:guarantee:released",
        actor=actor,
        now=at,
        subject_id=g.id,
        center_id=g.center_id,
        payload={"entity": g.entity_id, "reason": reason},
    )


def due_refunds(session: Session, now: dt.datetime, limit: int) -> list[int]:
    return repository.due_refunds(session, now, limit)


def execute_refund(session: Session, refund_id: int, now: dt.datetime) -> bool:
    """Put the transfer order into the outbox once (idempotency key per refund); a second run changes nothing."""
    refund = session.get(Refund, refund_id, with_for_update=True)  # one worker instructs it
    if refund is None or refund.status != RefundStatus.SCHEDULED.value:
        return False
    payment = session.get(Payment, refund.payment_id)
    assert payment is not None
    key = f"deposit-refund:{refund.id}"
    if session.query(TransferInstruction).filter_by(key=key).first() is None:
        session.add(
            TransferInstruction(
                key=key,
                bank_id=payment.bank_id,
                refund_id=refund.id,
                from_account=payment.account_number,
                payee_name=payment.payer_name,
                payee_account=payment.payer_account,
                amount_fen=refund.amount_fen,
                interest_fen=refund.interest_fen,
                created_at=now,
            )
        )
    refund.status = REFUND.decide(refund, RefundStatus.SCHEDULED, "instruct", {"now": now}).target.value
    refund.next_check, refund.instructed_at = None, now
    record(
        session,
        tag="deposits:refund:instructed",
        actor=CHRONOGRAPH,
        now=now,
        subject_id=refund.id,
        center_id=refund.center_id,
        payload={
            "key": key,
            "amount_fen": refund.amount_fen,
            "interest_fen": refund.interest_fen,
            "entity": refund.entity_id,
            "due_by": refund.due_by.isoformat(),
        },
    )
    return True


def refunds_of(session: Session, entity_id: int) -> list[dict[str, Any]]:
    """A bidder's own refunds, with the bank's reference once the bank settled them."""
    rows = repository.refunds_of_entity(session, entity_id)
    orders = repository.orders_by_refund(session, [r.id for r, _ in rows])
    return [
        {
            "section": s.code,
            "reason": r.reason,
            "reason_label": policies.REFUND_REASONS.get(r.reason, r.reason),
            "rule": r.rule_id,
            "source": r.source,
            "amount_fen": r.amount_fen,
            "interest_fen": r.interest_fen,
            "due_by": r.due_by.isoformat(),
            "status": r.status,
            "instructed_at": r.instructed_at.isoformat() if r.instructed_at else None,
            **_settlement_of(orders.get(r.id)),
        }
        for r, s in rows
    ]


def _settlement_of(order: TransferInstruction | None) -> dict[str, Any]:
    return {
        "transfer": order.status if order else None,
        "bank_reference": order.bank_reference if order else None,
        "settled_at": order.settled_at.isoformat() if order and order.settled_at else None,
        "failure": order.failure if order else None,
    }
