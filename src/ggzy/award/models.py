"""Award (定标): the evaluation result and its candidates, publicity, objections, notices, contract, expert fees."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, UtcDateTime


class AwardResult(Base):
    """One section's way from the evaluation report to the contract; ``status`` moves only by award.workflow."""

    __tablename__ = "award_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), unique=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(40))
    state_funded: Mapped[bool] = mapped_column(Boolean, default=True)
    bidder_ids: Mapped[str] = mapped_column(Text)  # JSON list of every bidder entity of the section
    report_sha256: Mapped[str] = mapped_column(String(64))
    report: Mapped[str] = mapped_column(Text)  # canonical JSON: scores, ranking, flags, report text (data set 509)
    signers: Mapped[str] = mapped_column(Text)  # JSON list of expert ids who signed
    required_signers: Mapped[int] = mapped_column(Integer)
    dissent: Mapped[str] = mapped_column(Text, default="")
    report_received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    publicity_due_by: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    publicity_start: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    publicity_end: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    publicity_rule: Mapped[str] = mapped_column(Text, default="")
    winner_entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    notice_issued_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    contract_due_by: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    overdue_flagged: Mapped[str] = mapped_column(String(200), default="")  # comma list of flags raised
    next_check: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)


class AwardCandidate(Base):
    """A ranked candidate (data sets 510/511): at most 3 per section (条例 第五十三条)."""

    __tablename__ = "award_candidates"
    __table_args__ = (UniqueConstraint("result_id", "rank"), UniqueConstraint("result_id", "entity_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("award_results.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(18), default="")
    price_fen: Mapped[int] = mapped_column(BigInteger)
    evaluated_fen: Mapped[int | None] = mapped_column(BigInteger)
    score: Mapped[str] = mapped_column(String(20), default="")
    quality: Mapped[str] = mapped_column(String(200), default="")
    duration_days: Mapped[int | None] = mapped_column(Integer)
    project_manager: Mapped[str] = mapped_column(String(100), default="")


class AwardObjection(Base):
    """An objection (异议) to the candidates by a bidder of the section, and the tenderee's reply."""

    __tablename__ = "award_objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("award_results.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    reply_due_by: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class AwardNotice(Base):
    """The award notice (中标通知书) to the winner or a result notice to another bidder: a platform-sealed PDF."""

    __tablename__ = "award_notices"
    __table_args__ = (UniqueConstraint("result_id", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("award_results.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # award / result
    number: Mapped[str] = mapped_column(String(40), unique=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class AwardContract(Base):
    """The contract record (data sets 512/554), within 30 days of the notice (法 第四十六条, 政府采购法 第四十六条)."""

    __tablename__ = "award_contracts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("award_results.id"), unique=True)
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    term_days: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    sha256: Mapped[str] = mapped_column(String(64))
    late: Mapped[bool] = mapped_column(Boolean, default=False)


class ExpertFee(Base):
    """An expert's fee for a section, computed from the published tariff (never negotiated)."""

    __tablename__ = "award_expert_fees"
    __table_args__ = (UniqueConstraint("section_id", "expert_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    expert_id: Mapped[int] = mapped_column(Integer, index=True)  # evaluation.experts.id; no FK across heads
    tariff: Mapped[str] = mapped_column(String(60))
    minutes: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    breakdown: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
