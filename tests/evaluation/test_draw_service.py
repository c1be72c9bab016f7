"""The draw end to end through the service: commit, run, refuse, reveal, verify."""

from __future__ import annotations

import json

import pytest

from ggzy.evaluation import draw as algo
from ggzy.evaluation import repository, service, verify
from ggzy.projects.service import terminate_section

from .conftest import EVAL_DAY, STAFF, order


def _drawn(session, clock, tender, gy_scope, **kw):
    d = service.start_draw(
        session, actor=STAFF, now=clock.now(), scope=gy_scope, order=order(tender, **kw), account_id=None
    )
    service.run(session, actor=STAFF, now=clock.now(), scope=gy_scope, draw=d)
    return d


def _reveal(session, clock, tender, gy_scope, d):
    # Staff reveal a draw only once the result is public or the section has ended without one (法 第三十七条); these
    # tests have no award, so the section is terminated first (the award notice case is in tests/award).
    terminate_section(
        session,
        actor=STAFF,
        now=clock.now(),
        entity_id=tender.tenderee.id,
        section_code=tender.section.code,
        reason="终止招标",
    )
    service.reveal(session, actor=STAFF, now=clock.now(), scope=gy_scope, draw=d)


def test_a_draw_is_reproduced_from_its_seed_and_snapshot(session, clock, tender, pool, gy_scope):
    d = _drawn(session, clock, tender, gy_scope)
    assert d.commitment == algo.commitment_of(d.seed)
    members = repository.members_of(session, d.id)
    assert len(members) == 5 and len({m.expert_id for m in members}) == 5
    assert {m.center_code for m in members} <= {"GY", "ZY"}
    replay = algo.run_draw(d.seed, json.loads(d.snapshot))
    assert [(p.seq, p.expert_id) for p in replay.picks] == [(m.seq, m.expert_id) for m in members]
    _reveal(session, clock, tender, gy_scope, d)
    [check] = verify.verify_section(session, tender.section.code)
    assert check.ok, check.line()


def test_seats_are_booked_for_experts_and_representatives(session, clock, tender, pool, gy_scope):
    d = _drawn(session, clock, tender, gy_scope)
    bookings = repository.bookings_of(session, d.id)
    assert len(bookings) == 7
    assert all(b.day == EVAL_DAY for b in bookings)
    assert sum(b.purpose == "representative" for b in bookings) == 2


def test_a_refusal_draws_a_replacement_continuing_the_sequence(session, clock, tender, pool, gy_scope):
    d = _drawn(session, clock, tender, gy_scope)
    first = repository.members_of(session, d.id)[1]
    expert = session.get(service.Expert, first.expert_id)
    service.answer(session, actor=STAFF, now=clock.now(), expert=expert, member_id=first.id, accept=False, reason="病")
    members = repository.members_of(session, d.id)
    assert len(members) == 6
    new = members[-1]
    assert new.replaces_seq == first.seq and new.group_index == first.group_index
    assert new.counter >= max(m.counter for m in members[:-1]) + 1
    assert new.expert_id not in {m.expert_id for m in members[:-1]}
    _reveal(session, clock, tender, gy_scope, d)
    assert verify.verify_section(session, tender.section.code)[0].ok


def test_verify_fails_after_tampering_with_a_committee_row(session, clock, tender, pool, gy_scope):
    d = _drawn(session, clock, tender, gy_scope)
    _reveal(session, clock, tender, gy_scope, d)
    m = repository.members_of(session, d.id)[0]
    outsider = next(e for e in pool if e.id not in {x.expert_id for x in repository.members_of(session, d.id)})
    m.expert_id = outsider.id
    session.flush()
    [check] = verify.verify_section(session, tender.section.code)
    assert not check.ok and "重放结果" in check.line()


def test_verify_fails_after_tampering_with_the_snapshot(session, clock, tender, pool, gy_scope):
    d = _drawn(session, clock, tender, gy_scope)
    _reveal(session, clock, tender, gy_scope, d)
    snap = json.loads(d.snapshot)
    snap["groups"][0]["eligible"].pop()
    d.snapshot = algo.canonical(snap).decode()
    session.flush()
    [check] = verify.verify_section(session, tender.section.code)
    assert not check.ok and "快照" in check.line()


def test_before_the_reveal_only_the_commitment_is_verified(session, clock, tender, pool, gy_scope):
    d = _drawn(session, clock, tender, gy_scope)
    [check] = verify.verify_section(session, tender.section.code)
    assert check.ok and "仅校验承诺" in check.line()
    d.commitment = "0" * 64
    session.flush()
    assert not verify.verify_section(session, tender.section.code)[0].ok


def test_an_unfillable_draw_names_the_constraint_and_the_remedies(session, clock, tender, pool, gy_scope):
    with pytest.raises(service.DrawUnfillable) as exc:
        service.start_draw(
            session,
            actor=STAFF,
            now=clock.now(),
            scope=gy_scope,
            order=order(tender, requirements=[("A010", 2), ("A100", 3)]),
            account_id=None,
        )
    assert "专业 A100（勘察设计）可用专家 0 名，需要 3 名" in exc.value.message
    assert "增加副场" in exc.value.message and exc.value.detail["remedies"]
    assert repository.draws_of(session, tender.section.id) == []


def test_venue_shares_seat_each_venues_experts_and_verify(session, clock, tender, pool, gy_scope):
    d = _drawn(session, clock, tender, gy_scope, venue_quotas={"GY": 2, "zy": 3})
    members = repository.members_of(session, d.id)
    assert sorted(m.center_code for m in members) == ["GY", "GY", "ZY", "ZY", "ZY"]
    assert json.loads(d.request)["venue_quotas"] == [["GY", 2], ["ZY", 3]]
    _reveal(session, clock, tender, gy_scope, d)
    assert verify.verify_section(session, tender.section.code)[0].ok


@pytest.mark.parametrize(
    ("quotas", "code", "words"),
    [
        ({"GY": 2, "LPS": 3}, "evaluation.quota_venue", "LPS 不是本次抽取的主场或副场"),
        ({"GY": 2, "ZY": 2}, "evaluation.quota_sum", "各场人数之和（4）须等于专家人数 5"),
        ({"GY": 6, "ZY": -1}, "evaluation.quota_negative", "ZY 场的人数不能为负数"),
    ],
)
def test_bad_venue_shares_are_refused_with_what_to_fix(session, clock, tender, pool, gy_scope, quotas, code, words):
    with pytest.raises(service.ValidationFailed) as exc:
        service.start_draw(
            session,
            actor=STAFF,
            now=clock.now(),
            scope=gy_scope,
            order=order(tender, venue_quotas=quotas),
            account_id=None,
        )
    assert exc.value.code == code and words in exc.value.message
    assert repository.draws_of(session, tender.section.id) == []
