"""Every SELECT of the award domain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.award.models import AwardCandidate, AwardContract, AwardNotice, AwardObjection, AwardResult, ExpertFee
from ggzy.kit.errors import NotFound
from ggzy.projects.models import Project, Section, TenderProject


def section_by_code(session: Session, code: str) -> tuple[Section, TenderProject, Project]:
    row = session.execute(
        select(Section, TenderProject, Project)
        .join(TenderProject, TenderProject.id == Section.tender_project_id)
        .join(Project, Project.id == TenderProject.project_id)
        .where(Section.code == code)
    ).first()
    if row is None:
        raise NotFound(f"标段 {code} 不存在。", code="award.section_not_found")
    return row[0], row[1], row[2]


def result_of(session: Session, section_id: int, *, lock: bool = False) -> AwardResult | None:
    stmt = select(AwardResult).where(AwardResult.section_id == section_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def candidates(session: Session, result_id: int) -> list[AwardCandidate]:
    stmt = select(AwardCandidate).where(AwardCandidate.result_id == result_id).order_by(AwardCandidate.rank)
    return list(session.execute(stmt).scalars())


def objections(session: Session, result_id: int, entity_id: int | None = None) -> list[AwardObjection]:
    stmt = select(AwardObjection).where(AwardObjection.result_id == result_id).order_by(AwardObjection.id)
    if entity_id is not None:
        stmt = stmt.where(AwardObjection.entity_id == entity_id)
    return list(session.execute(stmt).scalars())


def notices(session: Session, result_id: int) -> list[AwardNotice]:
    stmt = select(AwardNotice).where(AwardNotice.result_id == result_id).order_by(AwardNotice.id)
    return list(session.execute(stmt).scalars())


def contract(session: Session, result_id: int) -> AwardContract | None:
    return session.execute(select(AwardContract).where(AwardContract.result_id == result_id)).scalar_one_or_none()


def fees(session: Session, section_id: int) -> list[ExpertFee]:
    stmt = select(ExpertFee).where(ExpertFee.section_id == section_id).order_by(ExpertFee.expert_id)
    return list(session.execute(stmt).scalars())


def due(session: Session, now: dt.datetime, limit: int) -> list[int]:
    stmt = (
        select(AwardResult.id)
        .where(AwardResult.next_check.is_not(None), AwardResult.next_check <= now)
        .order_by(AwardResult.next_check)
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def public_results(session: Session, limit: int = 50) -> list[tuple[AwardResult, Section, TenderProject]]:
    """Sections whose candidates have been publicized, newest first."""
    stmt = (
        select(AwardResult, Section, TenderProject)
        .join(Section, Section.id == AwardResult.section_id)
        .join(TenderProject, TenderProject.id == Section.tender_project_id)
        .where(AwardResult.publicity_start.is_not(None))
        .order_by(AwardResult.publicity_start.desc())
        .limit(limit)
    )
    return [(r, s, tp) for r, s, tp in session.execute(stmt).all()]
