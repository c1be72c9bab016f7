"""Every transaction type's rule set driven through the pre-bid lifecycle by moving the clock, and a
stateful property test of the section workflow."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select

from ggzy.audit.models import AuditEvent
from ggzy.auth.service import get_account, principal_of
from ggzy.authz.scope import require
from ggzy.centers.service import get_center, nodes, working_calendar
from ggzy.kit.chronograph import Chronograph
from ggzy.kit.clock import SHANGHAI
from ggzy.kit.errors import IllegalTransition, ValidationFailed
from ggzy.projects import service as projects
from ggzy.projects.policies import Schedule, check_schedule
from ggzy.projects.rulesets import RULE_SETS, RuleSet
from ggzy.projects.workflow import SECTION, SectionStatus


def shortest_schedule(rules: RuleSet, cal, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The earliest deadline every limit of the rule set allows, at 09:30 on that day."""
    last = start.astimezone(SHANGHAI).date() + dt.timedelta(days=1)
    for limit in (rules.min_bid_period, rules.announcement_period, rules.document_availability):
        if limit is not None:
            last = max(last, cal.last_day(start, limit.period))
    return start, dt.datetime.combine(last, dt.time(9, 30), tzinfo=SHANGHAI)


@pytest.mark.parametrize("key", sorted(RULE_SETS))
def test_each_rule_set_runs_from_registration_to_the_closed_deadline(key, session, clock, platform, parties):
    rules = RULE_SETS[key]
    t = parties["tenderee"]
    now = clock.now()
    p = projects.create_project(
        session,
        actor=t.actor,
        now=now,
        acting_entity_id=t.entity.id,
        center_code="GY",
        name=f"{rules.label}示例",
        transaction_type=rules.transaction_type.value,
    )
    tp = projects.add_tender_project(
        session,
        actor=t.actor,
        now=now,
        entity_id=t.entity.id,
        project_code=p.code,
        name=p.name,
        rule_set_key=key,
        estimate_fen=50_000_000_00,
    )
    s = projects.add_section(
        session,
        actor=t.actor,
        now=now,
        entity_id=t.entity.id,
        tender_project_code=tp.code,
        name="一包",
        estimate_fen=50_000_000_00,
    )
    cal = working_calendar(session, get_center(session, "GY"))
    start, deadline = shortest_schedule(rules, cal, now + dt.timedelta(hours=1))
    deposit, forms = 0, frozenset()
    if rules.deposit is not None:
        forms = frozenset(sorted(rules.deposit.forms)[:1])
        deposit = 1_000_000
    terms = [projects.SectionTerms(s.code, start, deadline, deadline, deposit, forms)]
    a = projects.draft_announcement(
        session,
        actor=t.actor,
        now=now,
        entity_id=t.entity.id,
        tender_project_code=tp.code,
        title=f"{p.name}公告",
        body="正文",
        terms=terms,
    )
    projects.submit_announcement(
        session, actor=t.actor, now=now, entity_id=t.entity.id, tender_project_code=tp.code, version=a.version
    )
    scope = require(principal_of(session, get_account(session, "gy.staff")), "center:project:review", nodes(session))
    projects.publish_announcement(
        session,
        actor=t.actor,
        now=now,
        scope=scope,
        key=platform.key,
        tender_project_code=tp.code,
        version=a.version,
        publish_key=f"k-{key}",
    )
    assert s.status == "announced"
    session.commit()
    chrono = Chronograph(platform.db, platform.clock, platform.jobs())
    clock.set(deadline - dt.timedelta(seconds=1))
    chrono.tick()
    session.expire_all()
    assert s.status == "announced"
    clock.set(deadline)
    chrono.tick()
    session.expire_all()
    assert s.status == "closed"


def test_a_deadline_one_day_short_of_each_limit_is_refused(session, clock, parties):
    for rules in RULE_SETS.values():
        limit = rules.min_bid_period or rules.announcement_period
        if limit is None:
            continue
        cal = working_calendar(session, get_center(session, "GY"))
        start = clock.now() + dt.timedelta(hours=1)
        last = cal.last_day(start, limit.period)
        early = dt.datetime.combine(last - dt.timedelta(days=1), dt.time(9, 30), tzinfo=SHANGHAI)
        with pytest.raises(ValidationFailed) as err:
            check_schedule(rules, cal, Schedule(start, None, early), now=clock.now())
        assert limit.rule_id in err.value.message, rules.key


class SectionMachine(RuleBasedStateMachine):
    """Random sequences of moves on a section: the table is never left, the deadline is never beaten,
    and the status only changes through a declared transition."""

    def __init__(self):
        super().__init__()
        self.section = type("S", (), {"bid_deadline": dt.datetime(2026, 12, 1, 1, 30, tzinfo=dt.UTC)})()
        self.status = SectionStatus.DRAFT
        self.now = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
        self.moves = 0

    def _try(self, name: str, ctx: dict) -> None:
        try:
            decision = SECTION.decide(self.section, self.status, name, {"now": self.now, **ctx})
        except IllegalTransition:
            return
        assert self.status in decision.transition.sources
        self.status = decision.target
        self.moves += 1

    @rule(hours=st.integers(min_value=0, max_value=24 * 40))
    def time_passes(self, hours):
        self.now += dt.timedelta(hours=hours)

    @rule(name=st.sampled_from(["announce", "close", "cancel"]))
    def move(self, name):
        before = self.status
        self._try(name, {})
        if name == "close" and self.status is SectionStatus.CLOSED and before is not SectionStatus.CLOSED:
            assert self.now >= self.section.bid_deadline

    @rule(reason=st.sampled_from(["", "  ", "资金未落实"]))
    def terminate(self, reason):
        before = self.status
        self._try("terminate", {"reason": reason})
        if self.status is SectionStatus.TERMINATED and before is not SectionStatus.TERMINATED:
            assert reason.strip()

    @precondition(lambda self: self.status in (SectionStatus.TERMINATED, SectionStatus.CANCELLED))
    @rule()
    def final_states_are_final(self):
        for name in ("announce", "close", "cancel"):
            with pytest.raises(IllegalTransition):
                SECTION.decide(self.section, self.status, name, {"now": self.now, "reason": "x"})

    @invariant()
    def status_is_reachable(self):
        assert self.status in SECTION.reachable(SectionStatus.DRAFT)


TestSectionMachine = SectionMachine.TestCase
TestSectionMachine.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)


def test_each_published_change_records_exactly_one_event_per_transition(session, clock, platform, parties):
    t = parties["tenderee"]
    before = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    p = projects.create_project(
        session,
        actor=t.actor,
        now=clock.now(),
        acting_entity_id=t.entity.id,
        center_code="GY",
        name="计数",
        transaction_type="construction",
    )
    after = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    assert after == before + 1 and p.code
