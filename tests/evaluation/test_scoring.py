"""Evaluation methods: validation, price scores, aggregation, ranking with ties, at most 3 candidates, outliers."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy.evaluation.scoring import (
    Aggregation,
    Bid,
    Method,
    Scheme,
    ScoreItem,
    ScoreSheet,
    aggregate,
    check_scheme,
    evaluate,
    price_score,
)
from ggzy.kit.errors import ValidationFailed

TECH = ScoreItem("tech", "技术方案", D(40))
BUSINESS = ScoreItem("biz", "商务条款", D(20))
GP_GOODS = Scheme(Method.GP_COMPREHENSIVE, (TECH, BUSINESS), price_weight=D("0.40"), subject="goods")


def sheet(expert: int, bidder: int, tech, biz) -> ScoreSheet:
    return ScoreSheet(expert, bidder, {"tech": D(str(tech)), "biz": D(str(biz))})


def test_the_price_score_is_the_lowest_price_over_the_bid_times_the_weight_times_100():
    assert price_score(bid_fen=100_00, base_fen=100_00, weight=D("0.30")) == D("30.00")
    assert price_score(bid_fen=120_00, base_fen=100_00, weight=D("0.30")) == D("25.00")
    assert price_score(bid_fen=300_00, base_fen=100_00, weight=D("0.10")) == D("3.33")


@pytest.mark.parametrize(
    ("subject", "procedure", "weight"),
    [("goods", "tender", "0.29"), ("services", "tender", "0.09"), ("goods", "consultation", "0.61")],
)
def test_a_gp_price_weight_below_the_legal_share_is_refused_with_its_source(subject, procedure, weight):
    other = D(100) - D(weight) * 100
    scheme = Scheme(
        Method.GP_COMPREHENSIVE, (ScoreItem("t", "技术", other),), D(weight), subject=subject, procedure=procedure
    )
    with pytest.raises(ValidationFailed) as e:
        check_scheme(scheme)
    assert e.value.code == "scoring.price_weight" and ("87号令" in e.value.message or "214号" in e.value.message)


def test_services_may_weigh_price_at_ten_percent():
    check_scheme(Scheme(Method.GP_COMPREHENSIVE, (ScoreItem("t", "技术", D(90)),), D("0.10"), subject="services"))


def test_a_gp_scheme_must_total_100_points():
    with pytest.raises(ValidationFailed, match="100 分"):
        check_scheme(Scheme(Method.GP_COMPREHENSIVE, (ScoreItem("t", "技术", D(50)),), D("0.30")))


def test_a_score_outside_its_range_names_the_item_and_the_range():
    bids = [Bid(1, 100_00), Bid(2, 110_00)]
    sheets = [sheet(9, 1, 41, 10), sheet(9, 2, 30, 10)]
    with pytest.raises(ValidationFailed) as e:
        evaluate(GP_GOODS, bids, sheets)
    assert e.value.code == "scoring.out_of_range"
    assert "技术方案" in e.value.message and "0–40 分" in e.value.message and "41" in e.value.message


def test_a_missing_item_or_a_missing_expert_sheet_is_refused():
    with pytest.raises(ValidationFailed, match="商务条款"):
        evaluate(GP_GOODS, [Bid(1, 100_00)], [ScoreSheet(9, 1, {"tech": D(30)})])
    with pytest.raises(ValidationFailed) as e:
        evaluate(
            GP_GOODS, [Bid(1, 100_00), Bid(2, 90_00)], [sheet(9, 1, 30, 10), sheet(8, 1, 30, 10), sheet(9, 2, 1, 1)]
        )
    assert e.value.code == "scoring.incomplete"


def test_comprehensive_scoring_ranks_by_total_and_rejected_bids_set_no_base_price():
    bids = [Bid(1, 100_00), Bid(2, 80_00), Bid(3, 50_00, valid=False, rejection="低于成本")]
    sheets = [sheet(e, b, t, 15) for e in (7, 8, 9) for b, t in ((1, 38), (2, 20), (3, 40))]
    result = evaluate(GP_GOODS, bids, sheets)
    assert result.base_price_fen == 80_00
    first, second = result.ranking
    assert (first.bidder_id, first.price_score, first.total) == (1, D("32.00"), D("85.00"))
    assert (second.bidder_id, second.price_score, second.total) == (2, D("40.00"), D("75.00"))
    assert [b.bidder_id for b in result.rejected] == [3]


def test_equal_totals_rank_the_lower_price_first_and_full_ties_are_marked_for_the_committee():
    scheme = Scheme(Method.GP_LOWEST_PRICE)
    result = evaluate(scheme, [Bid(5, 100_00), Bid(3, 100_00), Bid(4, 120_00, adjustment_fen=-20_00)], [])
    assert [(r.bidder_id, r.rank, r.tied) for r in result.ranking] == [(3, 1, True), (5, 1, True), (4, 3, False)]
    # 4's evaluated price equals the others after the deduction, but its bid price is higher.
    assert result.ranking[2].evaluated_fen == 100_00


def test_lowest_evaluated_bid_method_takes_no_score_items():
    with pytest.raises(ValidationFailed) as e:
        check_scheme(Scheme(Method.LOWEST_EVALUATED_BID, (TECH,)))
    assert e.value.code == "scoring.items_not_allowed"


def test_construction_comprehensive_may_use_a_base_price_from_the_documents():
    scheme = Scheme(Method.COMPREHENSIVE, (ScoreItem("t", "技术", D(70)),), D("0.30"), base_price_fen=90_00)
    result = evaluate(scheme, [Bid(1, 100_00)], [ScoreSheet(1, 1, {"t": D(60)})])
    assert result.ranking[0].price_score == D("27.00")


def test_dropping_extremes_averages_the_middle_marks():
    assert aggregate([D(1), D(10), D(4), D(5)], Aggregation(drop_extremes=1)) == D("4.50")
    with pytest.raises(ValidationFailed):
        aggregate([D(1), D(2)], Aggregation(drop_extremes=1))


def test_an_expert_far_above_the_others_for_one_bidder_is_flagged():
    sheets = [sheet(e, 1, 20, 10) for e in (1, 2, 3, 4)] + [sheet(5, 1, 39, 19)]
    sheets += [sheet(e, 2, 25, 12) for e in (1, 2, 3, 4, 5)]
    result = evaluate(GP_GOODS, [Bid(1, 100_00), Bid(2, 100_00)], sheets)
    assert [(f.expert_id, f.bidder_id, f.direction) for f in result.flags] == [(5, 1, "high")]
    assert "偏高" in result.flags[0].describe()


def test_small_disagreements_are_not_flagged():
    sheets = [sheet(e, 1, 30 + e % 2, 15) for e in range(1, 6)]
    assert evaluate(GP_GOODS, [Bid(1, 100_00)], sheets).flags == ()


def test_more_than_three_candidates_cannot_be_asked_for():
    result = evaluate(Scheme(Method.GP_LOWEST_PRICE), [Bid(i, 100_00 + i) for i in range(1, 7)], [])
    assert [c.bidder_id for c in result.candidates()] == [1, 2, 3]
    with pytest.raises(ValidationFailed, match="第五十三条"):
        result.candidates(4)


# --- properties ----------------------------------------------------------------------------------------------

marks = st.integers(min_value=0, max_value=4000).map(lambda n: D(n) / 100)
half_marks = st.integers(min_value=0, max_value=2000).map(lambda n: D(n) / 100)
prices = st.integers(min_value=1, max_value=10**12)


@st.composite
def sessions(draw):
    n_bidders = draw(st.integers(1, 6))
    n_experts = draw(st.integers(1, 7))
    bids = [Bid(b, draw(st.integers(1_00, 10**9))) for b in range(1, n_bidders + 1)]
    sheets = [
        ScoreSheet(e, b.bidder_id, {"tech": draw(marks), "biz": draw(half_marks)})
        for e in range(1, n_experts + 1)
        for b in bids
    ]
    return bids, sheets


@settings(max_examples=60, deadline=None)
@given(sessions(), st.randoms(use_true_random=False))
def test_the_ranking_does_not_depend_on_the_order_experts_submit(data, rnd):
    bids, sheets = data
    shuffled = list(sheets)
    rnd.shuffle(shuffled)
    assert evaluate(GP_GOODS, bids, sheets) == evaluate(GP_GOODS, list(reversed(bids)), shuffled)


@settings(max_examples=200, deadline=None)
@given(prices, prices, prices, st.sampled_from([D("0.10"), D("0.30"), D("0.60")]))
def test_the_price_score_never_rises_with_the_price(base, a, b, weight):
    lo, hi = sorted((a, b))
    base = min(base, lo)
    assert price_score(bid_fen=hi, base_fen=base, weight=weight) <= price_score(
        bid_fen=lo, base_fen=base, weight=weight
    )


@settings(max_examples=60, deadline=None)
@given(sessions(), st.integers(1, 3))
def test_never_more_than_three_candidates(data, limit):
    bids, sheets = data
    assert len(evaluate(GP_GOODS, bids, sheets).candidates(limit)) <= min(3, len(bids))
