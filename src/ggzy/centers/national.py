"""The national working calendar: the bundled schedules plus the years the platform admin imported.

The State Council publishes next year's holiday schedule each November or December
(《国务院办公厅关于××年部分节假日安排的通知》), after the release that bundled ``holidays_cn.json``.
The platform admin loads that year as data (``ggzy calendar import`` or ``POST /api/v1/calendar/years``),
checked as strictly as the bundled file and recorded in the audit chain, so that no code release is
needed for time limits to reach into the new year.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ggzy.audit.chain import canonical_json
from ggzy.audit.service import record
from ggzy.centers.calendar import WorkingCalendar, bundled_document, parse_calendar, parse_year_document
from ggzy.centers.models import NationalCalendarYear
from ggzy.kit.actor import Actor
from ggzy.kit.clock import to_shanghai
from ggzy.kit.errors import Conflict, ValidationFailed


@dataclass(frozen=True)
class CoveredYear:
    year: int
    source: str
    origin: str  # "bundled" (holidays_cn.json of this release) or "imported"
    holidays: int
    workdays: int
    sha256: str | None = None
    imported_at: dt.datetime | None = None


@functools.cache
def _bundled_groups() -> tuple[dict[str, Any], ...]:
    return tuple(bundled_document()["years"])


@functools.cache
def _bundled() -> WorkingCalendar:
    return parse_calendar({"years": list(_bundled_groups())})


# The calendar built for the imported rows last seen, keyed by their (id, sha256): one small query per
# use tells whether another process has imported a year since, so an import takes effect everywhere at once.
_built: dict[tuple[tuple[int, str], ...], WorkingCalendar] = {}
_lock = threading.Lock()


def national_calendar(session: Session) -> WorkingCalendar:
    """The bundled years plus the imported ones, as one calendar."""
    key = tuple(
        (i, h)
        for i, h in session.execute(
            select(NationalCalendarYear.id, NationalCalendarYear.sha256).order_by(NationalCalendarYear.id)
        )
    )
    cal = _built.get(key)
    if cal is None:
        documents = session.execute(
            select(NationalCalendarYear.document)
            .where(NationalCalendarYear.id.in_([i for i, _ in key]))
            .order_by(NationalCalendarYear.id)
        ).scalars()
        cal = _assemble([json.loads(d) for d in documents])
        with _lock:
            _built.clear()
            _built[key] = cal
    return cal


def covered_years(session: Session) -> list[CoveredYear]:
    """Every year the working calendar covers, bundled or imported, with its source (the release's own
    data for a year it bundles, as in :func:`national_calendar`)."""
    out = [_covered(g, "bundled") for g in _bundled_groups()]
    rows = session.execute(
        select(NationalCalendarYear)
        .where(NationalCalendarYear.year.not_in(sorted(_bundled().years)))
        .order_by(NationalCalendarYear.year)
    ).scalars()
    out += [_covered(json.loads(r.document), "imported", r.sha256, r.imported_at) for r in rows]
    return sorted(out, key=lambda c: c.year)


def import_year(
    session: Session, *, actor: Actor, now: dt.datetime, document: Mapping[str, Any]
) -> NationalCalendarYear:
    """Load one year of the State Council's holiday schedule as data, checked and audited."""
    schedule = parse_year_document(document)
    year = schedule.year
    # The notice for a year comes out in the last weeks of the year before; a later year is a typo or a guess.
    if year > to_shanghai(now).year + 1:
        raise ValidationFailed(
            f"{year} 年的节假日安排尚未公布（国务院办公厅通常在上一年 11—12 月公布次年安排）：请核对年份",
            code="centers.calendar_year_ahead",
            detail={"year": year},
        )
    if any(g["year"] == year for g in _bundled_groups()):
        raise _exists(year, "已随本版本的 holidays_cn.json 发布")
    if session.execute(select(NationalCalendarYear.id).where(NationalCalendarYear.year == year)).first():
        raise _exists(year, "已由平台管理员补录")
    group = schedule.group()
    _check_merges(session, group)
    text = canonical_json(group)
    row = NationalCalendarYear(
        year=year,
        source=schedule.source,
        document=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        imported_by=actor.account_id,
        imported_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise _exists(year, "刚由另一请求补录") from None
    record(
        session,
        tag="centers:calendar:year_imported",
        actor=actor,
        now=now,
        subject_id=year,
        payload={
            "year": year,
            "source": schedule.source,
            "sha256": row.sha256,
            "entries": len(schedule.entries),
            "holidays": schedule.holidays,
            "workdays": schedule.workdays,
        },
    )
    return row


def _assemble(imported: list[dict[str, Any]]) -> WorkingCalendar:
    """The imported years laid under the bundled ones.

    A later release may bundle a year imported before (or a December day an imported year lists): the
    release's data then wins rather than stopping every computation with a clash; each import was
    checked against what was there when it came in (:func:`_check_merges`)."""
    cal = WorkingCalendar((), years=())
    for group in imported:
        if group["year"] not in _bundled().years:
            cal = cal.with_entries(parse_calendar({"years": [group]}).entries, years=[group["year"]])
    return cal.with_entries(_bundled().entries, years=_bundled().years)


def _check_merges(session: Session, group: dict[str, Any]) -> None:
    """A day of December listed by the new year must not be listed already by the year it falls in."""
    imported = [json.loads(d) for d in session.execute(select(NationalCalendarYear.document)).scalars()]
    try:
        parse_calendar({"years": [*_bundled_groups(), *imported, group]})
    except ValidationFailed as exc:
        if exc.code != "calendar.data.duplicate":
            raise
        day = exc.detail["date"]
        raise Conflict(
            f"{day} 已列在已录入的节假日安排中，{group['year']} 年的安排不能再列一次：请核对通知原文",
            code="centers.calendar_date_clash",
            detail={"year": group["year"], "date": day},
        ) from None


def _covered(
    group: Mapping[str, Any], origin: str, sha256: str | None = None, at: dt.datetime | None = None
) -> CoveredYear:
    kinds = [e["kind"] for e in group["entries"]]
    return CoveredYear(
        year=group["year"],
        source=group["source"],
        origin=origin,
        holidays=kinds.count("holiday"),
        workdays=kinds.count("workday"),
        sha256=sha256,
        imported_at=at,
    )


def _exists(year: int, how: str) -> Conflict:
    return Conflict(
        f"{year} 年的节假日安排{how}，不能重复录入：如原数据有误，请联系平台运维",
        code="centers.calendar_year_exists",
        detail={"year": year},
    )
