"""The session's transition table, pure: the order of the stages, and each guard naming what is missing."""

from __future__ import annotations

import pytest

from ggzy.evaluation.session import SESSION, SessionStatus
from ggzy.kit.errors import IllegalTransition


def _ctx(**done) -> dict:
    seat = {"declared": False, "reviewed": False, "scored": False, "signed": False}
    return {"invited": [], "seats": [{"seq": n, **seat, **done} for n in range(5)]}


def test_the_stages_follow_one_another_and_nothing_else():
    assert SESSION.reachable(SessionStatus.DECLARING) >= {
        SessionStatus.REVIEWING,
        SessionStatus.SCORING,
        SessionStatus.SIGNING,
        SessionStatus.REPORTED,
    }
    assert SESSION.available(SessionStatus.REPORTED) == []
    with pytest.raises(IllegalTransition):
        SESSION.decide(None, SessionStatus.DECLARING, "scored", _ctx(declared=True, reviewed=True, scored=True))


@pytest.mark.parametrize(
    ("state", "name", "done", "missing"),
    [
        (SessionStatus.DECLARING, "declared", {}, "回避申报"),
        (SessionStatus.REVIEWING, "reviewed", {"declared": True}, "资格评审"),
        (SessionStatus.SCORING, "scored", {"declared": True, "reviewed": True}, "评分"),
        (SessionStatus.SIGNING, "reported", {"declared": True, "reviewed": True, "scored": True}, "评标报告签署"),
    ],
)
def test_a_stage_ends_only_when_every_seat_is_done(state, name, done, missing):
    with pytest.raises(IllegalTransition) as info:
        SESSION.decide(None, state, name, _ctx(**done))
    assert missing in info.value.message and "[1, 2, 3, 4, 5]" in info.value.message


def test_a_replacement_still_invited_holds_the_bids_closed():
    ctx = {**_ctx(declared=True), "invited": [6]}
    with pytest.raises(IllegalTransition) as info:
        SESSION.decide(None, SessionStatus.DECLARING, "declared", ctx)
    assert "补抽" in info.value.message
    ctx["invited"] = []
    assert SESSION.decide(None, SessionStatus.DECLARING, "declared", ctx).target is SessionStatus.REVIEWING
