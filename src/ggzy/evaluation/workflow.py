"""Draw and member statuses and their transition tables — pure."""

from __future__ import annotations

from enum import StrEnum

from ggzy.kit.workflow import Workflow, table


class DrawStatus(StrEnum):
    COMMITTED = "committed"  # seed hash published, nothing drawn yet
    DRAWN = "drawn"  # committee drawn, identities secret
    REVEALED = "revealed"  # seed and committee published after the result
    CANCELLED = "cancelled"  # abandoned with a reason (stays public with its commitment)


class MemberStatus(StrEnum):
    INVITED = "invited"
    CONFIRMED = "confirmed"
    REFUSED = "refused"


def _reason_given(_draw, ctx) -> str | None:
    return None if (ctx.get("reason") or "").strip() else "作废抽取须写明理由（记入审计链并公开）。"


# A section that ends without an award publishes its committee once it has ended.
ENDED_WITHOUT_AWARD = frozenset({"terminated", "cancelled"})


def result_public(_draw, ctx) -> str | None:
    """The committee list is secret until the award result is determined (招标投标法 第三十七条: 评标委员会成员的
    名单在中标结果确定前应当保密): seed and names come out with the award notice, or once the section has ended
    without one (terminated or cancelled)."""
    if ctx.get("result_public") or ctx.get("section_status") in ENDED_WITHOUT_AWARD:
        return None
    return (
        "评标尚在进行或中标结果尚未公布，不能公开种子和专家名单：评标委员会成员的名单在中标结果确定前应当保密"
        "（招标投标法 第三十七条）。发出中标通知书时系统自动公开；标段终止招标的，可由交易中心在终止后公开。"
    )


DRAW = Workflow(
    "draw",
    DrawStatus,
    table(
        ("run", {DrawStatus.COMMITTED}, DrawStatus.DRAWN),
        ("reveal", {DrawStatus.DRAWN}, DrawStatus.REVEALED, (result_public,)),
        ("cancel", {DrawStatus.COMMITTED, DrawStatus.DRAWN}, DrawStatus.CANCELLED, (_reason_given,)),
    ),
)

MEMBER = Workflow(
    "draw_member",
    MemberStatus,
    table(
        ("confirm", {MemberStatus.INVITED}, MemberStatus.CONFIRMED),
        ("refuse", {MemberStatus.INVITED, MemberStatus.CONFIRMED}, MemberStatus.REFUSED),
    ),
)
