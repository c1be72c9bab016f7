"""Status table of a sealed bid (pure: no session, no clock)."""

from __future__ import annotations

from enum import StrEnum

from ggzy.kit.workflow import Workflow, table


class BidStatus(StrEnum):
    SUBMITTED = "submitted"  # the bidder's live bid for the section
    SUPERSEDED = "superseded"  # replaced by a newer submission before the deadline (法 第二十九条: 补充、修改)
    WITHDRAWN = "withdrawn"  # withdrawn before the deadline (法 第二十九条: 撤回); the record stays


def before_deadline(bid, ctx) -> str | None:
    """Replacement and withdrawal only before the deadline, to the millisecond (招标投标法 第二十九条, E-9)."""
    deadline = ctx["deadline"]
    return None if ctx["now"] < deadline else "投标截止时间已过，不能再修改或撤回投标文件（招标投标法 第二十九条）。"


BID = Workflow(
    "bid",
    BidStatus,
    table(
        ("supersede", {BidStatus.SUBMITTED}, BidStatus.SUPERSEDED, (before_deadline,)),
        ("withdraw", {BidStatus.SUBMITTED}, BidStatus.WITHDRAWN, (before_deadline,)),
    ),
)
