"""CA providers (电子认证服务机构), their published fee schedules and the fees entities paid (数字证书收费).

A new schedule never overwrites an older one: each has its own effective date and the schedule in
force on a day is the latest one effective on or before it. Money is integer fen.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, UtcDateTime

_FEN = BigInteger().with_variant(Integer(), "sqlite")


class CaProvider(Base):
    __tablename__ = "ca_providers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    licence_no: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(200), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    ca_names: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of the CA names it operates
    algorithms: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class CaFeeSchedule(Base):
    __tablename__ = "ca_fee_schedules"
    __table_args__ = (UniqueConstraint("provider_id", "effective_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("ca_providers.id"), index=True)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class CaFeeItem(Base):
    __tablename__ = "ca_fee_items"
    __table_args__ = (UniqueConstraint("schedule_id", "item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("ca_fee_schedules.id"), index=True)
    item: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int] = mapped_column(_FEN)
    unit: Mapped[str] = mapped_column(String(40), default="")


class CaFeePayment(Base):
    """A fee an entity paid to a CA. ``entity_id`` has no foreign key: the registry owns entities."""

    __tablename__ = "ca_fee_payments"
    __table_args__ = (UniqueConstraint("provider_id", "receipt_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("ca_providers.id"), index=True)
    item: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int] = mapped_column(_FEN)
    paid_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    receipt_no: Mapped[str] = mapped_column(String(64))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
