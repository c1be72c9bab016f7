"""Pages before the bids: public announcements, the tender page, the tenderee's workspace, the review queue."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.authz.scope import acting_entity
from ggzy.centers import service as centers
from ggzy.kit.blobs import BlobStore
from ggzy.kit.clock import SHANGHAI
from ggzy.kit.errors import Forbidden, GgzyError, ValidationFailed
from ggzy.kit.money import yuan_to_fen
from ggzy.projects import repository
from ggzy.projects import service as projects
from ggzy.projects.models import Project, TenderProject
from ggzy.projects.routes import MANAGE, MAX_DOCUMENT, _owner_of, _reviewer_of
from ggzy.projects.rulesets import RULE_SETS, DepositForm, TransactionType
from ggzy.projects.visibility import is_public, tender_project_view
from ggzy.web.context import Viewer, csrf_checked, db_session, platform_of, scope_for, signed_in, viewer
from ggzy.web.render import page

router = APIRouter(include_in_schema=False)

STATUS_LABELS = {
    "draft": "草稿",
    "under_review": "待审核",
    "published": "已发布",
    "superseded": "已被新版本替代",
    "withdrawn": "已撤回",
    "announced": "招标中",
    "closed": "已截标",
    "terminated": "已终止",
    "cancelled": "已取消",
}
KIND_LABELS = {"tender": "招标公告", "amendment": "变更公告", "clarification": "澄清公告"}
FORM_LABELS = {
    "cash": "现金（虚拟子账户）",
    "bank_guarantee": "银行保函",
    "insurance_guarantee": "保证保险（电子保函）",
}


def _back(path: str, message: str | None = None, *, error: bool = False) -> RedirectResponse:
    query = f"?{urlencode({'err' if error else 'msg': message})}" if message else ""
    return RedirectResponse(path + query, status_code=303)


def _messages(request: Request) -> list[dict]:
    msg = request.query_params.get("msg")
    err = request.query_params.get("err")
    return [{"level": "success", "text": msg}] * bool(msg) + [{"level": "error", "text": err}] * bool(err)


@router.get("/announcements")
def announcements(
    request: Request,
    transaction_type: str = "",
    center: str = "",
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(viewer),
):
    rows = repository.published_announcements(
        session,
        transaction_type=transaction_type if transaction_type in {t.value for t in TransactionType} else None,
        center=center or None,
        before_id=None,
        limit=200,
    )
    items = [
        {
            "code": tp.code,
            "title": a.title,
            "kind": KIND_LABELS.get(a.kind, a.kind),
            "version": a.version,
            "status": STATUS_LABELS[a.status],
            "center": c.name,
            "type": TransactionType(p.transaction_type).label,
            "published_at": a.published_at,
        }
        for a, tp, p, c in rows
    ]
    return page(
        request,
        "projects/announcements.html",
        v,
        items=items,
        types=list(TransactionType),
        centers=[c for c in centers.all_centers(session) if c.status == "active"],
        selected_type=transaction_type,
        selected_center=center.upper(),
    )


@router.get("/tender-projects/{code}")
def tender_page(
    code: str, request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(viewer)
):
    tp = projects.get_tender_project(session, code)
    owner, reviewer = _owner_of(session, v, tp), _reviewer_of(session, v, tp)
    if not (owner or reviewer or is_public(session, tp)):
        raise ValidationFailed("该招标项目尚未发布。", code="projects.not_found")
    view = tender_project_view(session, tp, owner=owner, reviewer=reviewer)
    bidder = v.account is not None and _can_bid(v)
    return page(
        request,
        "projects/detail.html",
        v,
        tp=view,
        owner=owner,
        reviewer=reviewer,
        bidder=bidder,
        status_labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
        form_labels=FORM_LABELS,
        messages=_messages(request),
    )


def _can_bid(v: Viewer) -> bool:
    try:
        acting_entity(v.principal, "entity:bid:submit")
    except Forbidden:
        return False
    return True


@router.post("/tender-projects/{code}/ask")
def ask_form(
    code: str,
    request: Request,
    text: str = Form(""),
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    try:
        projects.ask(
            session,
            actor=v.actor,
            now=platform_of(request).clock.now(),
            entity_id=acting_entity(v.principal, "entity:bid:submit"),
            tender_project_code=code,
            text=text,
        )
    except GgzyError as exc:
        session.rollback()
        return _back(f"/tender-projects/{code}", exc.message, error=True)
    return _back(f"/tender-projects/{code}", "问题已提交；答复将发送给所有下载了文件的单位并公开。")


# --- the tenderee's workspace ---------------------------------------------------------------------------


@router.get("/workspace")
def workspace(
    request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)
):
    entity_id = acting_entity(v.principal, MANAGE)
    rows = (
        session.execute(
            select(Project)
            .where((Project.tenderee_id == entity_id) | (Project.agency_id == entity_id))
            .order_by(Project.id.desc())
        )
        .scalars()
        .all()
    )
    tps = {
        p.id: session.execute(select(TenderProject).where(TenderProject.project_id == p.id)).scalars().all()
        for p in rows
    }
    return page(
        request,
        "projects/workspace.html",
        v,
        projects=rows,
        tender_projects=tps,
        types=list(TransactionType),
        rule_sets=list(RULE_SETS.values()),
        centers=[c for c in centers.all_centers(session) if c.status == "active"],
        messages=_messages(request),
    )


def _form_action(request: Request, session: Session, fn, ok_path: str, ok_msg: str, err_path: str):
    try:
        fn()
    except GgzyError as exc:
        session.rollback()
        return _back(err_path, exc.message, error=True)
    return _back(ok_path, ok_msg)


@router.post("/workspace/projects")
def create_project_form(
    request: Request,
    name: str = Form(""),
    center: str = Form(""),
    transaction_type: str = Form(""),
    rule_set: str = Form(""),
    estimate: str = Form(""),
    section_name: str = Form("一标段"),
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    entity_id = acting_entity(v.principal, MANAGE)
    now = platform_of(request).clock.now()
    created: dict[str, str] = {}

    def run() -> None:
        p = projects.create_project(
            session,
            actor=v.actor,
            now=now,
            acting_entity_id=entity_id,
            center_code=center,
            name=name,
            transaction_type=transaction_type,
        )
        tp = projects.add_tender_project(
            session,
            actor=v.actor,
            now=now,
            entity_id=entity_id,
            project_code=p.code,
            name=name,
            rule_set_key=rule_set,
            estimate_fen=yuan_to_fen(estimate or "0"),
        )
        projects.add_section(
            session,
            actor=v.actor,
            now=now,
            entity_id=entity_id,
            tender_project_code=tp.code,
            name=section_name,
            estimate_fen=tp.estimate_fen,
        )
        created["code"] = tp.code

    result = _form_action(request, session, run, "", "", "/workspace")
    if "code" in created:
        return _back(f"/workspace/{created['code']}", "项目已登记：请上传招标文件并起草公告。")
    return result


@router.get("/workspace/{code}")
def manage(
    code: str,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(signed_in),
):
    tp = projects.get_tender_project(session, code)
    if not _owner_of(session, v, tp):
        raise Forbidden("您不是该招标项目的招标人或代理机构。", code="projects.not_owner")
    view = tender_project_view(session, tp, owner=True, reviewer=False)
    now = platform_of(request).clock.now().astimezone(SHANGHAI)
    suggestion = {
        "documents_from": (now + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:00"),
        "documents_until": (now + dt.timedelta(days=7)).strftime("%Y-%m-%dT17:00"),
        "bid_deadline": (now + dt.timedelta(days=25)).strftime("%Y-%m-%dT09:30"),
    }
    return page(
        request,
        "projects/manage.html",
        v,
        tp=view,
        status_labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
        form_labels=FORM_LABELS,
        suggestion=suggestion,
        messages=_messages(request),
        max_mb=MAX_DOCUMENT // (1 << 20),
    )


def _local(value: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise ValidationFailed(f"时间格式错误：{value!r}", code="projects.bad_time") from None


@router.post("/workspace/{code}/announcements")
def draft_form(
    code: str,
    request: Request,
    title: str = Form(""),
    body: str = Form(""),
    kind: str = Form("tender"),
    affects_bids: str = Form(""),
    documents_from: str = Form(""),
    documents_until: str = Form(""),
    bid_deadline: str = Form(""),
    deposit: str = Form("0"),
    deposit_forms: list[str] = Form([]),
    ceiling: str = Form(""),
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    entity_id = acting_entity(v.principal, MANAGE)

    def run() -> None:
        tp = projects.get_tender_project(session, code)
        terms = []
        if kind == "tender":
            for s in projects.sections_of(session, tp):
                terms.append(
                    projects.SectionTerms(
                        s.code,
                        _local(documents_from),
                        _local(documents_until) if documents_until else None,
                        _local(bid_deadline),
                        yuan_to_fen(deposit or "0"),
                        frozenset(DepositForm(f) for f in deposit_forms),
                        yuan_to_fen(ceiling) if ceiling.strip() else None,
                    )
                )
        a = projects.draft_announcement(
            session,
            actor=v.actor,
            now=platform_of(request).clock.now(),
            entity_id=entity_id,
            tender_project_code=code,
            title=title,
            body=body,
            terms=terms,
            kind=kind,
            affects_bids=bool(affects_bids) or kind == "tender",
        )
        projects.submit_announcement(
            session,
            actor=v.actor,
            now=platform_of(request).clock.now(),
            entity_id=entity_id,
            tender_project_code=code,
            version=a.version,
        )

    return _form_action(request, session, run, f"/workspace/{code}", "公告已提交交易中心审核。", f"/workspace/{code}")


@router.post("/workspace/{code}/documents")
async def upload_form(code: str, request: Request, file: UploadFile = File(...), v: Viewer = Depends(csrf_checked)):
    entity_id = acting_entity(v.principal, MANAGE)
    platform = platform_of(request)

    async def chunks():
        while chunk := await file.read(1 << 20):
            yield chunk

    try:
        stored = await BlobStore(platform.settings.blob_dir).put_stream(chunks(), max_size=MAX_DOCUMENT)
        with platform.db.session(write=True) as session:
            projects.add_document(
                session,
                actor=v.actor,
                now=platform.clock.now(),
                entity_id=entity_id,
                tender_project_code=code,
                name=file.filename or "",
                media_type=file.content_type or "",
                sha256=stored.sha256,
                sm3=stored.sm3,
                size=stored.size,
            )
    except GgzyError as exc:
        return _back(f"/workspace/{code}", exc.message, error=True)
    return _back(f"/workspace/{code}", f"已上传 {file.filename}（SHA-256 {stored.sha256[:16]}…）。")


@router.post("/workspace/{code}/questions/{qid}/answer")
def answer_form(
    code: str,
    qid: int,
    request: Request,
    text: str = Form(""),
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    entity_id = acting_entity(v.principal, MANAGE)
    return _form_action(
        request,
        session,
        lambda: projects.answer(
            session,
            actor=v.actor,
            now=platform_of(request).clock.now(),
            entity_id=entity_id,
            tender_project_code=code,
            question_id=qid,
            text=text,
        ),
        f"/workspace/{code}",
        "答复已发送给所有下载人并公开。",
        f"/workspace/{code}",
    )


# --- center review --------------------------------------------------------------------------------------


@router.get("/review")
def review(request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    scope = scope_for(session, v, "center:project:review")
    queue = [
        {
            "code": tp.code,
            "name": tp.name,
            "version": a.version,
            "kind": KIND_LABELS.get(a.kind, a.kind),
            "title": a.title,
            "body": a.body,
            "submitted_at": a.submitted_at,
            "key": f"{tp.code}/v{a.version}",
        }
        for a, tp in projects.review_queue(session, scope)
    ]
    return page(request, "projects/review.html", v, queue=queue, messages=_messages(request))


@router.post("/review/{code}/{version}")
def review_action(
    code: str,
    version: int,
    request: Request,
    decision: str = Form(""),
    note: str = Form(""),
    publish_key: str = Form(""),
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    scope = scope_for(session, v, "center:project:review")
    now = platform_of(request).clock.now()
    if decision == "publish":
        fn = lambda: projects.publish_announcement(  # noqa: E731
            session,
            actor=v.actor,
            now=now,
            scope=scope,
            key=platform_of(request).key,
            tender_project_code=code,
            version=version,
            publish_key=publish_key or f"{code}/v{version}",
        )
        msg = "已发布，平台已签名。"
    else:
        fn = lambda: projects.reject_announcement(  # noqa: E731
            session, actor=v.actor, now=now, scope=scope, tender_project_code=code, version=version, note=note
        )
        msg = "已退回招标人修改。"
    return _form_action(request, session, fn, "/review", msg, "/review")
