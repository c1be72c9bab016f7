"""Expert fee tariffs: brackets, rounding, leader and remote surcharges, 就高不就低, versions by date."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy.evaluation.tariff import TARIFFS, Role, compute_fee, fee_by, published, tariff_for
from ggzy.kit.errors import NotFound, ValidationFailed

DAY = dt.date(2026, 11, 20)


def gz(**kw):
    return compute_fee(libraries=["GZ"], project_type="construction", on=DAY, **kw)


@pytest.mark.parametrize(
    ("minutes", "fen"),
    [(30, 400_00), (240, 400_00), (241, 800_00), (480, 800_00), (481, 1200_00), (720, 1200_00), (721, 1600_00)],
)
def test_the_demo_guizhou_tariff_pays_by_half_day_brackets(minutes, fen):
    assert gz(minutes=minutes).total_fen == fen


def test_the_leader_and_a_remote_seat_add_their_surcharges_each_with_a_source():
    fee = gz(minutes=300, role="leader", remote=True)
    assert fee.total_fen == 800_00 + 100_00 + 200_00
    assert fee.demo and all(line.source for line in fee.lines)


def test_anhui_senior_experts_get_the_higher_base_and_hours_beyond_eight_cost_more():
    ah = tariff_for("AH", "construction", DAY)
    fee = fee_by(ah, minutes=9 * 60 + 10, role=Role.MEMBER, remote=False, senior=True)
    # 500 base (3 h) + 5 h × 100 + 2 started hours × 150
    assert fee.total_fen == 500_00 + 500_00 + 300_00 and not fee.demo


def test_guangdong_ignores_up_to_half_an_hour_and_counts_more_as_a_full_hour():
    gd = tariff_for("GD", "procurement", DAY)
    assert fee_by(gd, minutes=150, role=Role.MEMBER, remote=False).total_fen == 400_00
    assert fee_by(gd, minutes=151, role=Role.MEMBER, remote=False).total_fen == 500_00


def test_a_remote_expert_is_paid_by_the_higher_of_the_two_libraries():
    fee = compute_fee(libraries=["AH", "GZ"], project_type="construction", on=DAY, minutes=9 * 60)
    assert dict(fee.compared) == {"AH/2017": 300_00 + 500_00 + 150_00, "GZ/demo-2019": 1200_00}
    assert fee.tariff == "GZ/demo-2019" and fee.total_fen == 1200_00
    assert "就高不就低" in fee.lines[-1].label and "807号" in fee.lines[-1].source


def test_a_library_without_a_tariff_for_the_type_or_date_is_refused():
    with pytest.raises(NotFound):
        compute_fee(libraries=["GD"], project_type="construction", on=DAY, minutes=60)
    with pytest.raises(NotFound):
        compute_fee(libraries=["GZ"], project_type="construction", on=dt.date(2018, 1, 1), minutes=60)
    with pytest.raises(ValidationFailed):
        gz(minutes=0)


def test_a_newer_version_takes_over_from_its_effective_date():
    newer = dataclasses.replace(TARIFFS[0], version="2027", effective_from=dt.date(2027, 1, 1), base_fen=450_00)
    tariffs = (*TARIFFS, newer)
    assert tariff_for("GZ", "construction", DAY, tariffs).version == "demo-2019"
    assert tariff_for("GZ", "construction", dt.date(2027, 3, 1), tariffs).version == "2027"
    assert [t.key for t in published(DAY)][0] in {t.key for t in TARIFFS}


@given(st.integers(1, 3 * 24 * 60), st.integers(1, 3 * 24 * 60))
def test_a_longer_evaluation_never_pays_less(a, b):
    lo, hi = sorted((a, b))
    assert gz(minutes=lo).total_fen <= gz(minutes=hi).total_fen
