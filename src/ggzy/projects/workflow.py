"""Status tables for announcements and sections (pure: no session, no clock)."""

from __future__ import annotations

from enum import StrEnum

from ggzy.kit.workflow import Workflow, table


class AnnouncementStatus(StrEnum):
    DRAFT = "draft"
    UNDER_REVIEW = "under_review"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"  # a newer version (变更/澄清) replaced it; it stays published history
    WITHDRAWN = "withdrawn"  # cancelled before publication


class SectionStatus(StrEnum):
    DRAFT = "draft"
    ANNOUNCED = "announced"  # documents obtainable, bids may be prepared
    CLOSED = "closed"  # the bid deadline has passed: waiting for the opening
    TERMINATED = "terminated"  # 终止招标 with a reason (T-11)
    CANCELLED = "cancelled"  # withdrawn before any publication


ANNOUNCEMENT = Workflow(
    "announcement",
    AnnouncementStatus,
    table(
        ("submit", {AnnouncementStatus.DRAFT}, AnnouncementStatus.UNDER_REVIEW),
        ("reject", {AnnouncementStatus.UNDER_REVIEW}, AnnouncementStatus.DRAFT),
        ("publish", {AnnouncementStatus.UNDER_REVIEW}, AnnouncementStatus.PUBLISHED),
        ("supersede", {AnnouncementStatus.PUBLISHED}, AnnouncementStatus.SUPERSEDED),
        ("withdraw", {AnnouncementStatus.DRAFT, AnnouncementStatus.UNDER_REVIEW}, AnnouncementStatus.WITHDRAWN),
    ),
)


def deadline_passed(section, ctx) -> str | None:
    """Bids are received until the deadline, to the millisecond, by the server clock (E-9, 法 第二十八条)."""
    return None if ctx["now"] >= section.bid_deadline else "投标截止时间未到，不能截标。"


def reason_given(_section, ctx) -> str | None:
    """终止招标须公告理由（条例 第三十一条，T-11）."""
    return None if (ctx.get("reason") or "").strip() else "终止招标须写明理由（招标投标法实施条例 第三十一条）。"


SECTION = Workflow(
    "section",
    SectionStatus,
    table(
        ("announce", {SectionStatus.DRAFT}, SectionStatus.ANNOUNCED),
        ("close", {SectionStatus.ANNOUNCED}, SectionStatus.CLOSED, (deadline_passed,)),
        ("terminate", {SectionStatus.ANNOUNCED, SectionStatus.CLOSED}, SectionStatus.TERMINATED, (reason_given,)),
        ("cancel", {SectionStatus.DRAFT}, SectionStatus.CANCELLED),
    ),
)
