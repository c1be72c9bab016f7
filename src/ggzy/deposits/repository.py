"""Every SELECT of the deposits domain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ggzy.authz.scope import CenterScope
from ggzy.deposits.models import (
    Bank,
    BankSettlement,
    Guarantee,
    GuaranteeIssuer,
    Payment,
    Refund,
    SubAccount,
    TransferInstruction,
)
from ggzy.deposits.workflow import PaymentStatus, RefundStatus, TransferStatus
from ggzy.evaluation.session_models import EvaluationSession, ExpertFeePayment
from ggzy.kit.errors import NotFound
from ggzy.projects.models import Section, TenderProject


def section_by_code(session: Session, code: str) -> tuple[Section, TenderProject]:
    row = session.execute(select(Section, TenderProject).join(TenderProject).where(Section.code == code)).one_or_none()
    if row is None:
        raise NotFound(f"标段（包）{code} 不存在。", code="projects.not_found")
    return row[0], row[1]


def bank_by_code(session: Session, code: str) -> Bank | None:
    return session.execute(select(Bank).where(Bank.code == code)).scalar_one_or_none()


def deposit_bank(session: Session) -> Bank | None:
    """The bank that holds new sub-accounts: the first active one registered."""
    return session.execute(select(Bank).where(Bank.active.is_(True)).order_by(Bank.id).limit(1)).scalar_one_or_none()


def banks(session: Session) -> list[Bank]:
    return list(session.execute(select(Bank).order_by(Bank.code)).scalars())


def issuers(session: Session) -> list[GuaranteeIssuer]:
    return list(session.execute(select(GuaranteeIssuer).order_by(GuaranteeIssuer.code)).scalars())


def issuer_by_code(session: Session, code: str) -> GuaranteeIssuer | None:
    return session.execute(select(GuaranteeIssuer).where(GuaranteeIssuer.code == code)).scalar_one_or_none()


def sub_account(session: Session, section_id: int, entity_id: int) -> SubAccount | None:
    return session.execute(
        select(SubAccount).where(SubAccount.section_id == section_id, SubAccount.entity_id == entity_id)
    ).scalar_one_or_none()


def sub_account_by_number(session: Session, number: str) -> SubAccount | None:
    return session.execute(select(SubAccount).where(SubAccount.number == number)).scalar_one_or_none()


def number_taken(session: Session, number: str) -> bool:
    return session.execute(select(SubAccount.id).where(SubAccount.number == number)).first() is not None


def payment_by_notification(session: Session, bank_id: int, notification_id: str) -> Payment | None:
    return session.execute(
        select(Payment).where(Payment.bank_id == bank_id, Payment.notification_id == notification_id)
    ).scalar_one_or_none()


def payments_of(session: Session, section_id: int, entity_id: int) -> list[Payment]:
    return list(
        session.execute(
            select(Payment)
            .where(Payment.section_id == section_id, Payment.entity_id == entity_id)
            .order_by(Payment.received_at, Payment.id)
        ).scalars()
    )


def guarantees_of(session: Session, section_id: int, entity_id: int) -> list[Guarantee]:
    return list(
        session.execute(
            select(Guarantee)
            .where(Guarantee.section_id == section_id, Guarantee.entity_id == entity_id)
            .order_by(Guarantee.id)
        ).scalars()
    )


def refunds_by_payment(session: Session, payment_ids: list[int]) -> dict[int, Refund]:
    if not payment_ids:
        return {}
    rows = session.execute(select(Refund).where(Refund.payment_id.in_(payment_ids))).scalars()
    return {r.payment_id: r for r in rows}


def refundable_payments(session: Session, section_id: int) -> list[Payment]:
    """Cash that reached a bidder's sub-account for the section and has no refund yet."""
    refunded = select(Refund.payment_id)
    return list(
        session.execute(
            select(Payment)
            .where(
                Payment.section_id == section_id,
                Payment.status.in_([PaymentStatus.RECEIVED, PaymentStatus.MISMATCH, PaymentStatus.LATE]),
                Payment.id.not_in(refunded),
            )
            .order_by(Payment.id)
        ).scalars()
    )


def held_guarantees(session: Session, section_id: int) -> list[Guarantee]:
    return list(
        session.execute(
            select(Guarantee).where(Guarantee.section_id == section_id, Guarantee.status == "received")
        ).scalars()
    )


def exceptions(session: Session, scope: CenterScope) -> list[tuple[Payment, Bank, Section | None]]:
    """Unresolved exception items: in the scope's centers, or with no section at all (unmatched)."""
    rows = session.execute(
        select(Payment, Bank, Section)
        .join(Bank, Bank.id == Payment.bank_id)
        .outerjoin(Section, Section.id == Payment.section_id)
        .where(
            Payment.resolved_at.is_(None),
            or_(Payment.status != PaymentStatus.RECEIVED, Payment.payer_name_matches.is_(False)),
            or_(Payment.center_id.is_(None), Payment.center_id.in_(scope.center_ids)),
        )
        .order_by(Payment.received_at, Payment.id)
    ).all()
    return [(p, b, s) for p, b, s in rows]


def due_refunds(session: Session, now: dt.datetime, limit: int) -> list[int]:
    return list(
        session.execute(
            select(Refund.id)
            .where(Refund.next_check.is_not(None), Refund.next_check <= now, Refund.status == RefundStatus.SCHEDULED)
            .order_by(Refund.next_check)
            .limit(limit)
        ).scalars()
    )


def refunds_of_entity(session: Session, entity_id: int) -> list[tuple[Refund, Section]]:
    rows = session.execute(
        select(Refund, Section)
        .join(Section, Section.id == Refund.section_id)
        .where(Refund.entity_id == entity_id)
        .order_by(Refund.triggered_at.desc(), Refund.id)
    ).all()
    return [(r, s) for r, s in rows]


# --- transfer orders to the banks (refunds and expert fees) -------------------------------------------------

OPEN_ORDERS = (TransferStatus.INSTRUCTED, TransferStatus.FETCHED)


def open_refund_orders(session: Session, bank_id: int) -> list[TransferInstruction]:
    """The bank's refund orders not yet settled or failed, locked for the fetch that moves them."""
    return list(
        session.execute(
            select(TransferInstruction)
            .where(TransferInstruction.bank_id == bank_id, TransferInstruction.status.in_(OPEN_ORDERS))
            .order_by(TransferInstruction.created_at, TransferInstruction.id)
            .with_for_update()
        ).scalars()
    )


def open_fee_orders(session: Session, bank_id: int, *, unassigned_too: bool) -> list[ExpertFeePayment]:
    """The bank's released fee orders not yet settled or failed (held ones, without a payee account, are not);
    with ``unassigned_too`` also those created before any bank was registered. Locked for the fetch."""
    mine = ExpertFeePayment.bank_id == bank_id
    if unassigned_too:
        mine = or_(mine, ExpertFeePayment.bank_id.is_(None))
    return list(
        session.execute(
            select(ExpertFeePayment)
            .where(
                mine,
                ExpertFeePayment.status.in_(OPEN_ORDERS),
                ExpertFeePayment.payee_account.is_not(None),
                ExpertFeePayment.payee_account != "",
            )
            .order_by(ExpertFeePayment.created_at, ExpertFeePayment.id)
            .with_for_update()
        ).scalars()
    )


def refund_order(session: Session, key: str) -> TransferInstruction | None:
    return session.execute(
        select(TransferInstruction).where(TransferInstruction.key == key).with_for_update()
    ).scalar_one_or_none()


def fee_order(session: Session, key: str) -> ExpertFeePayment | None:
    return session.execute(
        select(ExpertFeePayment).where(ExpertFeePayment.key == key).with_for_update()
    ).scalar_one_or_none()


def bank_settlement(session: Session, bank_id: int, settlement_id: str) -> BankSettlement | None:
    return session.execute(
        select(BankSettlement).where(BankSettlement.bank_id == bank_id, BankSettlement.settlement_id == settlement_id)
    ).scalar_one_or_none()


def fee_center(session: Session, order: ExpertFeePayment) -> int:
    return session.execute(
        select(EvaluationSession.center_id).where(EvaluationSession.id == order.session_id)
    ).scalar_one()


def failed_transfers(
    session: Session, scope: CenterScope
) -> list[tuple[TransferInstruction | ExpertFeePayment, Bank, Section]]:
    """Orders the bank reported failed, in the scope's centers: for the staff to follow up."""
    refunds = session.execute(
        select(TransferInstruction, Bank, Section)
        .join(Bank, Bank.id == TransferInstruction.bank_id)
        .join(Refund, Refund.id == TransferInstruction.refund_id)
        .join(Section, Section.id == Refund.section_id)
        .where(TransferInstruction.status == TransferStatus.FAILED, Refund.center_id.in_(scope.center_ids))
    ).all()
    fees = session.execute(
        select(ExpertFeePayment, Bank, Section)
        .join(Bank, Bank.id == ExpertFeePayment.bank_id)
        .join(EvaluationSession, EvaluationSession.id == ExpertFeePayment.session_id)
        .join(Section, Section.id == EvaluationSession.section_id)
        .where(ExpertFeePayment.status == TransferStatus.FAILED, EvaluationSession.center_id.in_(scope.center_ids))
    ).all()
    rows = [(o, b, s) for o, b, s in [*refunds, *fees]]
    return sorted(rows, key=lambda r: (r[0].settled_at or r[0].created_at, r[0].key))


def orders_by_refund(session: Session, refund_ids: list[int]) -> dict[int, TransferInstruction]:
    """Each refund's live order: the one not replaced by a re-issued order."""
    if not refund_ids:
        return {}
    rows = session.execute(
        select(TransferInstruction)
        .where(
            TransferInstruction.refund_id.in_(refund_ids),
            TransferInstruction.status != TransferStatus.REISSUED,
        )
        .order_by(TransferInstruction.id)
    )
    return {t.refund_id: t for t in rows.scalars()}


def live_refund_orders(session: Session, refund_id: int) -> list[TransferInstruction]:
    """The refund's orders not replaced by a re-issue (one, by the rule of ``deposits.reissue``)."""
    return list(
        session.execute(
            select(TransferInstruction).where(
                TransferInstruction.refund_id == refund_id, TransferInstruction.status != TransferStatus.REISSUED
            )
        ).scalars()
    )


def live_fee_orders(session: Session, fee_id: int) -> list[ExpertFeePayment]:
    """The fee's orders not replaced by a re-issue (one, by the rule of ``deposits.reissue``)."""
    return list(
        session.execute(
            select(ExpertFeePayment).where(
                ExpertFeePayment.fee_id == fee_id, ExpertFeePayment.status != TransferStatus.REISSUED
            )
        ).scalars()
    )
