"""Status tables of an opening session and of each bid in it (pure: no session, no clock).

The session starts by itself at the bid deadline (招标投标法 第三十四条, E-14): too few bids → no opening
(条例 第四十四条); otherwise roll call, then the decryption window (E-11), then — for bids whose bidder's
key failed or who did not come — the custodians' remedy, then objections (E-13, 条例 第四十四条), the
record, its confirmation and publication (E-15).

Each bid ends in exactly one of decrypted / opened_by_custodians / failed_bidder (deemed 撤销) /
failed_other (deemed 撤回) — E-12, 《电子招标投标办法》第三十一条.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from ggzy.kit.workflow import Workflow, table


class OpeningStatus(StrEnum):
    SCHEDULED = "scheduled"  # the row exists, the chronograph has not yet counted the bids
    ROLL_CALL = "roll_call"  # 签到
    DECRYPTING = "decrypting"  # 解密
    CUSTODIANS = "custodians"  # 保管人补救解密
    OBJECTIONS = "objections"  # 异议
    RECORDED = "recorded"  # 开标记录已生成，待交易中心确认
    PUBLISHED = "published"  # 开标记录已公布
    FAILED_INSUFFICIENT = "failed_insufficient"  # 投标人不足，不得开标


class BidOpeningStatus(StrEnum):
    PENDING = "pending"
    DECRYPTED = "decrypted"
    FAILED_BIDDER = "failed_bidder"  # 因投标人原因解密失败：视为撤销投标文件
    FAILED_OTHER = "failed_other"  # 因投标人之外的原因解密失败：视为撤回投标文件
    OPENED_BY_CUSTODIANS = "opened_by_custodians"


STATUS_LABELS = {
    OpeningStatus.SCHEDULED: "待开标",
    OpeningStatus.ROLL_CALL: "签到中",
    OpeningStatus.DECRYPTING: "解密中",
    OpeningStatus.CUSTODIANS: "保管人补救解密中",
    OpeningStatus.OBJECTIONS: "异议受理中",
    OpeningStatus.RECORDED: "开标记录待确认",
    OpeningStatus.PUBLISHED: "开标记录已公布",
    OpeningStatus.FAILED_INSUFFICIENT: "投标人不足，不予开标",
}

BID_LABELS = {
    BidOpeningStatus.PENDING: "待解密",
    BidOpeningStatus.DECRYPTED: "已解密",
    BidOpeningStatus.FAILED_BIDDER: "解密失败（投标人原因，视为撤销）",
    BidOpeningStatus.FAILED_OTHER: "解密失败（非投标人原因，视为撤回）",
    BidOpeningStatus.OPENED_BY_CUSTODIANS: "已由密钥保管人解密",
}

FINAL_BID = frozenset(set(BidOpeningStatus) - {BidOpeningStatus.PENDING})
OPENED_BID = frozenset({BidOpeningStatus.DECRYPTED, BidOpeningStatus.OPENED_BY_CUSTODIANS})
# From here on the names and prices of every bid are published to all bidders (E-11: after all decryption).
DISCLOSED = frozenset({OpeningStatus.OBJECTIONS, OpeningStatus.RECORDED, OpeningStatus.PUBLISHED})
LIVE = frozenset(
    {OpeningStatus.ROLL_CALL, OpeningStatus.DECRYPTING, OpeningStatus.CUSTODIANS, OpeningStatus.OBJECTIONS}
)


# --- guards: each takes the session row and a context; each names its source ---------------------------


def deadline_reached(opening: Any, ctx: dict[str, Any]) -> str | None:
    """开标时间与投标截止时间相同（招标投标法 第三十四条）."""
    return None if ctx["now"] >= ctx["deadline"] else "投标截止时间未到，不能开标（招标投标法 第三十四条）。"


def enough_bids(opening: Any, ctx: dict[str, Any]) -> str | None:
    """投标人少于3个的，不得开标（条例 第四十四条）— the number comes from the rule set."""
    if ctx["bids"] >= ctx["min_bidders"]:
        return None
    return f"有效投标 {ctx['bids']} 个，少于 {ctx['min_bidders']} 个，不得开标（{ctx['min_bidders_source']}）。"


def too_few_bids(opening: Any, ctx: dict[str, Any]) -> str | None:
    return None if ctx["bids"] < ctx["min_bidders"] else "投标人数量已满足开标条件。"


def roll_call_over(opening: Any, ctx: dict[str, Any]) -> str | None:
    """All bidders signed in, the host gave the decryption instruction, or the roll-call time ran out (E-13)."""
    if ctx.get("all_signed_in") or ctx.get("instructed") or ctx["now"] >= ctx["roll_call_ends"]:
        return None
    return "签到尚未结束：仍有投标人未签到，签到时间未到。"


def decryption_over(opening: Any, ctx: dict[str, Any]) -> str | None:
    """Bidders decrypt within the window the tender documents set (E-11)."""
    if ctx.get("bidders_done") or ctx["now"] >= ctx["window_ends"]:
        return None
    return "解密时间尚未结束。"


def needs_custodians(opening: Any, ctx: dict[str, Any]) -> str | None:
    return None if ctx.get("awaiting_custodians") else "没有需要密钥保管人补救解密的投标文件。"


def all_resolved(opening: Any, ctx: dict[str, Any]) -> str | None:
    """Decryption ends when every bid has a result (E-12: failures do not stop the others)."""
    return None if ctx.get("unresolved", 0) == 0 else f"尚有 {ctx['unresolved']} 份投标文件没有解密结果。"


def objections_answered(opening: Any, ctx: dict[str, Any]) -> str | None:
    """异议当场答复并记录（条例 第四十四条）."""
    n = ctx.get("unanswered", 0)
    return None if n == 0 else f"尚有 {n} 条异议未答复：开标现场提出的异议须当场答复并记录（条例 第四十四条）。"


def objection_time_over(opening: Any, ctx: dict[str, Any]) -> str | None:
    if ctx["now"] >= ctx["objections_end"]:
        return None
    return "异议时间尚未结束。"


OPENING = Workflow(
    "opening",
    OpeningStatus,
    table(
        ("start", {OpeningStatus.SCHEDULED}, OpeningStatus.ROLL_CALL, (deadline_reached, enough_bids)),
        (
            "fail_insufficient",
            {OpeningStatus.SCHEDULED},
            OpeningStatus.FAILED_INSUFFICIENT,
            (deadline_reached, too_few_bids),
        ),
        ("begin_decryption", {OpeningStatus.ROLL_CALL}, OpeningStatus.DECRYPTING, (roll_call_over,)),
        ("call_custodians", {OpeningStatus.DECRYPTING}, OpeningStatus.CUSTODIANS, (decryption_over, needs_custodians)),
        (
            "end_decryption",
            {OpeningStatus.DECRYPTING, OpeningStatus.CUSTODIANS},
            OpeningStatus.OBJECTIONS,
            (all_resolved,),
        ),
        ("record", {OpeningStatus.OBJECTIONS}, OpeningStatus.RECORDED, (objection_time_over, objections_answered)),
        ("publish", {OpeningStatus.RECORDED}, OpeningStatus.PUBLISHED, (objections_answered,)),
    ),
)

BID = Workflow(
    "opening_bid",
    BidOpeningStatus,
    table(
        ("decrypt", {BidOpeningStatus.PENDING}, BidOpeningStatus.DECRYPTED),
        ("open_by_custodians", {BidOpeningStatus.PENDING}, BidOpeningStatus.OPENED_BY_CUSTODIANS),
        ("fail_bidder", {BidOpeningStatus.PENDING}, BidOpeningStatus.FAILED_BIDDER),
        ("fail_other", {BidOpeningStatus.PENDING}, BidOpeningStatus.FAILED_OTHER),
    ),
)


# --- who is responsible for a failed decryption (E-12) ---------------------------------------------------


class Failure(StrEnum):
    STORAGE = "storage"  # the stored ciphertext is not what was receipted: the platform's fault
    ENVELOPE = "envelope"  # the bidder's envelope opens with no key (bad tag, malformed): the bidder's fault
    PACKAGE = "package"  # the plaintext is not a package the bidder signed (or a zip bomb …): the bidder's fault
    KEY = "key"  # the bidder's content key is missing or wrong: a remedy may still open the bid
    REMEDY = "remedy"  # the custodians could not open it in time: not the bidder's fault


FAILURE_LABELS = {
    Failure.STORAGE: "平台存储的密文与投标回执不符",
    Failure.ENVELOPE: "投标人制作的加密文件无法解密",
    Failure.PACKAGE: "解密后的内容不是投标人签名的投标包",
    Failure.KEY: "投标人未在规定时间内提交有效的解密密钥",
    Failure.REMEDY: "密钥保管人未能在规定时间内完成补救解密",
}


def consequence(failure: Failure, *, remedy: bool) -> BidOpeningStatus | None:
    """The bid's end state after ``failure``; None while the custodians' remedy may still open it.

    E-12 (《电子招标投标办法》第三十一条): a failure caused by the bidder is deemed 撤销, one caused by others
    is deemed 撤回; the tender documents may define a remedy (here: the custodians' k-of-n opening key)."""
    if failure is Failure.KEY:
        return None if remedy else BidOpeningStatus.FAILED_BIDDER
    if failure in (Failure.STORAGE, Failure.REMEDY):
        return BidOpeningStatus.FAILED_OTHER
    return BidOpeningStatus.FAILED_BIDDER


def deemed(status: BidOpeningStatus) -> str | None:
    """The legal reading of a failed bid: 撤销 (bidder's fault) or 撤回 (others' fault)."""
    return {BidOpeningStatus.FAILED_BIDDER: "撤销", BidOpeningStatus.FAILED_OTHER: "撤回"}.get(status)
