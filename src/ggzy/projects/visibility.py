"""What each viewer sees of a tender project. Nobody — tenderee, agency, staff, regulator — is shown who or
how many downloaded, asked or paid before the opening (招标投标法 第二十二条; E-8)."""

from __future__ import annotations

import base64

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.centers.models import Center
from ggzy.projects.models import Announcement, Document, Project, Question, TenderProject
from ggzy.projects.repository import PUBLIC_STATUSES
from ggzy.projects.rulesets import rule_set
from ggzy.projects.schemas import AnnouncementPublic, DocumentPublic, QAPublic, SectionPublic, TenderProjectPublic
from ggzy.projects.service import sections_of
from ggzy.registry.models import Entity


def tender_project_view(session: Session, tp: TenderProject, *, owner: bool, reviewer: bool) -> TenderProjectPublic:
    """The public shape; the owner also sees drafts and unanswered questions (never who asked)."""
    project = session.get(Project, tp.project_id)
    center = session.get(Center, tp.center_id)
    assert project is not None and center is not None
    names = dict(
        session.execute(
            select(Entity.id, Entity.name).where(
                Entity.id.in_([i for i in (project.tenderee_id, project.agency_id) if i])
            )
        ).all()
    )
    rules = rule_set(tp.rule_set)
    stmt = select(Announcement).where(Announcement.tender_project_id == tp.id).order_by(Announcement.version)
    if not owner and not reviewer:
        stmt = stmt.where(Announcement.status.in_(PUBLIC_STATUSES))
    announcements = [
        AnnouncementPublic(
            version=a.version,
            kind=a.kind,
            status=a.status,
            title=a.title,
            body=a.body,
            published_at=a.published_at,
            content_hash=a.content_hash,
            signature=base64.b64encode(a.signature).decode() if a.signature else None,
        )
        for a in session.execute(stmt).scalars()
    ]
    docs = select(Document).where(Document.tender_project_id == tp.id).order_by(Document.id)
    if not owner:
        docs = docs.where(Document.announcement_id.is_not(None))
    documents = [
        DocumentPublic(id=d.id, name=d.name, media_type=d.media_type, size=d.size, sha256=d.sha256, sm3=d.sm3)
        for d in session.execute(docs).scalars()
    ]
    qs = select(Question).where(Question.tender_project_id == tp.id).order_by(Question.id)
    if not owner:
        qs = qs.where(Question.answer.is_not(None))
    questions = [
        QAPublic(id=q.id, text=q.text, asked_at=q.asked_at, answer=q.answer, answered_at=q.answered_at)
        for q in session.execute(qs).scalars()
    ]
    sections = [
        SectionPublic(
            code=s.code,
            name=s.name,
            estimate_fen=s.estimate_fen,
            status=s.status,
            documents_from=s.documents_from,
            documents_until=s.documents_until,
            bid_deadline=s.bid_deadline,
            deposit_fen=s.deposit_fen,
            deposit_forms=[f for f in s.deposit_forms.split(",") if f],
            ceiling_fen=s.ceiling_fen,
            terminated_reason=s.terminated_reason,
        )
        for s in sections_of(session, tp)
        if owner or reviewer or s.status != "draft"
    ]
    return TenderProjectPublic(
        code=tp.code,
        name=tp.name,
        project_code=project.code,
        project_name=project.name,
        transaction_type=project.transaction_type,
        transaction_type_label=rules.transaction_type.label,
        rule_set=rules.key,
        rule_set_label=rules.label,
        center=center.code,
        tenderee=names.get(project.tenderee_id, ""),
        agency=names.get(project.agency_id) if project.agency_id else None,
        estimate_fen=tp.estimate_fen,
        sections=sections,
        announcements=announcements,
        documents=documents,
        questions=questions,
    )


def is_public(session: Session, tp: TenderProject) -> bool:
    return (
        session.execute(
            select(Announcement.id).where(
                Announcement.tender_project_id == tp.id, Announcement.status.in_(PUBLIC_STATUSES)
            )
        ).first()
        is not None
    )
