"""The award's status table (pure: no session, no clock — ``now`` comes in the context)."""

from __future__ import annotations

from enum import StrEnum

from ggzy.kit.clock import to_shanghai
from ggzy.kit.workflow import Workflow, table


class AwardStatus(StrEnum):
    REPORTED = "reported"  # the evaluation report is in; candidates not yet publicized
    PUBLICIZED = "publicized"  # candidate publicity (中标候选人公示) running or ended
    SUSPENDED = "suspended"  # an objection awaits its reply: the process stands still (条例 第五十四条)
    AWARDED = "awarded"  # the tenderee has determined the winner
    NOTIFIED = "notified"  # award notice and result notices issued, result announced
    CONTRACTED = "contracted"  # the contract is recorded


STATUS_LABELS = {
    AwardStatus.REPORTED: "评标报告已提交",
    AwardStatus.PUBLICIZED: "中标候选人公示",
    AwardStatus.SUSPENDED: "异议处理中（暂停）",
    AwardStatus.AWARDED: "已确定中标人",
    AwardStatus.NOTIFIED: "已发出中标通知书",
    AwardStatus.CONTRACTED: "合同已备案",
}


def _t(when) -> str:
    return f"{to_shanghai(when):%Y-%m-%d %H:%M}"


def within_publicity(result, ctx) -> str | None:
    """Objections to the candidates are raised during the publicity period (条例 第五十四条第二款, T-16)."""
    now = ctx["now"]
    if now < result.publicity_start:
        return "公示尚未开始，不能提出异议。"
    if now >= result.publicity_end:
        return (
            f"异议应当在中标候选人公示期间提出（招标投标法实施条例 第五十四条）：公示期已于 {_t(result.publicity_end)} "
            "（北京时间）结束，不再受理异议；如认为权益受损，可依法向行政监督部门投诉。"
        )
    return None


def publicity_over(result, ctx) -> str | None:
    """The winner is determined only after the publicity period (≥3 days, 条例 第五十四条, T-16)."""
    if ctx["now"] < result.publicity_end:
        return (
            f"公示期至 {_t(result.publicity_end)}（北京时间）结束，"
            "公示期满后方可确定中标人（招标投标法实施条例 第五十四条）。"
        )
    return None


def objections_answered(_result, ctx) -> str | None:
    """An objection suspends the process until it is answered (条例 第五十四条：作出答复前，应当暂停招标投标活动)."""
    n = ctx.get("open_objections", 0)
    return f"尚有 {n} 件异议未答复：答复前应当暂停招标投标活动（招标投标法实施条例 第五十四条）。" if n else None


AWARD = Workflow(
    "award",
    AwardStatus,
    table(
        ("publicize", {AwardStatus.REPORTED}, AwardStatus.PUBLICIZED),
        ("object", {AwardStatus.PUBLICIZED, AwardStatus.SUSPENDED}, AwardStatus.SUSPENDED, (within_publicity,)),
        ("resume", {AwardStatus.SUSPENDED}, AwardStatus.PUBLICIZED, (objections_answered,)),
        ("decide", {AwardStatus.PUBLICIZED}, AwardStatus.AWARDED, (publicity_over, objections_answered)),
        ("notify", {AwardStatus.AWARDED}, AwardStatus.NOTIFIED),
        ("contract", {AwardStatus.NOTIFIED}, AwardStatus.CONTRACTED),
    ),
)
