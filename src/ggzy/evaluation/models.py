"""The province-wide expert pool (data sets 212/213) and the committee draws with their seat bookings.

Column names follow the national data specification where a field maps (Appendix A 212/213: ID_CARD,
EXPERT_NAME, SEX, PROFESSIONAL, COMPANY, AREA, MAJOR_CODE/IS_MAIN, DMISSON, ENTER_DATE).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, UtcDateTime


class Expert(Base):
    """An evaluation expert. ``id_card`` is private: shown to the expert and pool managers only."""

    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    id_card_type: Mapped[str] = mapped_column(String(2), default="01")
    id_card: Mapped[str] = mapped_column(String(18), unique=True)
    gender: Mapped[str] = mapped_column(String(1))  # code#51: 1 male, 2 female
    birthday: Mapped[dt.date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(50))  # 职称 PROFESSIONAL
    education: Mapped[str] = mapped_column(String(50), default="")
    duty: Mapped[str] = mapped_column(String(50), default="")
    employer_entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)
    employer_name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(9), index=True)
    home_center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    phone: Mapped[str] = mapped_column(String(50), default="")
    # The expert's own payee account for fees (self-maintained; private like id_card).
    bank_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    bank_account: Mapped[str] = mapped_column(String(40), default="", server_default="")
    work_years: Mapped[int | None] = mapped_column(Integer)
    qualifications: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="active")  # active / suspended
    evaluation_count: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[int] = mapped_column(Integer, default=80)  # 0–100 performance score
    entered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ExpertSpecialty(Base):
    __tablename__ = "expert_specialties"
    __table_args__ = (UniqueConstraint("expert_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    code: Mapped[str] = mapped_column(String(11), index=True)
    is_main: Mapped[bool] = mapped_column(default=False)


class ExpertUnavailability(Base):
    """A day the expert declared they cannot evaluate."""

    __tablename__ = "expert_unavailability"
    __table_args__ = (UniqueConstraint("expert_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class ExpertRelation(Base):
    """A declared relation: a past employer (with its end date), a relative's employer, another interest."""

    __tablename__ = "expert_relations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # past_employer / relative_employer / other
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)
    entity_name: Mapped[str] = mapped_column(String(200), index=True)
    until: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")


class ExpertEngagement(Base):
    """One committee an expert sat on, for the frequency recusal; written when a draw is revealed."""

    __tablename__ = "expert_engagements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    tenderee_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    day: Mapped[dt.date] = mapped_column(Date)


class Draw(Base):
    """One committee draw of a section: committed, drawn, revealed (or cancelled). The seed stays in the
    platform until the reveal; only its SHA-256 is published before."""

    __tablename__ = "draws"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    evaluation_date: Mapped[dt.date] = mapped_column(Date, index=True)
    request: Mapped[str] = mapped_column(Text)  # canonical JSON of the DrawRequest
    request_hash: Mapped[str] = mapped_column(String(64))
    commitment: Mapped[str] = mapped_column(String(64))
    seed: Mapped[bytes] = mapped_column(LargeBinary)
    snapshot: Mapped[str | None] = mapped_column(Text)
    snapshot_hash: Mapped[str | None] = mapped_column(String(64))
    refusals: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of refused seqs, in order
    next_counter: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    committed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    drawn_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    revealed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


class DrawMember(Base):
    """One pick of a draw, in pick order. Secret (who) until the draw is revealed."""

    __tablename__ = "draw_members"
    __table_args__ = (UniqueConstraint("draw_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draws.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    group_index: Mapped[int] = mapped_column(Integer)
    specialty: Mapped[str] = mapped_column(String(11))
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    center_code: Mapped[str] = mapped_column(String(32))
    counter: Mapped[int] = mapped_column(Integer)
    replaces_seq: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # invited / confirmed / refused
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    refuse_reason: Mapped[str] = mapped_column(String(200), default="")


class SeatBooking(Base):
    """An evaluation seat taken for a day: by a drawn expert or a tenderee representative of a draw."""

    __tablename__ = "seat_bookings"
    __table_args__ = (UniqueConstraint("seat_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draws.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("draw_members.id"))
    purpose: Mapped[str] = mapped_column(String(20))  # expert / representative
