"""The evaluation session end to end on a section opened in the test: declarations, review, scoring at two
venues, clarifications, aggregation, outliers, the signed report into the award, and the experts' fees."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from ggzy.audit.models import AuditEvent
from ggzy.award.models import AwardCandidate, AwardResult, ExpertFee
from ggzy.evaluation import session as ev
from ggzy.evaluation.models import DrawMember
from ggzy.evaluation.session_models import EvaluationSeat, ExpertFeePayment
from ggzy.kit.errors import GgzyError, IllegalTransition, ValidationFailed
from ggzy.projects.models import Section

from .session_helpers import (
    committee,
    confirm_all,
    declare_all,
    expert_actor,
    marks,
    review_all,
    score_all,
    sign_all,
)


@pytest.fixture
def c(client, session, platform, clock, tmp_path):
    return committee(client, session, platform, clock, tmp_path)


def _session(session, c):
    session.expire_all()
    return ev.of_section(session, session.get_one(Section, c.hall.section_id))


def _tags(session, prefix):
    return [e.tag for e in session.execute(select(AuditEvent).where(AuditEvent.tag.like(prefix + "%"))).scalars()]


def test_a_section_is_evaluated_across_two_venues_and_the_signed_report_reaches_the_award(session, clock, c):
    e0 = c.experts[0]
    before = ev.room(session, section_code=c.code, expert=e0)
    assert "bids" not in before  # nothing of the bids before the declaration
    declare_all(session, clock, c)
    room = ev.room(session, section_code=c.code, expert=e0)
    assert room["status"] == "reviewing" and len(room["bids"]) == 3
    assert {s["venue"] for s in room["seats"]} == {"GY", "ZY"}
    review_all(session, clock, c)
    score_all(session, clock, c)
    assert _session(session, c).status == "signing"
    sign_all(session, clock, c)
    s = _session(session, c)
    assert s.status == "reported" and s.ended_at is not None
    result = session.execute(select(AwardResult).where(AwardResult.section_id == c.hall.section_id)).scalar_one()
    assert result.required_signers == 5 and len(json.loads(result.signers)) == 5
    candidates = session.execute(select(AwardCandidate).where(AwardCandidate.result_id == result.id)).scalars().all()
    # equal technical marks: the lowest price ranks first (bidder.zy 47.5 M)
    assert [x.entity_id for x in sorted(candidates, key=lambda x: x.rank)][0] == c.bidders["bidder.zy"]
    seats = session.execute(select(EvaluationSeat)).scalars().all()
    assert {x.sign_method for x in seats} == {"account"} and all(x.seat_id for x in seats)
    # fees: leader and secondary-venue surcharges, one payment order each
    fees = {f.expert_id: f for f in session.execute(select(ExpertFee)).scalars()}
    assert len(fees) == 5 and all(f.minutes >= 150 for f in fees.values())
    assert {f.remote for f in fees.values()} == {True, False}
    assert sum(f.role == "leader" for f in fees.values()) == 1
    assert len(session.execute(select(ExpertFeePayment)).scalars().all()) == 5
    assert ev.room(session, section_code=c.code, expert=e0)["fee"]["amount_fen"] > 0
    # one event per transition
    assert sorted(
        t for t in _tags(session, "evaluation:session:") if t != "evaluation:session:outlier_flagged"
    ) == sorted(
        [
            "evaluation:session:started",
            "evaluation:session:declared",
            "evaluation:session:reviewed",
            "evaluation:session:scored",
            "evaluation:session:reported",
        ]
    )
    # idempotent: signing again changes nothing
    ev.sign(session, actor=expert_actor(e0), now=clock.now(), section_code=c.code, expert=e0)
    assert len(_tags(session, "evaluation:session:reported")) == 1


def test_a_declared_conflict_removes_the_expert_and_draws_a_replacement(session, clock, c):
    gone = c.experts[1]
    ev.declare(
        session,
        actor=expert_actor(gone),
        now=clock.now(),
        section_code=c.code,
        expert=gone,
        conflict=True,
        note="近亲属在投标单位任职",
    )
    with pytest.raises(GgzyError):
        ev.room(session, section_code=c.code, expert=gone)
    draw_id = _session(session, c).draw_id
    members = session.execute(select(DrawMember).where(DrawMember.draw_id == draw_id)).scalars().all()
    assert any(m.replaces_seq is not None for m in members)
    assert "evaluation:draw:short" not in _tags(session, "evaluation:draw:")
    for e in c.experts:
        if e is not gone:
            ev.declare(session, actor=expert_actor(e), now=clock.now(), section_code=c.code, expert=e, conflict=False)
    assert _session(session, c).status == "declaring"  # the replacement has not confirmed yet
    confirm_all(session, clock, draw_id)
    new = next(m for m in members if m.replaces_seq is not None)
    from ggzy.evaluation.models import Expert

    e_new = session.get_one(Expert, new.expert_id)
    ev.declare(session, actor=expert_actor(e_new), now=clock.now(), section_code=c.code, expert=e_new, conflict=False)
    assert _session(session, c).status == "reviewing"


def test_a_score_out_of_range_is_refused_with_the_item_and_range(session, clock, c):
    declare_all(session, clock, c)
    review_all(session, clock, c)
    e = c.experts[0]
    with pytest.raises(ValidationFailed) as info:
        ev.score(
            session,
            actor=expert_actor(e),
            now=clock.now(),
            section_code=c.code,
            expert=e,
            sheets={b: marks(design="31") for b in c.bidders.values()},
        )
    assert info.value.code == "scoring.out_of_range" and "施工组织设计" in info.value.message


def test_the_report_is_not_submitted_while_an_expert_has_not_signed(session, clock, c):
    declare_all(session, clock, c)
    review_all(session, clock, c)
    score_all(session, clock, c)
    sign_all(session, clock, c, skip=4)
    with pytest.raises(IllegalTransition) as info:
        ev.submit_report(session, actor=expert_actor(c.experts[0]), now=clock.now(), section_code=c.code)
    assert "评标报告签署" in info.value.message
    assert session.execute(select(AwardResult)).scalars().all() == []


def test_an_expert_far_from_the_others_is_flagged_to_the_committee_and_supervision(session, clock, c):
    declare_all(session, clock, c)
    review_all(session, clock, c)
    score_all(session, clock, c, special={2: marks(design="5", team="1", record="1")})
    room = ev.room(session, section_code=c.code, expert=c.experts[0])
    seat = session.execute(select(EvaluationSeat).where(EvaluationSeat.expert_id == c.experts[2].id)).scalar_one()
    flags = room["report"]["flags"]
    assert flags and all(f["seat"] == seat.seq and "expert_id" not in f for f in flags)
    assert len(_tags(session, "evaluation:session:outlier_flagged")) == 3


def test_a_failed_bid_is_not_scored_and_its_reason_is_in_the_report(session, clock, c):
    declare_all(session, clock, c)
    three = c.bidders["bidder.three"]
    review_all(session, clock, c, fail={three: "资质证书过期"})
    e = c.experts[0]
    with pytest.raises(ValidationFailed):
        ev.score(
            session,
            actor=expert_actor(e),
            now=clock.now(),
            section_code=c.code,
            expert=e,
            sheets={b: marks() for b in c.bidders.values()},
        )
    for x in c.experts:
        ev.score(
            session,
            actor=expert_actor(x),
            now=clock.now(),
            section_code=c.code,
            expert=x,
            sheets={b: marks() for b in c.bidders.values() if b != three},
        )
    report = ev.room(session, section_code=c.code, expert=e)["report"]
    assert report["rejected"] == [{"entity_id": three, "reason": "；".join(["资质证书过期"] * 5)}]
