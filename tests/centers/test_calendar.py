"""The working-day calendar and legal period counting (民法典 第二百零一条至第二百零三条)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy.centers.calendar import (
    CalendarEntry,
    DayKind,
    PeriodRule,
    YearNotCovered,
    load_calendar,
    parse_calendar,
)
from ggzy.kit.clock import SHANGHAI, UTC
from ggzy.kit.errors import ValidationFailed

D = dt.date
T4 = PeriodRule.days(20, rule_id="T-4", source="招标投标法 第二十四条")
G2 = PeriodRule.working_days(5, rule_id="G-2", source="政府采购法实施条例 第三十一条")
T23 = PeriodRule.hours(12, rule_id="T-23", source="招标公告和公示信息发布管理办法")
CAL = load_calendar()


def at(day: str, clock: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SHANGHAI)


# --- which days are working days --------------------------------------------------------------------


def test_the_bundled_calendar_covers_every_year_from_2020_to_2026():
    assert CAL.years == frozenset(range(2020, 2027))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2024, 2, 16), False),  # Friday inside 春节
        (D(2024, 2, 18), True),  # Sunday made a working day (调休上班)
        (D(2024, 10, 12), True),  # Saturday made a working day
        (D(2024, 10, 7), False),  # Monday inside 国庆节
        (D(2024, 10, 8), True),
        (D(2024, 3, 9), False),  # ordinary Saturday
        (D(2025, 1, 28), False),  # 除夕 is a statutory holiday from 2025
        (D(2026, 2, 23), False),  # last of the nine days of 春节 2026
        (D(2026, 2, 28), True),
        (D(2022, 12, 31), False),  # 元旦 2023 began on a Saturday of 2022
    ],
)
def test_it_follows_the_state_council_schedule(day, working):
    assert CAL.is_working_day(day) is working


def test_the_extended_2020_spring_festival_is_in_and_its_cancelled_working_saturday_is_out():
    assert CAL.is_working_day(D(2020, 1, 19))
    assert not CAL.is_working_day(D(2020, 1, 31))
    assert not CAL.is_working_day(D(2020, 2, 1))
    assert CAL.is_working_day(D(2020, 2, 3))


def test_every_entry_names_its_holiday_and_source():
    entry = CAL.entry(D(2024, 10, 1))
    assert (entry.kind, entry.name) == (DayKind.HOLIDAY, "国庆节")
    assert "国办发明电〔2023〕7号" in entry.source
    assert CAL.entry(D(2024, 2, 18)).kind is DayKind.WORKDAY
    assert CAL.entry(D(2024, 3, 12)) is None


@pytest.mark.parametrize(
    ("year", "working_days"),
    [(2020, 249), (2021, 250), (2022, 249), (2023, 249), (2024, 251), (2025, 248), (2026, 248)],
)
def test_the_number_of_working_days_per_year_does_not_drift(year, working_days):
    # Counted from the data; guards against an entry silently lost or added.
    assert CAL.working_days_between(D(year - 1, 12, 31), D(year, 12, 31)) == working_days


def test_the_2026_schedule_is_the_one_published_on_4_november_2025():
    assert "2025年11月4日" in CAL.entry(D(2026, 2, 15)).source
    assert [CAL.is_working_day(D(2026, 2, d)) for d in (14, 15, 23, 24)] == [True, False, False, True]


# --- years that are not covered ---------------------------------------------------------------------


def test_a_year_whose_schedule_is_not_entered_is_refused_with_what_to_add():
    with pytest.raises(YearNotCovered) as caught:
        CAL.is_working_day(D(2027, 1, 4))
    assert caught.value.code == "calendar.year_not_covered"
    assert "2027" in caught.value.message and "补录" in caught.value.message
    assert caught.value.detail["year"] == 2027


def test_a_year_before_the_data_is_refused_too():
    with pytest.raises(YearNotCovered):
        CAL.is_working_day(D(2019, 12, 31))


def test_counting_working_days_into_an_uncovered_year_is_refused_rather_than_guessed():
    with pytest.raises(YearNotCovered):
        CAL.add_working_days(D(2026, 12, 28), 5)


def test_plain_calendar_day_arithmetic_needs_no_schedule():
    assert CAL.add_days(D(2026, 12, 28), 10) == D(2027, 1, 7)
    assert CAL.add_days(D(2024, 3, 1), -1) == D(2024, 2, 29)


# --- working-day arithmetic -------------------------------------------------------------------------


def test_adding_working_days_skips_holidays_and_counts_working_saturdays():
    # 27 Sep (Fri) 1, 29 Sep (Sun, 调休) 2, 30 Sep 3, 1–7 Oct holiday, 8 Oct 4, 9 Oct 5.
    assert CAL.add_working_days(D(2024, 9, 26), 5) == D(2024, 10, 9)


def test_zero_working_days_is_the_day_itself_and_negative_counts_go_back():
    assert CAL.add_working_days(D(2024, 10, 3), 0) == D(2024, 10, 3)
    assert CAL.add_working_days(D(2024, 10, 8), -1) == D(2024, 9, 30)


def test_working_days_between_excludes_the_first_day_and_includes_the_last():
    assert CAL.working_days_between(D(2024, 9, 30), D(2024, 10, 8)) == 1
    assert CAL.working_days_between(D(2024, 10, 8), D(2024, 10, 8)) == 0
    assert CAL.working_days_between(D(2024, 10, 8), D(2024, 9, 30)) == -1


# --- periods: 民法典 第二百零一条至第二百零三条 ---------------------------------------------------------


def test_the_day_of_the_event_is_not_counted_so_20_days_from_1_march_end_on_21_march():
    assert CAL.last_day(at("2024-03-01"), T4) == D(2024, 3, 21)
    assert CAL.deadline(at("2024-03-01"), T4) == at("2024-03-22", "00:00")


def test_a_period_ending_on_a_holiday_ends_on_the_next_working_day():
    assert CAL.add_days(D(2024, 9, 11), 20) == D(2024, 10, 1)
    assert CAL.last_day(at("2024-09-11"), T4) == D(2024, 10, 8)


def test_a_period_ending_on_a_weekend_ends_on_monday():
    assert CAL.last_day(at("2024-03-03"), T4) == D(2024, 3, 25)


def test_a_period_ending_on_a_working_saturday_ends_that_saturday():
    assert CAL.last_day(at("2024-09-22"), T4) == D(2024, 10, 12)


def test_a_period_in_working_days_ends_on_the_nth_working_day_after_the_event():
    assert CAL.last_day(at("2024-09-26", "16:00"), G2) == D(2024, 10, 9)
    assert CAL.deadline(at("2024-09-26", "16:00"), G2) == at("2024-10-10", "00:00")


def test_an_event_on_a_rest_day_starts_counting_on_the_next_day_anyway():
    # Published on Saturday 9 March 2024: working days 11–15 March.
    assert CAL.last_day(at("2024-03-09"), G2) == D(2024, 3, 15)


def test_the_event_day_is_the_day_in_shanghai_not_in_utc():
    late_utc = dt.datetime(2024, 2, 29, 17, 0, tzinfo=UTC)  # 01:00 on 1 March in Shanghai
    assert CAL.last_day(late_utc, T4) == D(2024, 3, 21)


def test_a_period_ends_at_the_close_of_business_where_there_are_business_hours():
    assert CAL.deadline(at("2024-03-01"), T4, closing_time=dt.time(17, 30)) == at("2024-03-21", "17:30")


def test_a_period_in_hours_runs_from_the_moment_and_ignores_holidays():
    assert CAL.deadline(at("2024-10-01", "09:15"), T23) == at("2024-10-01", "21:15")


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        CAL.deadline(dt.datetime(2024, 3, 1, 10, 0), T4)
    assert caught.value.code == "calendar.naive_datetime"


def test_a_bid_deadline_on_the_20th_day_satisfies_t4_and_one_on_the_19th_does_not():
    issued = at("2024-03-01", "10:00")
    assert CAL.is_long_enough(issued, at("2024-03-21", "09:00"), T4)
    assert not CAL.is_long_enough(issued, at("2024-03-20", "17:00"), T4)


def test_a_bid_deadline_on_the_holiday_that_ends_the_period_is_too_early():
    issued = at("2024-09-11")
    assert not CAL.is_long_enough(issued, at("2024-10-01", "09:00"), T4)
    assert CAL.is_long_enough(issued, at("2024-10-08", "09:00"), T4)


def test_a_minimum_period_in_hours_compares_exact_durations():
    assert CAL.is_long_enough(at("2024-03-01", "08:00"), at("2024-03-01", "20:00"), T23)
    assert not CAL.is_long_enough(at("2024-03-01", "08:00"), at("2024-03-01", "19:59"), T23)


def test_a_period_of_zero_days_is_not_a_rule():
    with pytest.raises(ValidationFailed):
        PeriodRule.days(0, rule_id="X")


def test_a_rule_says_what_it_is_in_chinese():
    assert (T4.describe(), G2.describe(), T23.describe()) == ("20日", "5个工作日", "12小时")


# --- a center's own days ----------------------------------------------------------------------------


def test_a_center_adds_its_own_rest_day_without_changing_the_national_calendar():
    local = CAL.with_entries([CalendarEntry(D(2024, 11, 20), DayKind.HOLIDAY, "本地节日（示例）", "州人民政府通知")])
    assert not local.is_working_day(D(2024, 11, 20))
    assert CAL.is_working_day(D(2024, 11, 20))
    assert local.add_working_days(D(2024, 11, 19), 1) == D(2024, 11, 21)


def test_a_center_can_add_next_years_schedule_once_published():
    extended = CAL.with_entries([CalendarEntry(D(2027, 1, 1), DayKind.HOLIDAY, "元旦")], years=[2027])
    assert not extended.is_working_day(D(2027, 1, 1))
    assert extended.is_working_day(D(2027, 1, 4))


# --- the data file ----------------------------------------------------------------------------------


def _document(*entries, year=2024, source="测试"):
    return {"years": [{"year": year, "source": source, "entries": list(entries)}]}


def test_a_weekday_marked_as_an_adjusted_working_day_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        parse_calendar(_document({"date": "2024-03-12", "kind": "workday", "name": "春节"}))
    assert caught.value.code == "calendar.data" and "2024-03-12" in caught.value.message


def test_a_date_listed_twice_is_refused():
    entry = {"date": "2024-10-01", "kind": "holiday", "name": "国庆节"}
    with pytest.raises(ValidationFailed) as caught:
        parse_calendar(_document(entry, entry))
    assert caught.value.code == "calendar.data.duplicate"


def test_a_year_without_its_source_is_refused():
    with pytest.raises(ValidationFailed):
        parse_calendar(_document(source=""))


def test_an_entry_without_a_name_is_refused():
    with pytest.raises(ValidationFailed):
        parse_calendar(_document({"date": "2024-10-01", "kind": "holiday"}))


# --- properties -------------------------------------------------------------------------------------

covered_days = st.dates(min_value=D(2020, 4, 1), max_value=D(2026, 9, 30))


@given(covered_days, st.integers(1, 40))
def test_adding_working_days_always_lands_on_a_working_day(day, n):
    assert CAL.is_working_day(CAL.add_working_days(day, n))
    assert CAL.is_working_day(CAL.add_working_days(day, -n))


@given(covered_days, st.integers(-40, 40))
def test_working_days_between_inverts_add_working_days(day, n):
    assert CAL.working_days_between(day, CAL.add_working_days(day, n)) == n


@given(covered_days, st.integers(1, 60))
def test_a_day_period_ends_on_the_first_working_day_on_or_after_start_plus_n(day, n):
    last = CAL.last_day(day, PeriodRule.days(n))
    assert CAL.is_working_day(last) and last >= day + dt.timedelta(days=n)
    gap = (last - (day + dt.timedelta(days=n))).days
    assert all(not CAL.is_working_day(day + dt.timedelta(days=n + k)) for k in range(gap))


@given(covered_days, st.integers(0, 23), st.integers(1, 30), st.sampled_from(["days", "working_days"]))
def test_a_deadline_is_later_than_its_start_and_the_start_plus_its_deadline_is_long_enough(day, hour, n, unit):
    start = dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)
    rule = PeriodRule(n, unit)
    deadline = CAL.deadline(start, rule)
    assert deadline > start
    assert CAL.is_long_enough(start, deadline - dt.timedelta(microseconds=1), rule)
