"""Working days and legal periods, in Asia/Shanghai, from the State Council's yearly holiday schedule.

Time limits in tendering law mix calendar days (日) and working days (工作日) (cn-standards §8). Which
days are working days is not a rule of the week: every year the General Office of the State Council
publishes 《国务院办公厅关于××年部分节假日安排的通知》, moving weekend days into holidays and making some
weekend days working days (调休上班). ``data/holidays_cn.json`` holds those schedules as dated entries,
one group per year with its source; a center adds its own days with :meth:`WorkingCalendar.with_entries`.

A year whose schedule is not in the data is refused (:class:`YearNotCovered`) rather than guessed: the
schedule for next year is usually published in November or December, and a deadline computed from a
guess would be wrong exactly around the holidays.

How a period is counted (民法典 第二百零一条至第二百零三条, applied by 第二百零四条 unless a law says
otherwise):

- 第二百零一条: a period in days starts the day *after* the event — 开始的当日不计入，自下一日开始计算.
  A period in hours runs from the exact moment.
- 第二百零三条第一款: if the last day of the period is a statutory rest day, the period ends on the
  first day after the rest — 以法定休假日结束的次日为期间的最后一日. Weekends are rest days unless the
  schedule makes them working days; a period in working days always ends on a working day anyway.
- 第二百零三条第二款: the period ends at 24:00 of its last day, or at the close of business where there
  are business hours — 有业务时间的，停止业务活动的时间为截止时间.

So for a 20-day rule (招标投标法 第二十四条, T-4) documents issued on 1 March give a last day of 21 March
(moved to the next working day if that is a rest day); for 5 working days (政府采购法实施条例 第三十一条,
G-2) the last day is the fifth working day after the day of issue.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from ggzy.kit.clock import SHANGHAI
from ggzy.kit.errors import ValidationFailed

ONE_DAY = dt.timedelta(days=1)


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # 放假 (including weekend days joined to a holiday)
    WORKDAY = "workday"  # 调休上班: a weekend day made a working day


@dataclass(frozen=True)
class CalendarEntry:
    date: dt.date
    kind: DayKind
    name: str
    source: str = ""


class YearNotCovered(ValidationFailed):
    """A date falls in a year whose holiday schedule has not been entered."""

    code = "calendar.year_not_covered"


class PeriodUnit(StrEnum):
    DAYS = "days"  # 日 (calendar days)
    WORKING_DAYS = "working_days"  # 工作日
    HOURS = "hours"  # 小时


@dataclass(frozen=True)
class PeriodRule:
    """A legal period: ``amount`` units, with the rule id (T-4, G-2 …) and source it comes from."""

    amount: int
    unit: PeriodUnit
    rule_id: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        # Rule sets are data: accept the unit's string value and keep the enum.
        object.__setattr__(self, "unit", PeriodUnit(self.unit))
        if self.amount < 1:
            raise ValidationFailed(
                f"期限规则 {self.rule_id or ''} 的长度应为正整数，实际为 {self.amount}", code="calendar.rule"
            )

    @classmethod
    def days(cls, amount: int, *, rule_id: str = "", source: str = "") -> PeriodRule:
        return cls(amount, PeriodUnit.DAYS, rule_id, source)

    @classmethod
    def working_days(cls, amount: int, *, rule_id: str = "", source: str = "") -> PeriodRule:
        return cls(amount, PeriodUnit.WORKING_DAYS, rule_id, source)

    @classmethod
    def hours(cls, amount: int, *, rule_id: str = "", source: str = "") -> PeriodRule:
        return cls(amount, PeriodUnit.HOURS, rule_id, source)

    def describe(self) -> str:
        return {
            "days": f"{self.amount}日",
            "working_days": f"{self.amount}个工作日",
            "hours": f"{self.amount}小时",
        }[self.unit.value]


class WorkingCalendar:
    """Which days are working days, for the years whose schedules it holds. Pure: no clock, no I/O."""

    def __init__(self, entries: Iterable[CalendarEntry], *, years: Iterable[int]):
        self.years = frozenset(years)
        self._entries: dict[dt.date, CalendarEntry] = {}
        for entry in entries:
            if entry.date in self._entries:
                raise ValidationFailed(
                    f"节假日数据中 {entry.date.isoformat()} 出现了两次：请删除重复的一条",
                    code="calendar.data.duplicate",
                    detail={"date": entry.date.isoformat()},
                )
            self._entries[entry.date] = entry

    def with_entries(self, entries: Iterable[CalendarEntry], *, years: Iterable[int] = ()) -> WorkingCalendar:
        """A copy with a center's own days added; an entry for a date already listed replaces it."""
        merged = dict(self._entries)
        merged.update((e.date, e) for e in entries)
        return WorkingCalendar(merged.values(), years=self.years | set(years))

    def entry(self, day: dt.date) -> CalendarEntry | None:
        self._require_covered(day)
        return self._entries.get(day)

    def is_working_day(self, day: dt.date) -> bool:
        entry = self.entry(day)
        if entry is not None:
            return entry.kind is DayKind.WORKDAY
        return day.weekday() < 5

    def add_days(self, day: dt.date, n: int) -> dt.date:
        """``n`` calendar days after ``day`` (before it if negative); needs no schedule."""
        return day + dt.timedelta(days=n)

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day`` (``day`` itself not counted); before it if ``n`` < 0."""
        step = ONE_DAY if n >= 0 else -ONE_DAY
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_day_on_or_after(self, day: dt.date) -> dt.date:
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b] — ``a`` not counted, as in 民法典 第二百零一条; negative if ``b`` < ``a``.

        For ``b`` < ``a`` it is minus the working days in [b, a), so that
        ``working_days_between(a, add_working_days(a, n)) == n`` for every ``n``.
        """
        if b < a:
            return -self.working_days_between(b - ONE_DAY, a - ONE_DAY)
        count, day = 0, a
        while day < b:
            day += ONE_DAY
            count += self.is_working_day(day)
        return count

    def last_day(self, start: dt.date | dt.datetime, rule: PeriodRule) -> dt.date:
        """The last day of a period in days or working days that starts with the event on ``start``.

        民法典 第二百零一条: the day of ``start`` is not counted. 第二百零三条: a last day that is a rest day
        moves to the next working day.
        """
        day = _shanghai_day(start)
        if rule.unit is PeriodUnit.DAYS:
            return self.working_day_on_or_after(day + dt.timedelta(days=rule.amount))
        if rule.unit is PeriodUnit.WORKING_DAYS:
            return self.add_working_days(day, rule.amount)
        raise ValidationFailed(
            f"期限规则 {rule.rule_id} 按小时计算，没有“最后一日”：请用 deadline()", code="calendar.rule"
        )

    def deadline(self, start: dt.datetime, rule: PeriodRule, *, closing_time: dt.time | None = None) -> dt.datetime:
        """The instant a period expires, in Asia/Shanghai; an act is in time if it happens before it.

        Days and working days end at 24:00 of :meth:`last_day` (returned as 00:00 of the next day), or
        at ``closing_time`` on that day where the place has business hours (民法典 第二百零三条第二款).
        Hours run from ``start`` itself (民法典 第二百零一条第二款).
        """
        start = _aware(start)
        if rule.unit is PeriodUnit.HOURS:
            return (start + dt.timedelta(hours=rule.amount)).astimezone(SHANGHAI)
        last = self.last_day(start, rule)
        if closing_time is not None:
            return dt.datetime.combine(last, closing_time, tzinfo=SHANGHAI)
        return dt.datetime.combine(last + ONE_DAY, dt.time(0), tzinfo=SHANGHAI)

    def is_long_enough(self, start: dt.datetime, end: dt.datetime, rule: PeriodRule) -> bool:
        """Whether ``end`` respects a minimum period after ``start`` ("不得少于N日", e.g. T-4, G-2).

        The day of ``end`` counts as a day of the period (自…之日起至…之日止), so ``end`` may fall on
        :meth:`last_day`. If that day is a rest day the period runs on to the next working day
        (第二百零三条), so an ``end`` on the rest day itself is too early.
        """
        start, end = _aware(start), _aware(end)
        if rule.unit is PeriodUnit.HOURS:
            return end - start >= dt.timedelta(hours=rule.amount)
        return _shanghai_day(end) >= self.last_day(start, rule)

    def _require_covered(self, day: dt.date) -> None:
        if day.year not in self.years:
            covered = f"{min(self.years)}–{max(self.years)} 年" if self.years else "任何年份"
            raise YearNotCovered(
                f"{day.year} 年的节假日安排尚未录入工作日历（已录入 {covered}）："
                f"请按国务院办公厅公布的《关于{day.year}年部分节假日安排的通知》"
                "在 holidays_cn.json 中补录该年，之后才能按工作日计算期限",
                detail={"year": day.year, "date": day.isoformat()},
            )


def load_calendar(path: str | Path | None = None) -> WorkingCalendar:
    """The national calendar from the bundled ``holidays_cn.json`` (or another file in that format)."""
    if path is None:
        text = resources.files("ggzy.centers").joinpath("data", "holidays_cn.json").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return parse_calendar(json.loads(text))


def parse_calendar(document: Mapping[str, Any]) -> WorkingCalendar:
    """Check a decoded holiday document: one group per year with its source, dated and named entries."""
    entries: list[CalendarEntry] = []
    years: list[int] = []
    for group in document.get("years", []):
        year, source = group.get("year"), group.get("source")
        if not isinstance(year, int) or not source:
            raise _data_error(f"节假日数据中有一组缺少 year 或 source：{str(group)[:60]}")
        if year in years:
            raise _data_error(f"节假日数据中 {year} 年出现了两组")
        years.append(year)
        entries.extend(_entry(raw, year, source) for raw in group.get("entries", []))
    return WorkingCalendar(entries, years=years)


def _entry(raw: Mapping[str, Any], year: int, source: str) -> CalendarEntry:
    try:
        day = dt.date.fromisoformat(raw["date"])
        kind = DayKind(raw["kind"])
        name = raw["name"]
    except (KeyError, TypeError, ValueError):
        raise _data_error(f"{year} 年的节假日条目无效：{raw}（需要 date、kind=holiday/workday、name）") from None
    # A holiday may start on 31 December of the year before (元旦 2023 began on 2022-12-31).
    if day.year not in (year, year - 1) or not name:
        raise _data_error(f"{year} 年的节假日条目 {raw} 的日期不属于该年或缺少名称")
    if kind is DayKind.WORKDAY and day.weekday() < 5:
        raise _data_error(f"{day.isoformat()} 是周一至周五，不能标为调休上班日：请核对日期")
    return CalendarEntry(date=day, kind=kind, name=name, source=source)


def _aware(when: dt.datetime) -> dt.datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValidationFailed("计算期限需要带时区的时间（如 Asia/Shanghai）", code="calendar.naive_datetime")
    return when


def _shanghai_day(when: dt.date | dt.datetime) -> dt.date:
    if isinstance(when, dt.datetime):
        return _aware(when).astimezone(SHANGHAI).date()
    return when


def _data_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="calendar.data")
