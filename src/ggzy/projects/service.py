"""Use cases before the bids: projects, sections, announcements (draft → review → published, versions),
documents, downloads, questions. Each state change records one audit event."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ggzy.audit.chain import canonical_json
from ggzy.audit.service import record, register_confidential
from ggzy.authz.scope import CenterScope
from ggzy.centers import service as centers
from ggzy.centers.models import Center
from ggzy.deposits import service as deposits
from ggzy.kit.actor import CHRONOGRAPH, Actor
from ggzy.kit.clock import to_shanghai
from ggzy.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ggzy.kit.signing import PlatformKey
from ggzy.projects import codes, policies
from ggzy.projects.models import (
    Announcement,
    Document,
    Download,
    Notification,
    Project,
    Question,
    Section,
    TenderProject,
)
from ggzy.projects.rulesets import DepositForm, RuleSet, TransactionType, rule_set
from ggzy.projects.workflow import ANNOUNCEMENT, SECTION, AnnouncementStatus, SectionStatus
from ggzy.registry.models import Entity

register_confidential("projects:document:downloaded", "projects:question:asked")

# Run for each section a tender announcement puts on sale, in the publishing transaction; a callback that
# raises refuses the publication (the bidding key ceremony registers one: no section nobody can open).
on_section_announced: list[Callable[..., Any]] = []


# --- projects, tender projects, sections ------------------------------------------------------------


def _unused(session: Session, model: type, code: str) -> str:
    """Codes are unique and immutable (cn-standards §3.3): an assigned code may not be taken already."""
    if session.execute(select(model.id).where(model.code == code)).first() is not None:
        raise Conflict(f"编号 {code} 已被使用：编号唯一且不可更改。", code="projects.code_taken")
    return code


def _entity(session: Session, entity_id: int) -> Entity:
    entity = session.get(Entity, entity_id)
    if entity is None:
        raise NotFound(f"市场主体 {entity_id} 不存在。", code="registry.not_found")
    return entity


def create_project(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    acting_entity_id: int,
    center_code: str,
    name: str,
    transaction_type: str,
    tenderee_id: int | None = None,
    assigned_code: str | None = None,
) -> Project:
    """A tenderee registers a project, or an agency registers one for the tenderee that entrusted it.

    ``assigned_code`` is a code issued by the provincial 赋码 service; without one the platform issues it."""
    try:
        ttype = TransactionType(transaction_type)
    except ValueError:
        raise ValidationFailed(
            f"交易类型须为：{'、'.join(t.value for t in TransactionType)}。", code="projects.bad_type"
        ) from None
    if not name.strip():
        raise ValidationFailed("请填写项目名称。", code="projects.name_required")
    center = centers.current_center(session, centers.get_center(session, center_code))
    acting = _entity(session, acting_entity_id)
    tenderee = _entity(session, tenderee_id) if tenderee_id and tenderee_id != acting.id else acting
    agency_id = acting.id if tenderee.id != acting.id else None
    if agency_id is not None and ",agency," not in acting.roles:
        raise Forbidden("只有招标代理机构可以代招标人登记项目。", code="projects.not_agency")
    day = to_shanghai(now).date()
    prefix = f"P{center.region_code or '520000'}{day:%y%m%d}"
    serial = session.execute(select(func.count(Project.id)).where(Project.code.startswith(prefix))).scalar_one() + 1
    project = Project(
        code=_unused(session, Project, codes.check_code(assigned_code, kind="project"))
        if assigned_code
        else codes.project_code(center.region_code or "520000", day, serial),
        name=name.strip(),
        center_id=center.id,
        region_code=center.region_code or "520000",
        tenderee_id=tenderee.id,
        agency_id=agency_id,
        transaction_type=ttype.value,
        created_by=actor.account_id,
        created_at=now,
    )
    session.add(project)
    session.flush()
    record(
        session,
        tag="projects:project:created",
        actor=actor,
        now=now,
        subject_id=project.code,
        center_id=center.id,
        payload={"name": project.name, "type": ttype.value, "tenderee": tenderee.id, "agency": agency_id},
    )
    return project


def may_manage(project: Project, entity_id: int) -> bool:
    return entity_id in (project.tenderee_id, project.agency_id)


def _own_project(session: Session, code: str, entity_id: int) -> Project:
    project = session.execute(select(Project).where(Project.code == code)).scalar_one_or_none()
    if project is None or not may_manage(project, entity_id):
        raise NotFound(f"项目 {code} 不存在或不属于您的单位。", code="projects.not_found")
    return project


def add_tender_project(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    entity_id: int,
    project_code: str,
    name: str,
    rule_set_key: str,
    estimate_fen: int,
    assigned_code: str | None = None,
) -> TenderProject:
    project = _own_project(session, project_code, entity_id)
    rules = rule_set(rule_set_key)
    if rules.transaction_type.value != project.transaction_type:
        raise ValidationFailed(
            f"规则集 {rules.label} 不适用于{TransactionType(project.transaction_type).label}项目。",
            code="projects.rule_set_mismatch",
        )
    if estimate_fen <= 0:
        raise ValidationFailed("请填写估算价或预算金额（元）。", code="projects.estimate_required")
    n = session.execute(select(func.count(TenderProject.id)).where(TenderProject.project_id == project.id)).scalar_one()
    tp = TenderProject(
        project_id=project.id,
        center_id=project.center_id,
        code=_unused(
            session, TenderProject, codes.check_code(assigned_code, kind="tender_project", parent=project.code)
        )
        if assigned_code
        else codes.child_code(project.code, n + 1),
        name=name.strip() or project.name,
        rule_set=rules.key,
        estimate_fen=estimate_fen,
        created_at=now,
    )
    session.add(tp)
    session.flush()
    record(
        session,
        tag="projects:tender_project:created",
        actor=actor,
        now=now,
        subject_id=tp.code,
        center_id=tp.center_id,
        payload={"name": tp.name, "rule_set": rules.key, "estimate_fen": estimate_fen},
    )
    return tp


def get_tender_project(session: Session, code: str) -> TenderProject:
    tp = session.execute(select(TenderProject).where(TenderProject.code == code)).scalar_one_or_none()
    if tp is None:
        raise NotFound(f"招标项目 {code} 不存在。", code="projects.not_found")
    return tp


def _own_tender_project(session: Session, code: str, entity_id: int) -> tuple[Project, TenderProject]:
    tp = get_tender_project(session, code)
    project = session.get(Project, tp.project_id)
    assert project is not None
    if not may_manage(project, entity_id):
        raise NotFound(f"招标项目 {code} 不存在或不属于您的单位。", code="projects.not_found")
    return project, tp


def add_section(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    entity_id: int,
    tender_project_code: str,
    name: str,
    estimate_fen: int,
    assigned_code: str | None = None,
) -> Section:
    _, tp = _own_tender_project(session, tender_project_code, entity_id)
    if estimate_fen <= 0:
        raise ValidationFailed("请填写标段（包）估算价或预算金额。", code="projects.estimate_required")
    n = session.execute(select(func.count(Section.id)).where(Section.tender_project_id == tp.id)).scalar_one()
    section = Section(
        tender_project_id=tp.id,
        center_id=tp.center_id,
        code=_unused(session, Section, codes.check_code(assigned_code, kind="section", parent=tp.code))
        if assigned_code
        else codes.child_code(tp.code, n + 1),
        name=name.strip() or tp.name,
        estimate_fen=estimate_fen,
        status=SectionStatus.DRAFT.value,
    )
    session.add(section)
    session.flush()
    record(
        session,
        tag="projects:section:created",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={"name": section.name, "estimate_fen": estimate_fen},
    )
    return section


def sections_of(session: Session, tp: TenderProject) -> list[Section]:
    return list(
        session.execute(select(Section).where(Section.tender_project_id == tp.id).order_by(Section.code)).scalars()
    )


# --- announcements --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionTerms:
    """What an announcement fixes for one section."""

    code: str
    documents_from: dt.datetime
    documents_until: dt.datetime | None
    bid_deadline: dt.datetime
    deposit_fen: int
    deposit_forms: frozenset[DepositForm]
    ceiling_fen: int | None = None  # 最高投标限价 (条例 第二十七条), optional

    def as_json(self) -> dict[str, Any]:
        # No key without a ceiling: announcements signed before the field existed rebuild byte for byte.
        ceiling = {} if self.ceiling_fen is None else {"ceiling_fen": self.ceiling_fen}
        return {
            "code": self.code,
            "documents_from": self.documents_from.isoformat(),
            "documents_until": self.documents_until.isoformat() if self.documents_until else None,
            "bid_deadline": self.bid_deadline.isoformat(),
            "deposit_fen": self.deposit_fen,
            "deposit_forms": sorted(self.deposit_forms),
            **ceiling,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> SectionTerms:
        return cls(
            raw["code"],
            dt.datetime.fromisoformat(raw["documents_from"]),
            dt.datetime.fromisoformat(raw["documents_until"]) if raw.get("documents_until") else None,
            dt.datetime.fromisoformat(raw["bid_deadline"]),
            int(raw["deposit_fen"]),
            frozenset(DepositForm(f) for f in raw["deposit_forms"]),
            int(raw["ceiling_fen"]) if raw.get("ceiling_fen") is not None else None,
        )


def _check_terms(
    session: Session, tp: TenderProject, rules: RuleSet, terms: list[SectionTerms], now: dt.datetime
) -> None:
    own = {s.code: s for s in sections_of(session, tp)}
    if not terms:
        raise ValidationFailed("公告须至少包含一个标段（包）的时间安排。", code="projects.no_sections")
    center = session.get(Center, tp.center_id)
    assert center is not None
    cal = centers.working_calendar(session, center)
    for t in terms:
        section = own.get(t.code)
        if section is None:
            raise ValidationFailed(f"标段（包）{t.code} 不属于招标项目 {tp.code}。", code="projects.section_unknown")
        policies.check_schedule(
            rules, cal, policies.Schedule(t.documents_from, t.documents_until, t.bid_deadline), now=now
        )
        policies.check_deposit(
            rules, amount_fen=t.deposit_fen, base_fen=section.estimate_fen, forms=set(t.deposit_forms)
        )
        if t.ceiling_fen is not None and t.ceiling_fen <= 0:
            raise ValidationFailed(
                f"标段（包）{t.code} 的最高投标限价须大于 0；不设最高投标限价请留空（不得设最低投标限价，"
                "《招标投标法实施条例》第二十七条）。",
                code="projects.bad_ceiling",
            )


def _latest(session: Session, tp: TenderProject) -> Announcement | None:
    return session.execute(
        select(Announcement)
        .where(Announcement.tender_project_id == tp.id)
        .order_by(Announcement.version.desc())
        .limit(1)
    ).scalar_one_or_none()


def draft_announcement(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    entity_id: int,
    tender_project_code: str,
    title: str,
    body: str,
    terms: list[SectionTerms],
    kind: str = "tender",
    affects_bids: bool = True,
) -> Announcement:
    """Write a draft (first announcement, or an amendment/clarification of a published one)."""
    _, tp = _own_tender_project(session, tender_project_code, entity_id)
    rules = rule_set(tp.rule_set)
    latest = _latest(session, tp)
    if latest is not None and latest.status in (AnnouncementStatus.DRAFT, AnnouncementStatus.UNDER_REVIEW):
        raise Conflict(
            f"招标项目 {tp.code} 已有未发布的公告（第 {latest.version} 版）：请先提交或撤回。",
            code="projects.draft_exists",
        )
    if kind == "tender" and latest is not None and latest.status == AnnouncementStatus.PUBLISHED:
        raise Conflict(
            "招标公告已发布：变更请发布澄清或修改公告（新版本），已发布内容不可编辑。",
            code="projects.already_published",
        )
    if kind in ("amendment", "clarification") and (latest is None or latest.status != AnnouncementStatus.PUBLISHED):
        raise ValidationFailed("只能对已发布的公告发布澄清或修改。", code="projects.nothing_to_amend")
    if kind not in ("tender", "amendment", "clarification"):
        raise ValidationFailed("公告类型须为 tender、amendment 或 clarification。", code="projects.bad_kind")
    if not title.strip() or not body.strip():
        raise ValidationFailed("请填写公告标题和正文。", code="projects.text_required")
    if kind == "tender":
        _check_terms(session, tp, rules, terms, now)
    a = Announcement(
        tender_project_id=tp.id,
        center_id=tp.center_id,
        version=(latest.version + 1) if latest else 1,
        kind=kind,
        status=AnnouncementStatus.DRAFT.value,
        title=title.strip(),
        body=body.strip(),
        schedule=canonical_json([t.as_json() for t in terms]),
        affects_bids=affects_bids,
        created_at=now,
    )
    session.add(a)
    session.flush()
    record(
        session,
        tag="projects:announcement:drafted",
        actor=actor,
        now=now,
        subject_id=f"{tp.code}/v{a.version}",
        center_id=tp.center_id,
        payload={"kind": kind, "title": a.title},
    )
    return a


def _announcement(session: Session, tp: TenderProject, version: int) -> Announcement:
    a = session.execute(
        select(Announcement).where(Announcement.tender_project_id == tp.id, Announcement.version == version)
    ).scalar_one_or_none()
    if a is None:
        raise NotFound(f"公告 {tp.code} 第 {version} 版不存在。", code="projects.announcement_not_found")
    return a


def _move(
    session: Session,
    a: Announcement,
    transition: str,
    *,
    actor: Actor,
    now: dt.datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    decision = ANNOUNCEMENT.decide(a, AnnouncementStatus(a.status), transition, {"now": now})
    a.status = decision.target.value
    tp = session.get(TenderProject, a.tender_project_id)
    record(
        session,
        tag=f"projects:announcement:{transition}",
        actor=actor,
        now=now,
        subject_id=f"{tp.code if tp else a.tender_project_id}/v{a.version}",
        center_id=a.center_id,
        payload={"kind": a.kind, **(payload or {})},
    )


def submit_announcement(
    session: Session, *, actor: Actor, now: dt.datetime, entity_id: int, tender_project_code: str, version: int
) -> Announcement:
    _, tp = _own_tender_project(session, tender_project_code, entity_id)
    a = _announcement(session, tp, version)
    if a.kind == "tender":
        _check_terms(
            session, tp, rule_set(tp.rule_set), [SectionTerms.from_json(t) for t in json.loads(a.schedule)], now
        )
    a.submitted_at = now
    _move(session, a, "submit", actor=actor, now=now)
    return a


def review_queue(session: Session, scope: CenterScope) -> list[tuple[Announcement, TenderProject]]:
    rows = session.execute(
        select(Announcement, TenderProject)
        .join(TenderProject)
        .where(
            Announcement.status == AnnouncementStatus.UNDER_REVIEW.value, Announcement.center_id.in_(scope.center_ids)
        )
        .order_by(Announcement.submitted_at)
    ).all()
    return [(a, tp) for a, tp in rows]


def reject_announcement(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    scope: CenterScope,
    tender_project_code: str,
    version: int,
    note: str,
) -> Announcement:
    tp = get_tender_project(session, tender_project_code)
    if not scope.covers(tp.center_id):
        raise NotFound(f"招标项目 {tp.code} 不在您的审核范围内。", code="projects.not_found")
    if not note.strip():
        raise ValidationFailed("退回须写明理由，以便招标人修改。", code="projects.note_required")
    a = _announcement(session, tp, version)
    a.review_note = note.strip()
    _move(session, a, "reject", actor=actor, now=now, payload={"note": a.review_note})
    return a


def announcement_text(tp: TenderProject, a: Announcement, documents: list[Document]) -> bytes:
    """The exact bytes the platform signs for a published announcement (documents bound by their hashes)."""
    return canonical_json(
        {
            "tender_project": tp.code,
            "version": a.version,
            "kind": a.kind,
            "title": a.title,
            "body": a.body,
            "schedule": json.loads(a.schedule),
            # Always UTC: the time reads back from the database as UTC, whatever zone it was given in.
            "published_at": a.published_at.astimezone(dt.UTC).isoformat() if a.published_at else None,
            "documents": [{"name": d.name, "sha256": d.sha256, "sm3": d.sm3, "size": d.size} for d in documents],
        }
    ).encode()


def publish_announcement(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    scope: CenterScope,
    key: PlatformKey,
    tender_project_code: str,
    version: int,
    publish_key: str,
) -> Announcement:
    """Center review passes: publish, sign, apply the schedule. A retried request publishes once (publish_key)."""
    tp = get_tender_project(session, tender_project_code)
    if not scope.covers(tp.center_id):
        raise NotFound(f"招标项目 {tp.code} 不在您的审核范围内。", code="projects.not_found")
    again = session.execute(select(Announcement).where(Announcement.publish_key == publish_key)).scalar_one_or_none()
    if again is not None:
        if again.tender_project_id != tp.id or again.version != version:
            raise Conflict("此幂等键已用于另一份公告。", code="projects.publish_key_reused")
        return again
    a = _announcement(session, tp, version)
    rules = rule_set(tp.rule_set)
    previous = session.execute(
        select(Announcement).where(
            Announcement.tender_project_id == tp.id, Announcement.status == AnnouncementStatus.PUBLISHED.value
        )
    ).scalar_one_or_none()
    a.published_at, a.publish_key = now, publish_key
    changes = _apply(session, tp, rules, a, now)
    for s in sections_of(session, tp) if a.kind == "tender" else ():
        for hook in on_section_announced:
            hook(session, section=s, actor=actor, now=now, key=key)
    if previous is not None:
        _move(session, previous, "supersede", actor=actor, now=now, payload={"by_version": a.version})
    documents = list(
        session.execute(select(Document).where(Document.tender_project_id == tp.id).order_by(Document.id)).scalars()
    )
    for d in documents:
        d.announcement_id = d.announcement_id or a.id
    text = announcement_text(tp, a, documents)
    a.content_hash = hashlib.sha256(text).hexdigest()
    a.signature = key.sign(text)
    _move(session, a, "publish", actor=actor, now=now, payload={"content_hash": a.content_hash, **changes})
    if a.kind != "tender":
        notify_downloaders(
            session,
            tp=tp,
            now=now,
            title=f"【{'澄清' if a.kind == 'clarification' else '修改'}】{a.title}",
            body=changes.get("extension") or a.body[:500],
        )
    return a


def _apply(session: Session, tp: TenderProject, rules: RuleSet, a: Announcement, now: dt.datetime) -> dict[str, Any]:
    """Put a published announcement's terms into effect on its sections."""
    by_code = {s.code: s for s in sections_of(session, tp)}
    if a.kind == "tender":
        for raw in json.loads(a.schedule):
            t = SectionTerms.from_json(raw)
            s = by_code[t.code]
            decision = SECTION.decide(s, SectionStatus(s.status), "announce", {"now": now})
            s.status = decision.target.value
            s.documents_from, s.documents_until, s.bid_deadline = t.documents_from, t.documents_until, t.bid_deadline
            s.deposit_fen, s.deposit_forms = t.deposit_fen, ",".join(sorted(t.deposit_forms))
            s.ceiling_fen = t.ceiling_fen
            s.next_check = t.bid_deadline
        return {"sections": sorted(by_code)}
    # T-5/G-5: a late clarification that may affect bids moves every open section's deadline.
    center = session.get(Center, tp.center_id)
    assert center is not None
    cal = centers.working_calendar(session, center)
    moved: dict[str, str] = {}
    reasons = []
    for s in by_code.values():
        if s.status != SectionStatus.ANNOUNCED.value or s.bid_deadline is None:
            continue
        if s.bid_deadline <= now:
            raise ValidationFailed(
                f"标段 {s.code} 已过投标截止时间，不能再澄清或修改。", code="projects.after_deadline"
            )
        effect = policies.clarification_effect(
            rules, cal, published_at=now, deadline=s.bid_deadline, affects_bids=a.affects_bids
        )
        if effect.extended:
            s.bid_deadline = s.next_check = effect.deadline
            moved[s.code] = effect.deadline.isoformat()
            reasons.append(effect.reason)
    return {"extended": moved, "extension": "；".join(dict.fromkeys(reasons))} if moved else {}


def withdraw_announcement(
    session: Session, *, actor: Actor, now: dt.datetime, entity_id: int, tender_project_code: str, version: int
) -> Announcement:
    _, tp = _own_tender_project(session, tender_project_code, entity_id)
    a = _announcement(session, tp, version)
    _move(session, a, "withdraw", actor=actor, now=now)
    return a


def terminate_section(
    session: Session, *, actor: Actor, now: dt.datetime, entity_id: int, section_code: str, reason: str
) -> Section:
    """终止招标 with a published reason (条例 第三十一条, T-11); deposits are then refunded by the deposit rules."""
    section = session.execute(select(Section).where(Section.code == section_code)).scalar_one_or_none()
    if section is None:
        raise NotFound(f"标段 {section_code} 不存在。", code="projects.not_found")
    tp = session.get(TenderProject, section.tender_project_id)
    assert tp is not None
    _own_tender_project(session, tp.code, entity_id)
    decision = SECTION.decide(section, SectionStatus(section.status), "terminate", {"now": now, "reason": reason})
    section.status, section.terminated_reason, section.next_check = decision.target.value, reason.strip(), None
    record(
        session,
        tag="projects:section:terminated",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={"reason": section.terminated_reason},
    )
    deposits.schedule_refunds(session, section, "termination", now, actor=actor)
    notify_downloaders(session, tp=tp, now=now, title=f"【终止】{section.name}", body=section.terminated_reason or "")
    return section


# --- deadlines (chronograph) ----------------------------------------------------------------------------


def due_sections(session: Session, now: dt.datetime, limit: int) -> list[int]:
    return list(
        session.execute(
            select(Section.id)
            .where(Section.next_check.is_not(None), Section.next_check <= now)
            .order_by(Section.next_check)
            .limit(limit)
        ).scalars()
    )


def close_section(session: Session, section_id: int, now: dt.datetime) -> bool:
    """At the bid deadline the section closes; a second run finds it closed and does nothing."""
    section = session.get(Section, section_id, with_for_update=True)  # one worker closes it
    if (
        section is None
        or section.status != SectionStatus.ANNOUNCED.value
        or section.bid_deadline is None
        or section.bid_deadline > now
    ):
        return False
    section.status = SECTION.decide(section, SectionStatus.ANNOUNCED, "close", {"now": now}).target.value
    section.next_check = None
    record(
        session,
        tag="projects:section:closed",
        actor=CHRONOGRAPH,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={"bid_deadline": section.bid_deadline.isoformat()},
    )
    return True


# --- documents, downloads, questions --------------------------------------------------------------------


def add_document(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    entity_id: int,
    tender_project_code: str,
    name: str,
    media_type: str,
    sha256: str,
    sm3: str,
    size: int,
) -> Document:
    _, tp = _own_tender_project(session, tender_project_code, entity_id)
    if not name.strip() or "/" in name or "\\" in name or name.startswith("."):
        raise ValidationFailed("文件名无效：不能为空，不能包含路径分隔符。", code="projects.bad_file_name")
    doc = Document(
        tender_project_id=tp.id,
        name=name.strip(),
        media_type=media_type or "application/octet-stream",
        sha256=sha256,
        sm3=sm3,
        size=size,
        uploaded_at=now,
    )
    session.add(doc)
    session.flush()
    record(
        session,
        tag="projects:document:added",
        actor=actor,
        now=now,
        subject_id=tp.code,
        center_id=tp.center_id,
        payload={"name": doc.name, "sha256": sha256, "sm3": sm3, "size": size},
    )
    return doc


def published_documents(session: Session, tp: TenderProject) -> list[Document]:
    return list(
        session.execute(
            select(Document)
            .where(Document.tender_project_id == tp.id, Document.announcement_id.is_not(None))
            .order_by(Document.id)
        ).scalars()
    )


def record_download(
    session: Session, *, actor: Actor, now: dt.datetime, document: Document, entity_id: int | None
) -> None:
    """Who downloaded is kept for notifications and for the record; the tenderee never sees it before opening."""
    session.add(
        Download(
            document_id=document.id,
            tender_project_id=document.tender_project_id,
            entity_id=entity_id,
            account_id=actor.account_id,
            at=now,
        )
    )
    record(
        session,
        tag="projects:document:downloaded",
        actor=actor,
        now=now,
        subject_id=document.sha256,
        payload={"document": document.id, "entity": entity_id},
    )


def notify_downloaders(session: Session, *, tp: TenderProject, now: dt.datetime, title: str, body: str) -> int:
    entity_ids = set(
        session.execute(
            select(Download.entity_id).where(Download.tender_project_id == tp.id, Download.entity_id.is_not(None))
        ).scalars()
    )
    session.add_all(
        Notification(entity_id=e, tender_project_id=tp.id, title=title, body=body, at=now) for e in sorted(entity_ids)
    )
    return len(entity_ids)


def ask(
    session: Session, *, actor: Actor, now: dt.datetime, entity_id: int, tender_project_code: str, text: str
) -> Question:
    tp = get_tender_project(session, tender_project_code)
    if not text.strip() or len(text) > 5000:
        raise ValidationFailed("问题内容不能为空，且不超过 5000 字。", code="projects.bad_question")
    open_sections = [s for s in sections_of(session, tp) if s.status == SectionStatus.ANNOUNCED.value]
    if not open_sections:
        raise ValidationFailed("该招标项目当前不在投标期内，不能提问。", code="projects.not_open")
    q = Question(tender_project_id=tp.id, asker_entity_id=entity_id, text=text.strip(), asked_at=now)
    session.add(q)
    session.flush()
    # The asker is in the audit chain (E-18) but never in what the tenderee is shown.
    record(
        session,
        tag="projects:question:asked",
        actor=actor,
        now=now,
        subject_id=q.id,
        center_id=tp.center_id,
        payload={"tender_project": tp.code},
    )
    return q


def answer(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    entity_id: int,
    tender_project_code: str,
    question_id: int,
    text: str,
) -> Question:
    """Answers go to every downloader and become part of the documents (as a published clarification)."""
    _, tp = _own_tender_project(session, tender_project_code, entity_id)
    q = session.get(Question, question_id)
    if q is None or q.tender_project_id != tp.id:
        raise NotFound("问题不存在。", code="projects.question_not_found")
    if q.answer is not None:
        raise Conflict("该问题已答复；补充说明请发布澄清公告。", code="projects.already_answered")
    if not text.strip():
        raise ValidationFailed("答复内容不能为空。", code="projects.bad_answer")
    q.answer, q.answered_at = text.strip(), now
    record(
        session,
        tag="projects:question:answered",
        actor=actor,
        now=now,
        subject_id=q.id,
        center_id=tp.center_id,
        payload={"tender_project": tp.code},
    )
    notify_downloaders(session, tp=tp, now=now, title="【答疑】招标文件问题答复", body=f"问：{q.text}\n答：{q.answer}")
    return q
