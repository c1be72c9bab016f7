"""Decisions about submissions (pure: values in, a reason or None out)."""

from __future__ import annotations

import datetime as dt

MAX_ENVELOPE = 2 << 30  # 2 GiB: hundreds of MB of drawings and scans fit
UPLOAD_LIFETIME = dt.timedelta(hours=24)


def deadline_reason(deadline: dt.datetime | None, now: dt.datetime) -> str | None:
    """Bids are received until the deadline, to the millisecond, by the server clock; later ones are refused
    and nothing is kept (招标投标法 第二十八条, 电子招标投标办法 第二十七条, E-9/E-10)."""
    if deadline is None:
        return "该标段尚未公告投标截止时间，不能递交投标文件。"
    if now >= deadline:
        return "已过投标截止时间，平台拒收（招标投标法 第二十八条；电子招标投标办法 第二十七条）。"
    return None


def eligibility_reason(*, entity_roles: str, entity_status: str, deposit_fen: int, deposit_status: str) -> str | None:
    """Registered bidder, active, and — where the section requires one — the deposit received (条例 第二十六条)."""
    if ",bidder," not in entity_roles:
        return "您的单位未登记为投标人/供应商，不能递交投标文件：请先在市场主体信息中登记投标人身份。"
    if entity_status != "active":
        return "您的单位主体信息状态异常（非正常状态），不能递交投标文件。"
    if deposit_fen > 0 and deposit_status != "received":
        return "该标段要求投标保证金，平台尚未确认您的保证金到账（或保函有效），不能递交投标文件。"
    return None


def upload_size_reason(size: int) -> str | None:
    if size <= 0:
        return "请声明投标文件（加密信封）的大小（字节）。"
    if size > MAX_ENVELOPE:
        return f"投标文件超过 {MAX_ENVELOPE >> 20} MB 上限。"
    return None
