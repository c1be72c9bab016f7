"""Rule sets, schedules, clarifications, deposits, codes and the section workflow — pure, no database."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from ggzy.centers.calendar import load_calendar
from ggzy.kit.clock import SHANGHAI
from ggzy.kit.errors import IllegalTransition, NotFound, ValidationFailed
from ggzy.projects.codes import check_code, child_code, project_code
from ggzy.projects.policies import Schedule, check_deposit, check_schedule, clarification_effect
from ggzy.projects.rulesets import RULE_SETS, DepositForm, TransactionType, rule_set
from ggzy.projects.workflow import SECTION, SectionStatus

CAL = load_calendar()
NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)  # Monday
CONSTRUCTION = rule_set("construction.open/2019")


def at(day: str, hm: str = "09:30") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=SHANGHAI)


def test_every_transaction_type_has_a_rule_set_and_every_number_has_a_source():
    assert {r.transaction_type for r in RULE_SETS.values()} == set(TransactionType)
    for r in RULE_SETS.values():
        for limit in (r.min_bid_period, r.document_availability, r.announcement_period, r.clarification_notice):
            assert limit is None or (limit.rule_id and limit.source)
        assert r.min_bidders_source


def test_an_unknown_rule_set_lists_the_choices():
    with pytest.raises(NotFound) as err:
        rule_set("construction.open/1999")
    assert "construction.open/2019" in err.value.message


def test_a_tender_period_of_twenty_days_is_accepted():
    # Documents from 2026-11-02: day 20 is 2026-11-22 (a Sunday) → the period runs to Monday 11-23.
    check_schedule(CONSTRUCTION, CAL, Schedule(NOW, at("2026-11-09", "17:00"), at("2026-11-23")), now=NOW)


def test_a_tender_period_one_day_short_is_refused_with_the_rule_and_its_source():
    with pytest.raises(ValidationFailed) as err:
        check_schedule(CONSTRUCTION, CAL, Schedule(NOW, at("2026-11-09", "17:00"), at("2026-11-20")), now=NOW)
    assert "T-4" in err.value.message and "招标投标法 第二十四条" in err.value.message
    assert err.value.detail["earliest"] == "2026-11-23"


def test_documents_available_for_less_than_five_days_are_refused():
    with pytest.raises(ValidationFailed) as err:
        check_schedule(CONSTRUCTION, CAL, Schedule(NOW, at("2026-11-05"), at("2026-11-30")), now=NOW)
    assert "T-2" in err.value.message


def test_inquiry_counts_working_days_across_a_holiday():
    inquiry = rule_set("procurement.inquiry/2014")
    start = at("2026-09-30", "10:00")
    with pytest.raises(ValidationFailed):  # 10-01…10-07 are holidays: three working days end on 10-10 (调休)
        check_schedule(inquiry, CAL, Schedule(start, None, at("2026-10-09")), now=start)
    check_schedule(inquiry, CAL, Schedule(start, None, at("2026-10-10")), now=start)


def test_a_clarification_too_close_to_the_deadline_extends_it():
    effect = clarification_effect(
        CONSTRUCTION, CAL, published_at=at("2026-11-20"), deadline=at("2026-11-30"), affects_bids=True
    )
    assert effect.extended and effect.deadline.astimezone(SHANGHAI) == at("2026-12-07")
    assert "T-5" in effect.reason


def test_an_early_or_harmless_clarification_keeps_the_deadline():
    deadline = at("2026-12-30")
    assert not clarification_effect(
        CONSTRUCTION, CAL, published_at=at("2026-11-20"), deadline=deadline, affects_bids=True
    ).extended
    assert not clarification_effect(
        CONSTRUCTION, CAL, published_at=at("2026-12-29"), deadline=deadline, affects_bids=False
    ).extended


def test_a_deposit_above_two_percent_is_refused_with_the_cap_in_yuan():
    check_deposit(CONSTRUCTION, amount_fen=2_000_000, base_fen=100_000_000, forms={DepositForm.CASH})
    with pytest.raises(ValidationFailed) as err:
        check_deposit(CONSTRUCTION, amount_fen=2_000_001, base_fen=100_000_000, forms={DepositForm.CASH})
    assert "20,000.00 元" in err.value.message and err.value.detail["rule"] == "T-8"


def test_government_procurement_refuses_cash_deposits():
    with pytest.raises(ValidationFailed) as err:
        check_deposit(
            rule_set("procurement.open_tender/2017"), amount_fen=100, base_fen=100_000, forms={DepositForm.CASH}
        )
    assert "G-6" in err.value.message


def test_codes_are_hierarchical_and_of_fixed_length():
    p = project_code("520100", dt.date(2026, 11, 2), 1)
    tp = child_code(p, 1)
    s = child_code(tp, 2)
    assert (len(p), len(tp), len(s)) == (17, 20, 23)
    assert check_code(s, kind="section", parent=tp) == s
    with pytest.raises(ValidationFailed):
        check_code(s[:-1], kind="section")
    with pytest.raises(ValidationFailed):
        check_code(
            child_code(child_code(project_code("520300", dt.date(2026, 1, 1), 1), 1), 1), kind="section", parent=tp
        )


def test_bids_close_only_at_the_deadline_to_the_millisecond():
    section = SimpleNamespace(bid_deadline=at("2026-11-30"))
    with pytest.raises(IllegalTransition):
        SECTION.decide(
            section, SectionStatus.ANNOUNCED, "close", {"now": section.bid_deadline - dt.timedelta(milliseconds=1)}
        )
    assert (
        SECTION.decide(section, SectionStatus.ANNOUNCED, "close", {"now": section.bid_deadline}).target
        is SectionStatus.CLOSED
    )


def test_terminating_needs_a_reason():
    with pytest.raises(IllegalTransition):
        SECTION.decide(None, SectionStatus.ANNOUNCED, "terminate", {"reason": " "})
