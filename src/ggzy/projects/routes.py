"""JSON API of projects before the bids: tenderee workspace, center review, public reading, bidders' questions."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.authz.scope import acting_entity, has
from ggzy.centers import service as centers
from ggzy.kit.blobs import BlobStore
from ggzy.kit.errors import Forbidden, NotFound, ValidationFailed
from ggzy.kit.money import yuan_to_fen
from ggzy.kit.paging import check_limit, decode_cursor, encode_cursor
from ggzy.projects import repository
from ggzy.projects import service as projects
from ggzy.projects.models import Document, Notification, Project, TenderProject
from ggzy.projects.rulesets import RULE_SETS, DepositForm, TransactionType
from ggzy.projects.schemas import (
    AnnouncementCreate,
    AnswerCreate,
    ProjectCreate,
    QuestionCreate,
    ReviewNote,
    SectionCreate,
    TenderProjectCreate,
    TerminateRequest,
)
from ggzy.projects.visibility import is_public, tender_project_view
from ggzy.web.context import Viewer, csrf_checked, db_session, platform_of, scope_for, signed_in, viewer

router = APIRouter(prefix="/api/v1", tags=["项目与公告"])
MANAGE = "entity:project:manage"
MAX_DOCUMENT = 200 * 1024 * 1024


def _now(request: Request) -> dt.datetime:
    return platform_of(request).clock.now()


def _blobs(request: Request) -> BlobStore:
    return BlobStore(platform_of(request).settings.blob_dir)


def _owner_of(session: Session, v: Viewer, tp: TenderProject) -> bool:
    try:
        entity_id = acting_entity(v.principal, MANAGE)
    except Forbidden:
        return False
    project = session.get(Project, tp.project_id)
    return project is not None and projects.may_manage(project, entity_id)


def _reviewer_of(session: Session, v: Viewer, tp: TenderProject) -> bool:
    return v.account is not None and has(v.principal, "center:project:review", centers.nodes(session), tp.center_id)


@router.get("/rule-sets", summary="规则集：各交易类型与方式的法定时限、保证金规则及其依据")
def list_rule_sets():
    return [
        {
            "key": r.key,
            "label": r.label,
            "transaction_type": r.transaction_type.value,
            "method": r.method,
            "limits": {
                name: {"rule": lim.rule_id, "period": lim.period.describe(), "source": lim.source, "tag": lim.tag}
                for name, lim in (
                    ("min_bid_period", r.min_bid_period),
                    ("document_availability", r.document_availability),
                    ("announcement_period", r.announcement_period),
                    ("clarification_notice", r.clarification_notice),
                )
                if lim
            },
            "min_bidders": r.min_bidders,
            "min_bidders_source": r.min_bidders_source,
            "deposit": None
            if r.deposit is None
            else {
                "cap": f"{r.deposit.cap_numerator}/{r.deposit.cap_denominator}" if r.deposit.cap_numerator else None,
                "base": r.deposit.base,
                "forms": sorted(r.deposit.forms),
                "rule": r.deposit.rule_id,
                "source": r.deposit.source,
            },
        }
        for r in RULE_SETS.values()
    ]


@router.post("/projects", status_code=201, summary="登记项目（招标人，或代理机构代招标人）")
def create_project(
    body: ProjectCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    entity_id = acting_entity(v.principal, MANAGE)
    p = projects.create_project(
        session,
        actor=v.actor,
        now=_now(request),
        acting_entity_id=entity_id,
        center_code=body.center,
        name=body.name,
        transaction_type=body.transaction_type,
        tenderee_id=body.tenderee_id,
        assigned_code=body.code,
    )
    return {"code": p.code, "name": p.name, "center": body.center.upper(), "transaction_type": p.transaction_type}


@router.get("/projects/mine", summary="本单位（招标人或代理机构）的项目")
def my_projects(session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    entity_id = acting_entity(v.principal, MANAGE)
    rows = session.execute(
        select(Project)
        .where((Project.tenderee_id == entity_id) | (Project.agency_id == entity_id))
        .order_by(Project.id.desc())
    ).scalars()
    out = []
    for p in rows:
        tps = session.execute(select(TenderProject).where(TenderProject.project_id == p.id)).scalars()
        out.append(
            {
                "code": p.code,
                "name": p.name,
                "transaction_type": p.transaction_type,
                "tender_projects": [{"code": t.code, "name": t.name, "rule_set": t.rule_set} for t in tps],
            }
        )
    return out


@router.post("/projects/{code}/tender-projects", status_code=201, summary="新增招标项目（选择规则集）")
def add_tender_project(
    code: str,
    body: TenderProjectCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    tp = projects.add_tender_project(
        session,
        actor=v.actor,
        now=_now(request),
        entity_id=acting_entity(v.principal, MANAGE),
        project_code=code,
        name=body.name,
        rule_set_key=body.rule_set,
        estimate_fen=yuan_to_fen(body.estimate),
        assigned_code=body.code,
    )
    return {"code": tp.code, "name": tp.name, "rule_set": tp.rule_set}


@router.post("/tender-projects/{code}/sections", status_code=201, summary="新增标段（包）")
def add_section(
    code: str,
    body: SectionCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    s = projects.add_section(
        session,
        actor=v.actor,
        now=_now(request),
        entity_id=acting_entity(v.principal, MANAGE),
        tender_project_code=code,
        name=body.name,
        estimate_fen=yuan_to_fen(body.estimate),
        assigned_code=body.code,
    )
    return {"code": s.code, "name": s.name, "status": s.status}


def _terms(body: AnnouncementCreate) -> list[projects.SectionTerms]:
    out = []
    for t in body.sections:
        for when in (t.documents_from, t.bid_deadline, t.documents_until):
            if when is not None and when.tzinfo is None:
                raise ValidationFailed("时间须带时区，如 2026-12-01T09:30:00+08:00。", code="projects.naive_time")
        try:
            forms = frozenset(DepositForm(f) for f in t.deposit_forms)
        except ValueError:
            raise ValidationFailed(f"保证金形式须为：{'、'.join(DepositForm)}。", code="deposits.bad_form") from None
        out.append(
            projects.SectionTerms(
                t.code,
                t.documents_from,
                t.documents_until,
                t.bid_deadline,
                yuan_to_fen(t.deposit),
                forms,
                yuan_to_fen(t.ceiling) if t.ceiling else None,
            )
        )
    return out


@router.post("/tender-projects/{code}/announcements", status_code=201, summary="起草公告（首次公告或澄清/修改）")
def draft_announcement(
    code: str,
    body: AnnouncementCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    a = projects.draft_announcement(
        session,
        actor=v.actor,
        now=_now(request),
        entity_id=acting_entity(v.principal, MANAGE),
        tender_project_code=code,
        title=body.title,
        body=body.body,
        terms=_terms(body),
        kind=body.kind,
        affects_bids=body.affects_bids,
    )
    return {"version": a.version, "status": a.status, "kind": a.kind}


@router.post("/tender-projects/{code}/announcements/{version}/submit", summary="提交交易中心审核")
def submit(
    code: str,
    version: int,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    a = projects.submit_announcement(
        session,
        actor=v.actor,
        now=_now(request),
        entity_id=acting_entity(v.principal, MANAGE),
        tender_project_code=code,
        version=version,
    )
    return {"version": a.version, "status": a.status}


@router.post("/tender-projects/{code}/announcements/{version}/withdraw", summary="撤回未发布的公告")
def withdraw(
    code: str,
    version: int,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    a = projects.withdraw_announcement(
        session,
        actor=v.actor,
        now=_now(request),
        entity_id=acting_entity(v.principal, MANAGE),
        tender_project_code=code,
        version=version,
    )
    return {"version": a.version, "status": a.status}


@router.get("/review/announcements", summary="待审核公告（交易中心）")
def review_queue(session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    scope = scope_for(session, v, "center:project:review")
    return [
        {
            "tender_project": tp.code,
            "name": tp.name,
            "version": a.version,
            "kind": a.kind,
            "title": a.title,
            "submitted_at": a.submitted_at,
        }
        for a, tp in projects.review_queue(session, scope)
    ]


@router.post("/tender-projects/{code}/announcements/{version}/publish", summary="审核通过并发布（幂等）")
def publish(
    code: str,
    version: int,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
    idempotency_key: str | None = Header(None, description="同一请求重试时使用同一键，保证只发布一次"),
):
    scope = scope_for(session, v, "center:project:review")
    key = idempotency_key or f"{code}/v{version}"
    a = projects.publish_announcement(
        session,
        actor=v.actor,
        now=_now(request),
        scope=scope,
        key=platform_of(request).key,
        tender_project_code=code,
        version=version,
        publish_key=key,
    )
    return {"version": a.version, "status": a.status, "content_hash": a.content_hash}


@router.post("/tender-projects/{code}/announcements/{version}/reject", summary="退回修改（写明理由）")
def reject(
    code: str,
    version: int,
    body: ReviewNote,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    scope = scope_for(session, v, "center:project:review")
    a = projects.reject_announcement(
        session,
        actor=v.actor,
        now=_now(request),
        scope=scope,
        tender_project_code=code,
        version=version,
        note=body.note,
    )
    return {"version": a.version, "status": a.status}


@router.put("/tender-projects/{code}/documents/{name}", status_code=201, summary="上传招标文件（流式，按内容寻址）")
async def upload_document(
    code: str,
    name: str,
    request: Request,
    v: Viewer = Depends(csrf_checked),
    content_length: int | None = Header(None),
    content_type: str | None = Header(None),
):
    entity_id = acting_entity(v.principal, MANAGE)
    stored = await _blobs(request).put_stream(request.stream(), max_size=MAX_DOCUMENT, expected_size=content_length)
    platform = platform_of(request)
    with platform.db.session(write=True) as session:
        doc = projects.add_document(
            session,
            actor=v.actor,
            now=_now(request),
            entity_id=entity_id,
            tender_project_code=code,
            name=name,
            media_type=content_type or "",
            sha256=stored.sha256,
            sm3=stored.sm3,
            size=stored.size,
        )
        return {"id": doc.id, "name": doc.name, "sha256": doc.sha256, "sm3": doc.sm3, "size": doc.size}


@router.get("/tender-projects/{code}/documents/{doc_id}", summary="下载招标文件（无需报名；下载记录对招标人保密）")
def download(
    code: str,
    doc_id: int,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(viewer),
):
    tp = projects.get_tender_project(session, code)
    doc = session.get(Document, doc_id)
    owner = _owner_of(session, v, tp)
    if doc is None or doc.tender_project_id != tp.id or (doc.announcement_id is None and not owner):
        raise NotFound("文件不存在或尚未随公告发布。", code="projects.document_not_found")
    if not owner:
        platform = platform_of(request)
        with platform.db.session(write=True) as w:
            projects.record_download(
                w, actor=v.actor, now=_now(request), document=w.get(Document, doc.id), entity_id=v.principal.entity_id
            )
    chunks = _blobs(request).open(doc.sha256)
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(doc.name)}",
        "X-Content-SHA256": doc.sha256,
        "X-Content-SM3": doc.sm3,
    }
    return StreamingResponse(chunks, media_type=doc.media_type, headers=headers)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@router.get("/tender-projects/{code}", summary="招标项目（公开：已发布的公告及其全部历史版本）")
def get_tender_project(
    code: str, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(viewer)
):
    tp = projects.get_tender_project(session, code)
    owner, reviewer = _owner_of(session, v, tp), _reviewer_of(session, v, tp)
    if not (owner or reviewer or is_public(session, tp)):
        raise NotFound(f"招标项目 {code} 不存在。", code="projects.not_found")
    return tender_project_view(session, tp, owner=owner, reviewer=reviewer)


@router.get("/announcements", summary="交易公告（按交易类型、中心筛选；游标分页）")
def list_announcements(
    transaction_type: str | None = None,
    center: str | None = None,
    cursor: str | None = None,
    limit: int = Query(20, ge=1, le=100),
    session: Session = Depends(db_session, scope="function"),
):
    after = int(decode_cursor(cursor).get("id", 0)) or None
    n = check_limit(limit)
    rows = repository.published_announcements(
        session, transaction_type=transaction_type, center=center, before_id=after, limit=n + 1
    )
    items = [
        {
            "tender_project": tp.code,
            "name": tp.name,
            "version": a.version,
            "kind": a.kind,
            "status": a.status,
            "title": a.title,
            "published_at": a.published_at,
            "center": c.code,
            "center_name": c.name,
            "transaction_type": p.transaction_type,
            "transaction_type_label": TransactionType(p.transaction_type).label,
        }
        for a, tp, p, c in rows[:n]
    ]
    more = len(rows) > n
    return {"items": items, "next_cursor": encode_cursor({"id": rows[n - 1][0].id}) if more else None}


@router.post("/tender-projects/{code}/questions", status_code=201, summary="提问（答疑；招标人看不到提问人）")
def ask(
    code: str,
    body: QuestionCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    q = projects.ask(
        session,
        actor=v.actor,
        now=_now(request),
        entity_id=acting_entity(v.principal, "entity:bid:submit"),
        tender_project_code=code,
        text=body.text,
    )
    return {"id": q.id, "asked_at": q.asked_at}


@router.post("/tender-projects/{code}/questions/{qid}/answer", summary="答复（发送给所有下载人并公开）")
def answer(
    code: str,
    qid: int,
    body: AnswerCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    q = projects.answer(
        session,
        actor=v.actor,
        now=_now(request),
        entity_id=acting_entity(v.principal, MANAGE),
        tender_project_code=code,
        question_id=qid,
        text=body.text,
    )
    return {"id": q.id, "answered_at": q.answered_at}


@router.post("/sections/{code}/terminate", summary="终止招标（须公告理由）")
def terminate(
    code: str,
    body: TerminateRequest,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    s = projects.terminate_section(
        session,
        actor=v.actor,
        now=_now(request),
        entity_id=acting_entity(v.principal, MANAGE),
        section_code=code,
        reason=body.reason,
    )
    return {"code": s.code, "status": s.status}


@router.get("/me/notifications", summary="本单位收到的通知（澄清、答疑、终止）")
def notifications(session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    if v.principal.entity_id is None:
        return []
    rows = session.execute(
        select(Notification)
        .where(Notification.entity_id == v.principal.entity_id)
        .order_by(Notification.id.desc())
        .limit(200)
    ).scalars()
    return [{"id": n.id, "title": n.title, "body": n.body, "at": n.at, "read": n.read_at is not None} for n in rows]
