"""The opening session of a section (开标), each bid's decryption result, roll call, content keys handed over,
custodian shares brought back, objections, the bidders' confirmations of the record, and the collusion findings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, UtcDateTime


class Opening(Base):
    """One per section. ``record_*`` and ``transcript_*`` are the exact signed bytes once generated."""

    __tablename__ = "openings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), unique=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    status: Mapped[str] = mapped_column(String(30))
    deadline: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    bids_counted: Mapped[int] = mapped_column(Integer, default=0)
    min_bidders: Mapped[int] = mapped_column(Integer)
    min_bidders_source: Mapped[str] = mapped_column(Text)
    rule_set: Mapped[str] = mapped_column(String(60))
    remedy: Mapped[str] = mapped_column(String(20))  # "custodians" / "none"
    roll_call_ends: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    window_minutes: Mapped[int] = mapped_column(Integer)
    window_source: Mapped[str] = mapped_column(Text)
    window_ends: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    custodian_ends: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    objections_end: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    instructed_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    seq: Mapped[int] = mapped_column(Integer, default=0)  # bumped on every visible change (SSE event id)
    record_json: Mapped[bytes | None] = mapped_column(LargeBinary)
    record_signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    record_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    transcript_json: Mapped[bytes | None] = mapped_column(LargeBinary)
    transcript_signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    confirmation_signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    published_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    next_check: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)


class OpeningBid(Base):
    """One bid's opening: at most one row per bid (the unique constraint is what makes a second
    decryption of the same bid impossible to record), moved from pending to one end state exactly once."""

    __tablename__ = "opening_bids"
    __table_args__ = (UniqueConstraint("bid_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bidding_bids.id"))
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(30))
    ciphertext_sha256: Mapped[str] = mapped_column(String(64))
    ciphertext_sm3: Mapped[str] = mapped_column(String(64))
    key_failure: Mapped[str | None] = mapped_column(Text)  # why the bidder's key did not open it (remedy pending)
    failure: Mapped[str | None] = mapped_column(String(20))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    opened_by: Mapped[str | None] = mapped_column(String(20))  # bidder / custodians
    opened_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    content_key: Mapped[bytes | None] = mapped_column(LargeBinary)  # kept after opening for re-verification
    plaintext_sha256: Mapped[str | None] = mapped_column(String(64))
    plaintext_sm3: Mapped[str | None] = mapped_column(String(64))
    plaintext_size: Mapped[int | None] = mapped_column(BigInteger)
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    signer_fingerprint: Mapped[str | None] = mapped_column(String(64))
    price_fen: Mapped[int | None] = mapped_column(BigInteger)
    duration_days: Mapped[int | None] = mapped_column(Integer)
    quality: Mapped[str | None] = mapped_column(String(200))
    form_json: Mapped[str | None] = mapped_column(Text)  # the bid form as extracted (canonical JSON)
    files_json: Mapped[str | None] = mapped_column(Text)  # [{name, sha256, size, metadata}]


class RollCall(Base):
    """A bidder's sign-in (签到): the account confirmed its presence for its entity."""

    __tablename__ = "opening_roll_calls"
    __table_args__ = (UniqueConstraint("opening_id", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class KeySubmission(Base):
    """A content key handed over by the bidder's client, signed with the bidder's certificate."""

    __tablename__ = "opening_key_submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opening_bid_id: Mapped[int] = mapped_column(ForeignKey("opening_bids.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    statement: Mapped[str] = mapped_column(Text)  # the canonical JSON that was signed
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    signer_fingerprint: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(20))  # opened / key_failed / failed
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class ShareSubmission(Base):
    """A custodian's decrypted share, checked against its commitment. ``share`` is wiped (NULL) once the
    custodians' opening has finished: it is kept only so that a crash in between loses nothing."""

    __tablename__ = "opening_share_submissions"
    __table_args__ = (UniqueConstraint("opening_id", "share_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"), index=True)
    custodian_share_id: Mapped[int] = mapped_column(ForeignKey("bidding_custodian_shares.id"))
    share_index: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    commitment: Mapped[str] = mapped_column(String(64))
    statement: Mapped[str] = mapped_column(Text)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    signer_fingerprint: Mapped[str] = mapped_column(String(64))
    share: Mapped[bytes | None] = mapped_column(LargeBinary)
    wiped_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Objection(Base):
    """An objection raised online during the opening (异议), answered on the spot and recorded (条例 第四十四条)."""

    __tablename__ = "opening_objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    text: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class RecordConfirmation(Base):
    """A bidder's answer to the opening record (E-13): its electronic signature over the exact record bytes, or
    its refusal to sign with the reason — both go into the published transcript."""

    __tablename__ = "opening_record_confirmations"
    __table_args__ = (UniqueConstraint("opening_id", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    record_sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)  # detached CMS over ``Opening.record_json``
    signer_fingerprint: Mapped[str | None] = mapped_column(String(64))
    declined: Mapped[str | None] = mapped_column(Text)  # the reason, when the bidder refuses to sign


class ForensicFinding(Base):
    """A collusion indicator found at opening, for the evaluation committee and supervision."""

    __tablename__ = "opening_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    statement: Mapped[str] = mapped_column(Text)
    bids: Mapped[str] = mapped_column(Text)  # JSON list of receipt numbers
    evidence: Mapped[str] = mapped_column(Text)  # canonical JSON
    found_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
