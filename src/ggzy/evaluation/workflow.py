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


DRAW = Workflow(
    "draw",
    DrawStatus,
    table(
        ("run", {DrawStatus.COMMITTED}, DrawStatus.DRAWN),
        ("reveal", {DrawStatus.DRAWN}, DrawStatus.REVEALED),
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
