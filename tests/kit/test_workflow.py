"""The workflow engine: declared tables, guards with reasons, no move outside the table."""

from __future__ import annotations

from enum import StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy.kit.errors import IllegalTransition
from ggzy.kit.workflow import Workflow, table


class Door(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    LOCKED = "locked"


def _not_on_holiday(_door, ctx):
    return "节假日不得上锁（示例规则）" if ctx.get("holiday") else None


DOOR = Workflow(
    "door",
    Door,
    table(
        ("close", {Door.OPEN}, Door.CLOSED),
        ("open", {Door.CLOSED}, Door.OPEN),
        ("lock", {Door.CLOSED}, Door.LOCKED, (_not_on_holiday,)),
        ("unlock", {Door.LOCKED}, Door.CLOSED),
    ),
)


def test_a_declared_move_returns_its_target():
    assert DOOR.decide(None, Door.OPEN, "close").target is Door.CLOSED


def test_a_move_from_the_wrong_state_is_refused_with_the_moves_that_are_allowed():
    with pytest.raises(IllegalTransition) as err:
        DOOR.decide(None, Door.OPEN, "lock")
    assert "close" in err.value.message and err.value.code == "workflow.illegal_transition"


def test_a_failing_guard_refuses_with_its_reason():
    with pytest.raises(IllegalTransition) as err:
        DOOR.decide(None, Door.CLOSED, "lock", {"holiday": True})
    assert "节假日" in err.value.message and err.value.code == "workflow.guard_failed"


def test_an_unknown_move_is_refused():
    with pytest.raises(IllegalTransition):
        DOOR.decide(None, Door.OPEN, "fly")


def test_duplicate_transition_names_are_a_programming_error():
    with pytest.raises(ValueError):
        Workflow("bad", Door, table(("x", {Door.OPEN}, Door.CLOSED), ("x", {Door.CLOSED}, Door.OPEN)))


@given(st.lists(st.sampled_from(["close", "open", "lock", "unlock"]), max_size=30))
def test_no_sequence_of_moves_leaves_the_table(moves):
    state = Door.OPEN
    for move in moves:
        try:
            decision = DOOR.decide(None, state, move)
        except IllegalTransition:
            continue
        assert state in decision.transition.sources
        state = decision.target
    assert state in DOOR.reachable(Door.OPEN)
