from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, UtcDateTime


class Center(Base):
    """A trading center. A merged center keeps its row and code so that old records still resolve."""

    __tablename__ = "centers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(60))
    level: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"))
    address: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"))
    merged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Venue(Base):
    """A room at a center: 开标室 (opening) or 评标室 (evaluation), with numbered seats."""

    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    origin_center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))


class Seat(Base):
    __tablename__ = "seats"
    __table_args__ = (UniqueConstraint("venue_id", "label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    label: Mapped[str] = mapped_column(String(20))


class CalendarDay(Base):
    """A center's own holiday or working day, on top of the national calendar (``centers/data``)."""

    __tablename__ = "calendar_days"
    __table_args__ = (UniqueConstraint("center_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(60))


class CenterMerger(Base):
    """A planned consolidation of a county center into its city center (seed 三.(四)), run on its date."""

    __tablename__ = "center_mergers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    effective_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    reason: Mapped[str] = mapped_column(Text, default="")
    next_check: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class NationalCalendarYear(Base):
    """A year of the State Council's holiday schedule published after the release, imported by the platform admin.

    ``document`` is the canonical JSON of that one year's group (``ggzy.calendar/1``), ``sha256`` its hash;
    the working calendar is the bundled ``holidays_cn.json`` plus these rows (``centers/national.py``)."""

    __tablename__ = "national_calendar_years"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    source: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
