"""Reading projects: the queries that routes and pages share."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.centers.models import Center
from ggzy.kit.errors import ValidationFailed
from ggzy.projects.models import Announcement, Project, TenderProject
from ggzy.projects.rulesets import TransactionType

PUBLIC_STATUSES = ("published", "superseded")


def published_announcements(
    session: Session, *, transaction_type: str | None, center: str | None, before_id: int | None, limit: int
) -> list[tuple[Announcement, TenderProject, Project, Center]]:
    """Published announcements (and the versions they superseded), newest first, for the public."""
    stmt = (
        select(Announcement, TenderProject, Project, Center)
        .select_from(Announcement)
        .join(TenderProject, TenderProject.id == Announcement.tender_project_id)
        .join(Project, Project.id == TenderProject.project_id)
        .join(Center, Center.id == Announcement.center_id)
        .where(Announcement.status.in_(PUBLIC_STATUSES))
        .order_by(Announcement.id.desc())
        .limit(limit)
    )
    if before_id:
        stmt = stmt.where(Announcement.id < before_id)
    if transaction_type:
        if transaction_type not in {t.value for t in TransactionType}:
            raise ValidationFailed(
                f"交易类型须为：{'、'.join(t.value for t in TransactionType)}。", code="projects.bad_type"
            )
        stmt = stmt.where(Project.transaction_type == transaction_type)
    if center:
        stmt = stmt.where(Center.code == center.upper())
    return [(a, tp, p, c) for a, tp, p, c in session.execute(stmt).all()]
