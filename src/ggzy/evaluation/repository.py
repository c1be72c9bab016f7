"""Every SELECT of the evaluation domain. The candidate query returns plain tuples (no ORM objects) so
that a draw over a pool of tens of thousands stays cheap."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ggzy.centers.models import Center, Seat, Venue
from ggzy.evaluation.draw import Candidate, Relation
from ggzy.evaluation.models import (
    Draw,
    DrawMember,
    Expert,
    ExpertEngagement,
    ExpertRelation,
    ExpertSpecialty,
    ExpertUnavailability,
    SeatBooking,
)
from ggzy.evaluation.session_models import EvaluationSession, ExpertFeePayment
from ggzy.projects.models import Section
from ggzy.registry.models import Entity


def expert_by_account(session: Session, account_id: int) -> Expert | None:
    return session.execute(select(Expert).where(Expert.account_id == account_id)).scalar_one_or_none()


def specialties_of(session: Session, expert_id: int) -> list[ExpertSpecialty]:
    stmt = select(ExpertSpecialty).where(ExpertSpecialty.expert_id == expert_id).order_by(ExpertSpecialty.code)
    return list(session.execute(stmt).scalars())


def unavailability_of(session: Session, expert_id: int) -> list[ExpertUnavailability]:
    stmt = select(ExpertUnavailability).where(ExpertUnavailability.expert_id == expert_id)
    return list(session.execute(stmt.order_by(ExpertUnavailability.day)).scalars())


def relations_of(session: Session, expert_id: int) -> list[ExpertRelation]:
    stmt = select(ExpertRelation).where(ExpertRelation.expert_id == expert_id).order_by(ExpertRelation.id)
    return list(session.execute(stmt).scalars())


def experts_in(
    session: Session, center_ids: frozenset[int], *, after_id: int = 0, limit: int = 50, specialty: str | None = None
) -> list[Expert]:
    stmt = select(Expert).where(Expert.home_center_id.in_(center_ids), Expert.id > after_id)
    if specialty:
        stmt = stmt.where(Expert.id.in_(select(ExpertSpecialty.expert_id).where(ExpertSpecialty.code == specialty)))
    return list(session.execute(stmt.order_by(Expert.id).limit(limit)).scalars())


def center_codes(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Center.id, Center.code)).all())


def candidates(session: Session, specialties: list[str]) -> list[Candidate]:
    """Every expert holding one of ``specialties``, with home center code and specialty set."""
    codes = center_codes(session)
    rows = session.execute(
        select(
            Expert.id,
            Expert.home_center_id,
            Expert.region_code,
            Expert.status,
            Expert.employer_entity_id,
            Expert.employer_name,
            ExpertSpecialty.code,
        )
        .join(ExpertSpecialty, ExpertSpecialty.expert_id == Expert.id)
        .where(ExpertSpecialty.code.in_(specialties))
    ).all()
    specs: dict[int, set[str]] = defaultdict(set)
    base: dict[int, tuple] = {}
    for eid, center_id, region, status, employer_id, employer_name, code in rows:
        specs[eid].add(code)
        base[eid] = (codes[center_id], region, status == "active", employer_id, employer_name)
    return [
        Candidate(eid, c, r, a, frozenset(specs[eid]), emp_id, emp_name)
        for eid, (c, r, a, emp_id, emp_name) in base.items()
    ]


def entity_names(session: Session, ids: frozenset[int]) -> frozenset[str]:
    return frozenset(session.execute(select(Entity.name).where(Entity.id.in_(ids))).scalars())


def conflicting_relations(session: Session, ids: frozenset[int], names: frozenset[str]) -> dict[int, list[Relation]]:
    """Declared relations that touch one of the conflict entities, by id or by name."""
    stmt = select(
        ExpertRelation.expert_id,
        ExpertRelation.kind,
        ExpertRelation.entity_id,
        ExpertRelation.entity_name,
        ExpertRelation.until,
    ).where(ExpertRelation.entity_id.in_(ids) | ExpertRelation.entity_name.in_(names))
    out: dict[int, list[Relation]] = defaultdict(list)
    for eid, kind, entity_id, name, until in session.execute(stmt):
        out[eid].append(Relation(kind, entity_id, name, until))
    return out


def unavailable_on(session: Session, day: dt.date) -> frozenset[int]:
    stmt = select(ExpertUnavailability.expert_id).where(ExpertUnavailability.day == day)
    return frozenset(session.execute(stmt).scalars())


def engagements_with(session: Session, tenderee_id: int, since: dt.date) -> dict[int, int]:
    stmt = (
        select(ExpertEngagement.expert_id, func.count())
        .where(ExpertEngagement.tenderee_id == tenderee_id, ExpertEngagement.day >= since)
        .group_by(ExpertEngagement.expert_id)
    )
    return {eid: n for eid, n in session.execute(stmt)}


def evaluation_seats(session: Session, center_code: str) -> list[int]:
    stmt = (
        select(Seat.id)
        .join(Venue, Venue.id == Seat.venue_id)
        .join(Center, Center.id == Venue.center_id)
        .where(Center.code == center_code, Venue.kind == "evaluation")
        .order_by(Seat.id)
    )
    return list(session.execute(stmt).scalars())


def booked_seats(session: Session, day: dt.date, seat_ids: list[int]) -> set[int]:
    stmt = select(SeatBooking.seat_id).where(SeatBooking.day == day, SeatBooking.seat_id.in_(seat_ids))
    return set(session.execute(stmt).scalars())


def free_seats(session: Session, center_code: str, day: dt.date) -> list[int]:
    seats = evaluation_seats(session, center_code)
    taken = booked_seats(session, day, seats)
    return [s for s in seats if s not in taken]


def draws_of(session: Session, section_id: int) -> list[Draw]:
    return list(session.execute(select(Draw).where(Draw.section_id == section_id).order_by(Draw.id)).scalars())


def all_draws(session: Session) -> list[Draw]:
    return list(session.execute(select(Draw).order_by(Draw.id)).scalars())


def members_of(session: Session, draw_id: int) -> list[DrawMember]:
    stmt = select(DrawMember).where(DrawMember.draw_id == draw_id).order_by(DrawMember.seq)
    return list(session.execute(stmt).scalars())


def invitations_of(session: Session, expert_id: int) -> list[tuple[DrawMember, Draw]]:
    stmt = (
        select(DrawMember, Draw)
        .join(Draw, Draw.id == DrawMember.draw_id)
        .where(DrawMember.expert_id == expert_id)
        .order_by(DrawMember.id.desc())
    )
    return [(m, d) for m, d in session.execute(stmt).all()]


def bookings_of(session: Session, draw_id: int) -> list[SeatBooking]:
    return list(session.execute(select(SeatBooking).where(SeatBooking.draw_id == draw_id)).scalars())


def expert_names(session: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = session.execute(select(Expert.id, Expert.name, Expert.title).where(Expert.id.in_(ids))).all()
    return {i: (n, t) for i, n, t in rows}


def deposit_payers(session: Session, section_id: int) -> frozenset[int]:
    """Entities that opened a deposit sub-account for the section: treated as bidders for recusal (erring on
    the side of excluding more), until the bid receipts name them."""
    from ggzy.deposits.models import SubAccount

    stmt = select(SubAccount.entity_id).where(SubAccount.section_id == section_id)
    return frozenset(session.execute(stmt).scalars())


def fee_orders_not_fetched(session: Session, expert_id: int) -> list[ExpertFeePayment]:
    """The expert's fee orders the bank has not fetched yet (held or released), locked for a payee change."""
    stmt = (
        select(ExpertFeePayment)
        .where(ExpertFeePayment.expert_id == expert_id, ExpertFeePayment.status == "instructed")
        .order_by(ExpertFeePayment.id)
        .with_for_update()
    )
    return list(session.execute(stmt).scalars())


def fee_payments_of(session: Session, expert_id: int) -> list[tuple[ExpertFeePayment, Section, int]]:
    """The expert's fee payments with their section and center, newest first."""
    stmt = (
        select(ExpertFeePayment, Section, EvaluationSession.center_id)
        .join(EvaluationSession, EvaluationSession.id == ExpertFeePayment.session_id)
        .join(Section, Section.id == EvaluationSession.section_id)
        .where(ExpertFeePayment.expert_id == expert_id)
        .order_by(ExpertFeePayment.created_at.desc(), ExpertFeePayment.id)
    )
    return [(p, s, c) for p, s, c in session.execute(stmt).all()]
