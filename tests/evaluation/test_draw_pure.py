"""The draw algorithm and the committee rules, without a database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy.evaluation import committee
from ggzy.evaluation import draw as algo
from ggzy.kit.errors import ValidationFailed

DAY = dt.date(2026, 11, 20)
TENDEREE, AGENCY, BIDDER = 1, 2, 3


def request(**kw) -> algo.DrawRequest:
    base = dict(
        section_code="S",
        evaluation_date=DAY,
        rule_set="construction.open/2019",
        committee_size=5,
        representatives=0,
        requirements=(algo.Requirement("A010", 3), algo.Requirement("A080", 2)),
        main_center="GY",
        secondary_centers=("ZY",),
        tenderee_id=TENDEREE,
        agency_id=AGENCY,
        bidder_ids=(BIDDER,),
    )
    base.update(kw)
    return algo.DrawRequest(**base)


def cand(i: int, center="GY", specs=("A010", "A080"), **kw) -> algo.Candidate:
    return algo.Candidate(i, center, kw.pop("region", "520102"), kw.pop("active", True), frozenset(specs), **kw)


def facts(**kw) -> algo.Facts:
    kw.setdefault("capacity", {"GY": 20, "ZY": 20})
    return algo.Facts(**kw)


@pytest.mark.parametrize(
    ("candidate", "f", "policy", "reason"),
    [
        (cand(1, active=False), {}, {}, "status"),
        (cand(1, region="520181"), {}, {"excluded_regions": ("520181",)}, "region"),
        (cand(1, center="LPS"), {}, {}, "venue"),
        (cand(1), {"unavailable": frozenset({1})}, {}, "unavailable"),
        (cand(1, employer_entity_id=TENDEREE), {}, {}, "employee"),
        (cand(1, employer_entity_id=AGENCY), {}, {}, "employee"),
        (cand(1, employer_entity_id=BIDDER), {}, {}, "employee"),
        (cand(1, employer_name="投标人甲公司"), {"conflict_names": frozenset({"投标人甲公司"})}, {}, "employee"),
        (
            cand(1),
            {"relations": {1: [algo.Relation("past_employer", BIDDER, "", dt.date(2024, 1, 1))]}},
            {},
            "recent_employee",
        ),
        (cand(1), {"relations": {1: [algo.Relation("relative_employer", TENDEREE, "")]}}, {}, "relation"),
        (
            cand(1),
            {"relations": {1: [algo.Relation("other", None, "代理甲")]}, "conflict_names": frozenset({"代理甲"})},
            {},
            "relation",
        ),
        (cand(1), {"engagements": {1: 4}}, {"max_engagements": 3}, "frequency"),
    ],
)
def test_every_recusal_category_excludes(candidate, f, policy, reason):
    req = request(policy=algo.RecusalPolicy(**policy))
    assert algo.exclusion(candidate, req, facts(**f)) == reason


def test_an_employment_that_ended_before_the_window_does_not_exclude():
    old = algo.Relation("past_employer", BIDDER, "", dt.date(2020, 1, 1))
    assert algo.exclusion(cand(1), request(), facts(relations={1: [old]})) is None
    assert algo.exclusion(cand(1), request(), facts(engagements={1: 3})) is None


def test_a_full_secondary_venue_makes_its_experts_ineligible():
    pool = [cand(i, center="ZY", specs=("A010",)) for i in range(10)]
    pool += [cand(10 + i, specs=("A010",)) for i in range(2)] + [cand(20 + i, specs=("A080",)) for i in range(2)]
    snap, short = algo.build_snapshot(request(), pool, facts(capacity={"GY": 10, "ZY": 0}))
    assert short and short[0].constraint == "specialty:A010" and short[0].excluded["seat"] == 10
    assert "可用专家 2 名，需要 3 名；所在中心评标席位已满 10 名" in short[0].message()


def test_experts_holding_two_required_specialties_count_once():
    pool = [cand(i) for i in range(3)]
    _snap, short = algo.build_snapshot(request(), pool, facts())
    assert [s.constraint for s in short] == ["specialty:A010+A080"]
    assert "专业 A010+A080 可用专家 3 名，需要 5 名" in short[0].message()


def test_seats_run_out_during_the_draw_and_are_skipped():
    pool = [cand(i, center="ZY") for i in range(10)] + [cand(10 + i) for i in range(10)]
    snap, short = algo.build_snapshot(request(), pool, facts(capacity={"GY": 10, "ZY": 1}))
    assert not short
    out = algo.run_draw(b"s" * 32, snap)
    assert sum(p.center == "ZY" for p in out.picks) <= 1 and len(out.picks) == 5


@settings(max_examples=40, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32), gy=st.integers(0, 5))
def test_venue_quotas_seat_exactly_each_venues_share_for_any_seed(seed, gy):
    """X-14: with shares, every venue seats its own share whatever the seed (one pool could seat all at one)."""
    pool = [cand(i, center="GY" if i % 3 else "ZY") for i in range(30)]
    snap, short = algo.build_snapshot(request(venue_quotas=(("GY", gy), ("ZY", 5 - gy))), pool, facts())
    assert not short and snap["capacity"] == {"GY": gy, "ZY": 5 - gy}
    picks = algo.run_draw(seed, snap).picks
    assert len(picks) == 5 and sum(p.center == "GY" for p in picks) == gy


def test_a_venue_share_its_library_or_seats_cannot_fill_is_named_before_the_draw():
    pool = [cand(i, center="ZY") for i in range(1)] + [cand(10 + i) for i in range(10)]
    _snap, short = algo.build_snapshot(request(venue_quotas=(("GY", 3), ("ZY", 2))), pool, facts())
    assert [s.constraint for s in short] == ["venue:ZY"]
    assert "ZY 场本地可用专家 1 名，该场需抽取 2 名" in short[0].message()
    pool += [cand(20 + i, center="ZY") for i in range(5)]
    _snap, short = algo.build_snapshot(
        request(venue_quotas=(("GY", 3), ("ZY", 2))), pool, facts(capacity={"GY": 20, "ZY": 1})
    )
    assert [s.constraint for s in short] == ["seats:ZY"]
    assert "ZY 场当日空闲评标席位 1 个，该场需抽取 2 名" in short[0].message()


def test_a_request_without_shares_keeps_its_earlier_hash():
    """Draws committed before shares existed must still verify: no shares, no key in the hashed request."""
    assert "venue_quotas" not in request().to_dict()
    r = request(venue_quotas=(("GY", 3), ("ZY", 2)))
    assert algo.DrawRequest.from_dict(r.to_dict()) == r
    assert algo.DrawRequest.from_dict(request().to_dict()) == request()


def test_the_draw_is_deterministic_and_depends_on_the_seed():
    pool = [cand(i, center="GY" if i % 2 else "ZY") for i in range(40)]
    snap, _ = algo.build_snapshot(request(), pool, facts())
    a, b = algo.run_draw(b"a" * 32, snap), algo.run_draw(b"a" * 32, snap)
    assert a.picks == b.picks
    assert [p.expert_id for p in algo.run_draw(b"b" * 32, snap).picks] != [p.expert_id for p in a.picks]


def test_a_refusal_continues_the_counter_and_replays():
    pool = [cand(i) for i in range(30)]
    snap, _ = algo.build_snapshot(request(), pool, facts())
    first = algo.run_draw(b"x" * 32, snap)
    again = algo.run_draw(b"x" * 32, snap, [2])
    assert again.picks[:5] == first.picks
    assert again.picks[5].replaces == 2 and again.picks[5].counter == first.next_counter
    assert again.picks[5].group == first.picks[2].group and again.picks[5].expert_id not in {
        p.expert_id for p in first.picks
    }


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(5, 60),
    employers=st.lists(st.sampled_from([None, TENDEREE, AGENCY, BIDDER, 99]), min_size=60, max_size=60),
    unavailable=st.sets(st.integers(0, 59)),
    seed=st.binary(min_size=32, max_size=32),
    refusals=st.lists(st.integers(0, 8), max_size=4),
)
def test_property_no_recused_expert_and_no_repeat(n, employers, unavailable, seed, refusals):
    pool = [cand(i, center="GY" if i % 3 else "ZY", employer_entity_id=employers[i]) for i in range(n)]
    f = facts(unavailable=frozenset(unavailable))
    req = request()
    snap, short = algo.build_snapshot(req, pool, f)
    if short:
        return
    out = algo.run_draw(seed, snap)
    valid = []
    for r in refusals:
        seated = [p.seq for p in out.seated]
        valid.append(seated[r % len(seated)])
        out = algo.run_draw(seed, snap, valid)
    ids = [p.expert_id for p in out.picks]
    assert len(ids) == len(set(ids))
    by_id = {c.expert_id: c for c in pool}
    assert all(algo.exclusion(by_id[i], req, f) is None for i in ids)


def test_committee_rules_cite_their_source():
    rule = committee.rule_for("construction.open/2019")
    assert committee.check_composition(rule, size=7, representatives=2, budget_fen=0) == 5
    with pytest.raises(ValidationFailed, match="三分之二|2/3"):
        committee.check_composition(rule, size=5, representatives=2, budget_fen=0)
    gp = committee.rule_for("procurement.open_tender/2017")
    with pytest.raises(ValidationFailed, match="1000万元"):
        committee.check_composition(gp, size=5, representatives=0, budget_fen=10_000_000_00)
    assert (
        committee.check_composition(
            committee.rule_for("procurement.inquiry/2014"), size=3, representatives=1, budget_fen=0
        )
        == 2
    )
