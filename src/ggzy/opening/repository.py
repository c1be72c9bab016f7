"""Every SELECT of the opening domain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.bidding.models import Bid, CustodianShare, OpeningKey, Receipt
from ggzy.bidding.workflow import BidStatus
from ggzy.deposits.models import Payment
from ggzy.kit.errors import NotFound
from ggzy.opening.models import (
    ForensicFinding,
    KeySubmission,
    Objection,
    Opening,
    OpeningBid,
    RecordConfirmation,
    RollCall,
    ShareSubmission,
)
from ggzy.projects.models import Project, Section, TenderProject
from ggzy.projects.workflow import SectionStatus
from ggzy.registry.models import Entity


def section_by_code(session: Session, code: str) -> Section:
    section = session.execute(select(Section).where(Section.code == code)).scalar_one_or_none()
    if section is None or section.status in (SectionStatus.DRAFT.value, SectionStatus.CANCELLED.value):
        raise NotFound(f"标段 {code} 不存在。", code="opening.section_not_found")
    return section


def context_of(session: Session, section: Section) -> tuple[TenderProject, Project]:
    tp = session.get(TenderProject, section.tender_project_id)
    assert tp is not None
    project = session.get(Project, tp.project_id)
    assert project is not None
    return tp, project


def opening_of(session: Session, section_id: int, *, lock: bool = False) -> Opening | None:
    stmt = select(Opening).where(Opening.section_id == section_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def sections_to_open(session: Session, now: dt.datetime, limit: int) -> list[int]:
    """Closed sections whose deadline has passed and whose opening has not started."""
    return list(
        session.execute(
            select(Section.id)
            .outerjoin(Opening, Opening.section_id == Section.id)
            .where(Section.status == SectionStatus.CLOSED.value, Section.bid_deadline <= now, Opening.id.is_(None))
            .order_by(Section.bid_deadline)
            .limit(limit)
        ).scalars()
    )


def openings_due(session: Session, now: dt.datetime, limit: int) -> list[int]:
    return list(
        session.execute(
            select(Opening.id)
            .where(Opening.next_check.is_not(None), Opening.next_check <= now)
            .order_by(Opening.next_check)
            .limit(limit)
        ).scalars()
    )


def live_bids(session: Session, section_id: int) -> list[Bid]:
    """The bids standing at the deadline: submitted, neither replaced nor withdrawn."""
    return list(
        session.execute(
            select(Bid).where(Bid.section_id == section_id, Bid.status == BidStatus.SUBMITTED.value).order_by(Bid.id)
        ).scalars()
    )


def opening_bids(session: Session, opening_id: int) -> list[OpeningBid]:
    return list(
        session.execute(select(OpeningBid).where(OpeningBid.opening_id == opening_id).order_by(OpeningBid.id)).scalars()
    )


def opening_bid(session: Session, opening_id: int, number: str) -> OpeningBid:
    row = session.execute(
        select(OpeningBid).where(OpeningBid.opening_id == opening_id, OpeningBid.number == number)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"本次开标中没有编号为 {number} 的投标文件。", code="opening.bid_not_found")
    return row


def roll_calls(session: Session, opening_id: int) -> list[RollCall]:
    return list(
        session.execute(select(RollCall).where(RollCall.opening_id == opening_id).order_by(RollCall.id)).scalars()
    )


def key_submissions(session: Session, opening_bid_ids: list[int]) -> list[KeySubmission]:
    if not opening_bid_ids:
        return []
    return list(
        session.execute(
            select(KeySubmission).where(KeySubmission.opening_bid_id.in_(opening_bid_ids)).order_by(KeySubmission.id)
        ).scalars()
    )


def share_submissions(session: Session, opening_id: int) -> list[ShareSubmission]:
    return list(
        session.execute(
            select(ShareSubmission)
            .where(ShareSubmission.opening_id == opening_id)
            .order_by(ShareSubmission.share_index)
        ).scalars()
    )


def custodian_shares(session: Session, opening_key_id: int) -> list[CustodianShare]:
    return list(
        session.execute(
            select(CustodianShare)
            .where(CustodianShare.opening_key_id == opening_key_id)
            .order_by(CustodianShare.share_index)
        ).scalars()
    )


def opening_key_for(session: Session, section_id: int) -> OpeningKey | None:
    return session.execute(select(OpeningKey).where(OpeningKey.section_id == section_id)).scalar_one_or_none()


def objections(session: Session, opening_id: int) -> list[Objection]:
    return list(
        session.execute(select(Objection).where(Objection.opening_id == opening_id).order_by(Objection.id)).scalars()
    )


def confirmations(session: Session, opening_id: int) -> list[RecordConfirmation]:
    return list(
        session.execute(
            select(RecordConfirmation)
            .where(RecordConfirmation.opening_id == opening_id)
            .order_by(RecordConfirmation.id)
        ).scalars()
    )


def findings(session: Session, opening_id: int) -> list[ForensicFinding]:
    return list(
        session.execute(
            select(ForensicFinding).where(ForensicFinding.opening_id == opening_id).order_by(ForensicFinding.id)
        ).scalars()
    )


def receipts_of(session: Session, bid_ids: list[int]) -> dict[int, list[Receipt]]:
    out: dict[int, list[Receipt]] = {}
    if bid_ids:
        for r in session.execute(select(Receipt).where(Receipt.bid_id.in_(bid_ids)).order_by(Receipt.id)).scalars():
            out.setdefault(r.bid_id, []).append(r)
    return out


def entity_names(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Entity.id, Entity.name).where(Entity.id.in_(ids))).all())


def deposit_accounts(session: Session, section_id: int) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    rows = session.execute(
        select(Payment.entity_id, Payment.payer_account).where(Payment.section_id == section_id)
    ).all()
    for entity_id, account in rows:
        if entity_id is not None and account:
            out.setdefault(entity_id, set()).add(account)
    return out


def all_opened_sections(session: Session) -> list[str]:
    """Sections whose opening record has been published (an opening in progress has nothing to verify yet)."""
    return list(
        session.execute(
            select(Section.code)
            .join(Opening, Opening.section_id == Section.id)
            .where(Opening.published_at.is_not(None))
            .order_by(Section.code)
        ).scalars()
    )
