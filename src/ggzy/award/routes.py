"""JSON API of the award: public publicity and results; the tenderee's publicity, replies, decision and contract;
the bidders' objections and notices; the archive for center staff and regulators. Routes translate HTTP only."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ggzy.authz.scope import acting_entity, has
from ggzy.award import archive, repository, service, visibility
from ggzy.award.policies import entity_holding
from ggzy.award.schemas import ContractCreate, Decision, ObjectionCreate, ObjectionReply, PublicityCreate
from ggzy.centers import service as centers
from ggzy.evaluation import tariff
from ggzy.kit.blobs import BlobStore
from ggzy.kit.errors import Forbidden, NotFound
from ggzy.projects.service import may_manage
from ggzy.web.context import Viewer, csrf_checked, db_session, platform_of, scope_for, signed_in, viewer

router = APIRouter(prefix="/api/v1", tags=["定标"])

MANAGE, BIDDER = "entity:project:manage", "entity:bid:submit"


def _now(request: Request):
    return platform_of(request).clock.now()


@router.get("/sections/{code}/award", summary="中标候选人公示与中标结果（公开，数据集 511/513）")
def public_award(code: str, session: Session = Depends(db_session, scope="function")):
    return visibility.public_view(session, service.load(session, code))


@router.post("/sections/{code}/award/publicity", summary="招标人发布中标候选人公示（T-16）")
def publish(
    code: str,
    body: PublicityCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    r = service.publish_publicity(
        session,
        actor=v.actor,
        now=_now(request),
        entity_id=acting_entity(v.principal, MANAGE),
        section_code=code,
        ends_at=body.ends_at,
    )
    return {
        "status": r.status,
        "publicity_start": r.publicity_start.isoformat(),
        "publicity_end": r.publicity_end.isoformat(),
    }


@router.post("/sections/{code}/award/objections", status_code=201, summary="投标人在公示期内提出异议（暂停至答复）")
def object_(
    code: str,
    body: ObjectionCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    o = service.file_objection(
        session,
        actor=v.actor,
        now=_now(request),
        entity_id=acting_entity(v.principal, BIDDER),
        section_code=code,
        text=body.text,
    )
    return {"id": o.id, "reply_due_by": o.reply_due_by.isoformat()}


@router.get("/sections/{code}/award/objections", summary="异议：招标人看全部，投标人看本单位提出的")
def objections(code: str, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    x = service.load(session, code)
    manager, bidder = entity_holding(v.principal, MANAGE), entity_holding(v.principal, BIDDER)
    if manager is not None and may_manage(x.project, manager):
        rows, show = repository.objections(session, x.result.id), True
    elif bidder is not None and bidder in service.bidder_ids(x.result):
        rows, show = repository.objections(session, x.result.id, bidder), False
    else:
        raise Forbidden("只有本项目招标人和提出异议的投标人可以查看异议。", code="award.objections_forbidden")
    return {"items": [visibility.objection_view(session, o, show_objector=show) for o in rows]}


@router.post("/sections/{code}/award/objections/{objection_id}/reply", summary="招标人答复异议（答复后恢复）")
def reply(
    code: str,
    objection_id: int,
    body: ObjectionReply,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    o = service.reply_objection(
        session,
        actor=v.actor,
        now=_now(request),
        entity_id=acting_entity(v.principal, MANAGE),
        section_code=code,
        objection_id=objection_id,
        reply=body.reply,
    )
    return {"id": o.id, "replied_at": o.replied_at.isoformat() if o.replied_at else None}


@router.post("/sections/{code}/award/decision", summary="招标人确定中标人；平台签章发出中标通知书与结果通知书")
def decide(
    code: str,
    body: Decision,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    platform = platform_of(request)
    r = service.decide_award(
        session,
        actor=v.actor,
        now=platform.clock.now(),
        key=platform.key,
        entity_id=acting_entity(v.principal, MANAGE),
        section_code=code,
        winner_entity_id=body.winner_entity_id,
        passed_over=body.passed_over,
    )
    return {
        "status": r.status,
        "winner_entity_id": r.winner_entity_id,
        "contract_due_by": r.contract_due_by.isoformat(),
    }


@router.get("/sections/{code}/award/notices", summary="通知书：中标人和其他投标人各看本单位的，招标人看全部")
def notices(code: str, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    x = service.load(session, code)
    rows = [n for n in repository.notices(session, x.result.id) if _may_read_notice(session, v, x, n.entity_id)]
    if not rows and not _is_party(session, v, x):
        raise Forbidden("只有本项目招标人和本标段投标人可以查看通知书。", code="award.notices_forbidden")
    return {
        "items": [
            {"id": n.id, "number": n.number, "kind": n.kind, "sha256": n.sha256, "issued_at": n.issued_at.isoformat()}
            for n in rows
        ]
    }


@router.get("/sections/{code}/award/notices/{number}.pdf", summary="下载签章的通知书 PDF")
def notice_pdf(
    code: str, number: str, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)
):
    x = service.load(session, code)
    for n in repository.notices(session, x.result.id):
        if n.number == number and _may_read_notice(session, v, x, n.entity_id):
            return Response(
                n.pdf,
                media_type="application/pdf",
                headers={"content-disposition": f'attachment; filename="{number}.pdf"'},
            )
    raise NotFound("通知书不存在或您无权查看。", code="award.notice_not_found")


def _is_manager(session: Session, v: Viewer, x: service.Loaded) -> bool:
    e = entity_holding(v.principal, MANAGE)
    return e is not None and may_manage(x.project, e)


def _is_party(session: Session, v: Viewer, x: service.Loaded) -> bool:
    e = entity_holding(v.principal, BIDDER)
    return _is_manager(session, v, x) or (e is not None and e in service.bidder_ids(x.result))


def _may_read_notice(session: Session, v: Viewer, x: service.Loaded, addressee: int) -> bool:
    return _is_manager(session, v, x) or entity_holding(v.principal, BIDDER) == addressee


@router.post("/sections/{code}/award/contract", status_code=201, summary="招标人备案合同（中标通知书发出后30日内）")
def contract(
    code: str,
    body: ContractCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v=Depends(csrf_checked),
):
    c = service.record_contract(
        session,
        actor=v.actor,
        now=_now(request),
        entity_id=acting_entity(v.principal, MANAGE),
        section_code=code,
        **body.model_dump(),
    )
    return {"code": c.code, "late": c.late, "sha256": c.sha256}


@router.get("/sections/{code}/archive", summary="项目电子档案（签名 zip，可离线核验）")
def export_archive(
    code: str,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(signed_in),
):
    section, _tp, _p = repository.section_by_code(session, code)
    nodes = centers.nodes(session)
    if not (
        has(v.principal, "center:archive:export", nodes, section.center_id)
        or has(v.principal, "supervision:archive:read", nodes, section.center_id)
    ):
        scope_for(session, v, "center:archive:export", section.center_id)  # raises with the permission named
    platform = platform_of(request)
    data = archive.export(
        session,
        section_code=code,
        key=platform.key,
        now=platform.clock.now(),
        blobs=BlobStore(platform.settings.blob_dir),
    )
    return Response(
        data,
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="{code}-archive.zip"'},
    )


@router.get("/expert-fees", summary="评标专家劳务报酬标准（公开）")
def fees(request: Request, v: Viewer = Depends(viewer)):
    on = platform_of(request).clock.now().date()
    return {
        "items": [
            {
                "key": t.key,
                "library": t.library,
                "library_name": t.library_name,
                "in_force": t.in_force(on),
                "demo": t.demo,
                "effective_from": t.effective_from.isoformat(),
                "effective_until": t.effective_until.isoformat() if t.effective_until else None,
                "project_types": sorted(t.project_types),
                "base_minutes": t.base_minutes,
                "base_fen": t.base_fen,
                "senior_base_fen": t.senior_base_fen,
                "steps": [s.__dict__ for s in t.steps],
                "rounding": t.rounding.value,
                "leader_fen": t.leader_fen,
                "remote_fen": t.remote_fen,
                "daily_cap_fen": t.daily_cap_fen,
                "source": t.source,
            }
            for t in tariff.published(on)
        ],
        "rule": tariff.HIGHEST_SOURCE,
    }
