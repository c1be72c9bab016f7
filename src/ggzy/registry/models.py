"""Market entities (市场主体), registered once for the whole province, with qualifications, credit records
and the version history of every profile change.

Column names follow the national data specification where a field maps (cn-standards Appendix A:
100 LEGAL_PERSON_BASE, 114 INDIVIDUAL_BASE, 103/106 qualifications, 300/302 credit records).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, UtcDateTime


class Entity(Base):
    """A legal person, other organisation, sole trader (个体工商户) or natural person.

    Province-wide: ``center_id`` records where it registered, not who owns it. ``uscc`` is unique for
    organisations and sole traders; a natural person is identified by ``id_card`` (never shown publicly).
    """

    __tablename__ = "entities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    license_no: Mapped[str | None] = mapped_column(String(50))
    license_end_date: Mapped[dt.date | None] = mapped_column(Date)
    organ_no: Mapped[str | None] = mapped_column(String(9))
    id_card: Mapped[str | None] = mapped_column(String(18), unique=True)
    legal_represent: Mapped[str] = mapped_column(String(20))
    represent_id_card: Mapped[str | None] = mapped_column(String(18))
    represent_phone: Mapped[str | None] = mapped_column(String(20))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    reg_capital_fen: Mapped[int | None] = mapped_column(BigInteger)
    legal_contact: Mapped[str] = mapped_column(String(20), default="")
    legal_contact_phone: Mapped[str] = mapped_column(String(20), default="")
    legal_email: Mapped[str | None] = mapped_column(String(100))
    # Comma-delimited with leading and trailing commas (",bidder,supplier,") so that one role matches exactly.
    roles: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="active")
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    registered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class EntityVersion(Base):
    """One row per profile change: the full record as it stood after the change. Never updated or deleted;
    the audit event of the change carries ``snapshot_hash``, so the chain pins each version."""

    __tablename__ = "entity_versions"
    __table_args__ = (UniqueConstraint("entity_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500), default="")
    changed: Mapped[str] = mapped_column(Text)
    snapshot: Mapped[str] = mapped_column(Text)
    snapshot_hash: Mapped[str] = mapped_column(String(64))


class Qualification(Base):
    """资质 (data sets 103/106). Withdrawing one keeps the row and stamps ``withdrawn_at``."""

    __tablename__ = "qualifications"
    __table_args__ = (UniqueConstraint("entity_id", "qual_cert_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    qual_type: Mapped[str] = mapped_column(String(6))
    qual_name: Mapped[str] = mapped_column(String(50))
    qual_level: Mapped[str] = mapped_column(String(20))
    qual_cert_no: Mapped[str] = mapped_column(String(50))
    issuer: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    qual_cert_end_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(String(500))


class CreditRecord(Base):
    """违法违规信息 (300, kind ``violation``) or 黑名单 (302, kind ``blacklist``), entered by center staff.

    A revocation (撤销) stamps ``revoked_at``; the record itself is never changed or removed.
    """

    __tablename__ = "credit_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_code: Mapped[str] = mapped_column(String(36), unique=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(600))
    reason: Mapped[str] = mapped_column(Text)
    body_role: Mapped[str | None] = mapped_column(String(20))
    government: Mapped[str] = mapped_column(String(200))
    document_code: Mapped[str] = mapped_column(String(50))
    punishment_basis: Mapped[str] = mapped_column(Text, default="")
    punishment_result: Mapped[str] = mapped_column(Text, default="")
    confined_action: Mapped[str] = mapped_column(String(200), default="")
    violating_time: Mapped[dt.date | None] = mapped_column(Date)
    record_date: Mapped[dt.date] = mapped_column(Date)
    confined_start: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    confined_end: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    tender_project_code: Mapped[str | None] = mapped_column(String(20))
    tender_project_name: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
