"""The evaluation session of a section (评标): seats, declarations, qualification verdicts, score sheets,
clarifications with the bidders, the signed report, and the expert-fee payment outbox."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, UtcDateTime


class EvaluationSession(Base):
    """One section's evaluation; ``status`` moves only by ``evaluation.session.SESSION``."""

    __tablename__ = "evaluation_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), unique=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draws.id"))
    status: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(40))
    scheme: Mapped[str] = mapped_column(Text)  # canonical JSON of the scoring scheme
    main_venue: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    scored_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    report: Mapped[str | None] = mapped_column(Text)  # canonical JSON the experts sign
    report_sha256: Mapped[str | None] = mapped_column(String(64))
    flags: Mapped[str] = mapped_column(Text, default="[]")


class EvaluationSeat(Base):
    """One drawn expert in the session, at their own venue (main or secondary, X-13/X-14)."""

    __tablename__ = "evaluation_seats"
    __table_args__ = (UniqueConstraint("session_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sessions.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("draw_members.id"))
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    venue: Mapped[str] = mapped_column(String(32))
    seat_id: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))  # leader / member
    declaration: Mapped[str] = mapped_column(String(20), default="")  # "" / none / conflict
    declaration_note: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    scored_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    signed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    sign_method: Mapped[str] = mapped_column(String(20), default="")  # cms / account
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    signer_fingerprint: Mapped[str | None] = mapped_column(String(64))
    dissent: Mapped[str] = mapped_column(Text, default="")


class QualificationVerdict(Base):
    """One expert's pass/fail of one bidder's qualification, with the reason."""

    __tablename__ = "evaluation_verdicts"
    __table_args__ = (UniqueConstraint("session_id", "expert_id", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sessions.id"), index=True)
    expert_id: Mapped[int] = mapped_column(Integer)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    passed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ScoreSheetRow(Base):
    """One expert's marks for one bidder (item key → points as text)."""

    __tablename__ = "evaluation_sheets"
    __table_args__ = (UniqueConstraint("session_id", "expert_id", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sessions.id"), index=True)
    expert_id: Mapped[int] = mapped_column(Integer)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    scores: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Clarification(Base):
    """A clarification request from the committee to a bidder, and the bidder's answer (E-16: as data)."""

    __tablename__ = "evaluation_clarifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sessions.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("evaluation_seats.id"))
    question: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class ExpertFeePayment(Base):
    """Outbox row: the payment order of an expert's fee, computed by the tariff, fetched by the platform's
    settlement bank (pull) and settled once per key. Held (not released to the bank) while ``payee_account`` is
    empty; ``status`` moves only by ``deposits.workflow.TRANSFER``."""

    __tablename__ = "evaluation_fee_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sessions.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    # A failed order can be re-issued: the new order names the same fee. One live order per fee is a rule of the
    # service (``deposits.reissue``), not of the table.
    fee_id: Mapped[int] = mapped_column(ForeignKey("award_expert_fees.id"), index=True)
    payee_name: Mapped[str] = mapped_column(String(50))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))  # instructed / fetched / settled / failed / reissued
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # first fetched by the bank
    bank_id: Mapped[int | None] = mapped_column(ForeignKey("deposit_banks.id"))
    payee_account: Mapped[str | None] = mapped_column(String(40))
    bank_reference: Mapped[str | None] = mapped_column(String(64))
    settled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    failure: Mapped[str | None] = mapped_column(Text)
    settlement_sha256: Mapped[str | None] = mapped_column(String(64))  # the one settlement body accepted
