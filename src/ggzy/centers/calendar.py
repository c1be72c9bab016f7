"""Working days and legal periods, in Asia/Shanghai, from the State Council's yearly holiday schedule.

Time limits in tendering law mix calendar days (日) and working days (工作日) (cn-standards §8). Which
days are working days is not a rule of the week: every year the General Office of the State Council
publishes 《国务院办公厅关于××年部分节假日安排的通知》, moving weekend days into holidays and making some
weekend days working days (调休上班). ``data/holidays_cn.json`` holds those schedules as dated entries,
one group per year with its source; a center adds its own days with :meth:`WorkingCalendar.with_entries`.

A year whose schedule is not in the data is refused (:class:`YearNotCovered`) rather than guessed: the
schedule for next year is usually published in November or December, and a deadline computed from a
guess would be wrong exactly around the holidays. A year published after the release is loaded as data
by the platform admin (``ggzy calendar import``, checked here by :func:`parse_year_document`, stored by
``centers/national.py``).

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
SCHEMA = "ggzy.calendar/1"
# The longest year published so far has 39 entries (2026: 33 days off, 6 working weekend days); 60 leaves
# room for an unusual year while a paste of two years, or of ordinary days, is caught.
MAX_ENTRIES_PER_YEAR = 60


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

    @property
    def entries(self) -> tuple[CalendarEntry, ...]:
        """Every listed day, whatever its year."""
        return tuple(self._entries.values())

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
            raise YearNotCovered(
                f"{day.year} 年的节假日安排尚未录入工作日历（已录入 {describe_years(self.years)}）："
                f"请平台管理员按国务院办公厅公布的《关于{day.year}年部分节假日安排的通知》"
                "用 ggzy calendar import 文件 补录该年，之后才能按工作日计算期限",
                detail={"year": day.year, "date": day.isoformat()},
            )


def describe_years(years: Iterable[int]) -> str:
    """``2020–2027、2029 年``: runs of consecutive years, so that a gap is not hidden by a min–max range."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    if not runs:
        return "任何年份"
    return "、".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else f"{r[0]}" for r in runs) + " 年"


def bundled_document() -> dict[str, Any]:
    """The decoded ``holidays_cn.json`` shipped with the release."""
    text = resources.files("ggzy.centers").joinpath("data", "holidays_cn.json").read_text(encoding="utf-8")
    return json.loads(text)


def load_calendar(path: str | Path | None = None) -> WorkingCalendar:
    """The national calendar from the bundled ``holidays_cn.json`` (or another file in that format)."""
    if path is None:
        return parse_calendar(bundled_document())
    return parse_calendar(json.loads(Path(path).read_text(encoding="utf-8")))


def parse_calendar(document: Mapping[str, Any]) -> WorkingCalendar:
    """Check a decoded holiday document: one group per year with its source, dated and named entries."""
    entries: list[CalendarEntry] = []
    years: list[int] = []
    for group in document.get("years", []):
        year, source, group_entries = _group(group)
        if year in years:
            raise _data_error(f"节假日数据中 {year} 年出现了两组")
        years.append(year)
        entries.extend(group_entries)
    return WorkingCalendar(entries, years=years)


@dataclass(frozen=True)
class YearSchedule:
    """One year of the State Council's schedule, checked; :meth:`group` is the form stored and hashed."""

    year: int
    source: str
    entries: tuple[CalendarEntry, ...]

    @property
    def holidays(self) -> int:
        return sum(e.kind is DayKind.HOLIDAY for e in self.entries)

    @property
    def workdays(self) -> int:
        return sum(e.kind is DayKind.WORKDAY for e in self.entries)

    def group(self) -> dict[str, Any]:
        entries = [{"date": e.date.isoformat(), "kind": e.kind.value, "name": e.name} for e in self.entries]
        return {"year": self.year, "source": self.source, "entries": sorted(entries, key=lambda e: e["date"])}


def parse_year_document(document: Any) -> YearSchedule:
    """Check a ``ggzy.calendar/1`` document bringing exactly one year, as the platform admin imports it.

    Besides the checks of :func:`parse_calendar`: a year with no holiday at all is refused (every notice
    has at least 元旦 and 春节, so an empty year is a mistake), and so is one with more entries than
    :data:`MAX_ENTRIES_PER_YEAR`."""
    if not isinstance(document, Mapping) or document.get("schema") != SCHEMA:
        raise ValidationFailed(
            f'文件格式不对：应为 JSON 对象，含 "schema": "{SCHEMA}" 与 years（格式同 holidays_cn.json）',
            code="calendar.import_schema",
        )
    groups = document.get("years")
    if not isinstance(groups, list) or len(groups) != 1 or not isinstance(groups[0], Mapping):
        count = len(groups) if isinstance(groups, list) else 0
        raise ValidationFailed(
            f"一次只能补录一年：years 中应恰有一组，实际为 {count} 组", code="calendar.import_one_year"
        )
    source = groups[0].get("source")
    if not isinstance(source, str) or not source.strip():
        raise ValidationFailed(
            "缺少 source：请写明依据的通知名称、文号与发布日期（如《国务院办公厅关于××年部分节假日安排的通知》）",
            code="calendar.import_source",
        )
    year, source, entries = _group({**groups[0], "source": source.strip()})
    WorkingCalendar(entries, years=[year])  # refuses a date listed twice
    schedule = YearSchedule(year, source, tuple(sorted(entries, key=lambda e: e.date)))
    if schedule.holidays == 0:
        raise ValidationFailed(
            f"{year} 年的安排中没有一条放假日（kind=holiday）：每年的通知至少有元旦、春节等假日，请核对文件",
            code="calendar.import_empty",
            detail={"year": year},
        )
    if len(entries) > MAX_ENTRIES_PER_YEAR:
        raise ValidationFailed(
            f"{year} 年的安排有 {len(entries)} 条，超过一年的合理上限 {MAX_ENTRIES_PER_YEAR} 条："
            "是否把几年的条目或整月的普通日子放进了一组？请核对文件",
            code="calendar.import_too_many",
            detail={"year": year, "entries": len(entries)},
        )
    return schedule


def _group(group: Any) -> tuple[int, str, list[CalendarEntry]]:
    if not isinstance(group, Mapping):
        raise _data_error(f"节假日数据中有一组不是对象：{str(group)[:60]}")
    year, source, raw_entries = group.get("year"), group.get("source"), group.get("entries", [])
    if not isinstance(year, int) or isinstance(year, bool) or not source:
        raise _data_error(f"节假日数据中有一组缺少 year 或 source：{str(group)[:60]}")
    if not isinstance(raw_entries, list):
        raise _data_error(f"{year} 年的 entries 应为列表")
    return year, source, [_entry(raw, year, source) for raw in raw_entries]


def _entry(raw: Mapping[str, Any], year: int, source: str) -> CalendarEntry:
    try:
        day = dt.date.fromisoformat(raw["date"])
        kind = DayKind(raw["kind"])
        name = raw["name"]
    except (KeyError, TypeError, ValueError):
        raise _data_error(f"{year} 年的节假日条目无效：{raw}（需要 date、kind=holiday/workday、name）") from None
    if not isinstance(name, str) or not name.strip():
        raise _data_error(f"{year} 年的节假日条目 {day.isoformat()} 缺少名称（如 春节、国庆节）")
    # A holiday may start in the last days of the year before (元旦 2023 began on 2022-12-31; for 元旦 2019,
    # 2018-12-29 was a working Saturday), never earlier than 下旬 of December.
    if not (day.year == year or dt.date(year - 1, 12, 21) <= day <= dt.date(year - 1, 12, 31)):
        raise _data_error(
            f"{day.isoformat()}（{name}）不属于 {year} 年：每组只能列该年的日期（或上一年 12 月下旬），请核对日期"
        )
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
