"""Pure decisions on schedules, clarifications and deposits. They take values (including ``now``) and a
rule set, and return a decision or raise with the rule and its source."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ggzy.centers.calendar import WorkingCalendar
from ggzy.kit.clock import SHANGHAI
from ggzy.kit.errors import ValidationFailed
from ggzy.kit.money import format_yuan, percent_of
from ggzy.projects.rulesets import DepositForm, Limit, RuleSet


@dataclass(frozen=True)
class Schedule:
    """The dates an announcement commits to. ``documents_from`` is when documents can first be obtained."""

    documents_from: dt.datetime
    documents_until: dt.datetime | None
    bid_deadline: dt.datetime


def _fmt(t: dt.datetime) -> str:
    return t.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _violation(limit: Limit, what: str, earliest: dt.date) -> ValidationFailed:
    return ValidationFailed(
        f"{what}不足{limit.period.describe()}（{limit.rule_id}，{limit.source}）：最早可定于 {earliest.isoformat()}。",
        code="projects.time_limit",
        detail={"rule": limit.rule_id, "source": limit.source, "earliest": earliest.isoformat()},
    )


def check_schedule(rules: RuleSet, cal: WorkingCalendar, schedule: Schedule, *, now: dt.datetime) -> None:
    """Refuse a schedule that breaks a time limit of its rule set, naming the rule and its source."""
    if schedule.documents_from < now - dt.timedelta(minutes=5):
        raise ValidationFailed("文件发出时间不能早于当前时间。", code="projects.schedule_past")
    if schedule.bid_deadline <= schedule.documents_from:
        raise ValidationFailed("投标截止时间必须晚于文件发出时间。", code="projects.schedule_order")
    if rules.min_bid_period and not cal.is_long_enough(
        schedule.documents_from, schedule.bid_deadline, rules.min_bid_period.period
    ):
        raise _violation(
            rules.min_bid_period,
            "自文件发出之日起至投标截止之日止",
            cal.last_day(schedule.documents_from, rules.min_bid_period.period),
        )
    if rules.announcement_period and not cal.is_long_enough(
        schedule.documents_from, schedule.bid_deadline, rules.announcement_period.period
    ):
        raise _violation(
            rules.announcement_period, "公告期", cal.last_day(schedule.documents_from, rules.announcement_period.period)
        )
    if rules.document_availability:
        until = schedule.documents_until or schedule.bid_deadline
        if until > schedule.bid_deadline:
            raise ValidationFailed("文件获取截止时间不能晚于投标截止时间。", code="projects.schedule_order")
        if not cal.is_long_enough(schedule.documents_from, until, rules.document_availability.period):
            raise _violation(
                rules.document_availability,
                "文件获取期",
                cal.last_day(schedule.documents_from, rules.document_availability.period),
            )


@dataclass(frozen=True)
class ClarificationEffect:
    deadline: dt.datetime
    extended: bool
    reason: str


def clarification_effect(
    rules: RuleSet, cal: WorkingCalendar, *, published_at: dt.datetime, deadline: dt.datetime, affects_bids: bool
) -> ClarificationEffect:
    """T-5/G-5: a clarification that may affect bids must come a minimum time before the deadline;
    when it comes later, the deadline moves (never the other way round)."""
    limit = rules.clarification_notice
    if not affects_bids or limit is None or cal.is_long_enough(published_at, deadline, limit.period):
        return ClarificationEffect(deadline, False, "")
    earliest_day = cal.last_day(published_at, limit.period)
    local = deadline.astimezone(SHANGHAI)
    new = dt.datetime.combine(earliest_day, local.timetz().replace(tzinfo=None), tzinfo=SHANGHAI)
    new = max(new, deadline)
    return ClarificationEffect(
        new.astimezone(dt.UTC),
        True,
        f"澄清或修改距投标截止不足{limit.period.describe()}（{limit.rule_id}，{limit.source}），"
        f"投标截止时间由 {_fmt(deadline)} 顺延至 {_fmt(new)}。",
    )


def check_deposit(rules: RuleSet, *, amount_fen: int, base_fen: int | None, forms: set[DepositForm]) -> None:
    """The deposit may not exceed the rule set's cap (rounded down to the fen) nor use a form it forbids."""
    rule = rules.deposit
    if amount_fen == 0 and not forms:
        return
    if rule is None:
        raise ValidationFailed(f"{rules.label}不收取投标保证金。", code="deposits.not_applicable")
    if amount_fen < 0:
        raise ValidationFailed("保证金金额不能为负数。", code="deposits.negative")
    bad = forms - rule.forms
    if bad:
        raise ValidationFailed(
            f"{rules.label}的保证金不得采用：{'、'.join(sorted(bad))}（{rule.rule_id}，{rule.source}）。",
            code="deposits.form_not_allowed",
        )
    if rule.cap_numerator is not None:
        if base_fen is None or base_fen <= 0:
            raise ValidationFailed("请填写项目估算价或采购预算，以计算保证金上限。", code="deposits.base_required")
        cap = percent_of(base_fen, rule.cap_numerator, rule.cap_denominator)
        if amount_fen > cap:
            raise ValidationFailed(
                f"保证金 {format_yuan(amount_fen)} 超过上限 {format_yuan(cap)}（{rule.rule_id}，{rule.source}）。",
                code="deposits.above_cap",
                detail={"cap_fen": cap, "rule": rule.rule_id},
            )
