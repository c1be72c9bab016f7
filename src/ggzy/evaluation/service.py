"""Use cases of the expert pool and the committee draw: load → policy → workflow → mutate → record."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.audit.service import record, register_confidential
from ggzy.authz.scope import CenterScope
from ggzy.award import repository as awards
from ggzy.award.workflow import AwardStatus
from ggzy.centers.models import Center
from ggzy.centers.service import get_center, register_center_owned
from ggzy.evaluation import committee, fees, repository
from ggzy.evaluation import draw as algo
from ggzy.evaluation.models import (
    Draw,
    DrawMember,
    Expert,
    ExpertEngagement,
    ExpertRelation,
    ExpertSpecialty,
    ExpertUnavailability,
    SeatBooking,
)
from ggzy.evaluation.specialties import SPECIALTIES, specialty
from ggzy.evaluation.workflow import DRAW, MEMBER, DrawStatus, MemberStatus, result_public
from ggzy.kit.actor import SYSTEM, Actor
from ggzy.kit.errors import Conflict, Forbidden, GgzyError, IllegalTransition, NotFound, ValidationFailed
from ggzy.projects.models import Project, Section, TenderProject

# Who was drawn, who confirmed or refused: secret until the draw is revealed (招标投标法 第三十七条: 评标委员会
# 成员的名单在中标结果确定前应当保密, X-1).
register_confidential("evaluation:member:invited", "evaluation:member:confirmed", "evaluation:member:refused")
register_center_owned(lambda: Expert.__table__, "home_center_id")  # type: ignore[arg-type,return-value]
register_center_owned(lambda: Draw.__table__)  # type: ignore[arg-type,return-value]

RELATION_KINDS = {"past_employer": "曾任职单位", "relative_employer": "近亲属任职单位", "other": "其他利害关系"}
STATUSES = {"active": "在库可用", "suspended": "暂停抽取"}


class DrawUnfillable(GgzyError):
    """The committee cannot be filled under the rules; names the constraint and the legal remedies."""

    code = "evaluation.draw_unfillable"
    status = 409


def _unfillable(shortfalls: list[algo.Shortfall]) -> DrawUnfillable:
    names = {c: s.name for c, s in SPECIALTIES.items()}
    text = "；".join(s.message(names) for s in shortfalls)
    return DrawUnfillable(
        f"无法按规则组建评标委员会：{text}。可依法采取：{'、'.join(algo.REMEDIES)}；不得降低回避要求或减少人数。",
        detail={
            "constraints": [
                {"constraint": s.constraint, "available": s.available, "needed": s.needed, "excluded": dict(s.excluded)}
                for s in shortfalls
            ],
            "remedies": list(algo.REMEDIES),
        },
    )


# --- the pool -------------------------------------------------------------------------------------------


@dataclass
class ExpertData:
    name: str
    id_card: str
    gender: str
    title: str
    employer_name: str
    region_code: str
    home_center: str
    specialties: list[str]
    main_specialty: str | None = None
    employer_entity_id: int | None = None
    birthday: dt.date | None = None
    education: str = ""
    duty: str = ""
    phone: str = ""
    work_years: int | None = None
    qualifications: str = ""
    account_id: int | None = None


def _check_specialties(codes: list[str]) -> list[str]:
    if not codes:
        raise ValidationFailed("至少选择一个评标专业。", code="evaluation.no_specialty")
    return [specialty(c).code for c in dict.fromkeys(codes)]


def create_expert(session: Session, *, actor: Actor, now: dt.datetime, scope: CenterScope, data: ExpertData) -> Expert:
    """Enter an expert into the pool at a center the staff member manages."""
    center = get_center(session, data.home_center)
    if not scope.covers(center.id):
        raise Forbidden(f"无权在 {center.short_name} 登记专家。", code="evaluation.center_forbidden")
    codes = _check_specialties(data.specialties)
    if session.execute(select(Expert.id).where(Expert.id_card == data.id_card)).first():
        raise Conflict("该身份证件号码的专家已在库中。", code="evaluation.expert_exists")
    e = Expert(
        account_id=data.account_id,
        name=data.name,
        id_card=data.id_card,
        gender=data.gender,
        birthday=data.birthday,
        title=data.title,
        education=data.education,
        duty=data.duty,
        employer_entity_id=data.employer_entity_id,
        employer_name=data.employer_name,
        region_code=data.region_code,
        home_center_id=center.id,
        phone=data.phone,
        work_years=data.work_years,
        qualifications=data.qualifications,
        status="active",
        evaluation_count=0,
        rating=80,
        entered_at=now,
        updated_at=now,
    )
    session.add(e)
    session.flush()
    main = data.main_specialty or codes[0]
    session.add_all(ExpertSpecialty(expert_id=e.id, code=c, is_main=c == main) for c in codes)
    record(
        session,
        tag="evaluation:expert:created",
        actor=actor,
        now=now,
        subject_id=e.id,
        center_id=center.id,
        payload={"specialties": codes, "home_center": center.code},
    )
    return e


def get_expert(session: Session, expert_id: int) -> Expert:
    e = session.get(Expert, expert_id)
    if e is None:
        raise NotFound(f"专家 {expert_id} 不存在。", code="evaluation.expert_not_found")
    return e


def managed_expert(session: Session, scope: CenterScope, expert_id: int) -> Expert:
    e = get_expert(session, expert_id)
    if not scope.covers(e.home_center_id):
        raise NotFound(f"专家 {expert_id} 不存在。", code="evaluation.expert_not_found")
    return e


def my_expert(session: Session, account_id: int | None) -> Expert:
    e = repository.expert_by_account(session, account_id) if account_id else None
    if e is None:
        raise NotFound("本账户未关联专家档案：请联系交易中心办理入库。", code="evaluation.no_profile")
    return e


PROFILE_FIELDS = ("title", "education", "duty", "employer_name", "phone", "qualifications", "region_code")


def update_profile(
    session: Session, *, actor: Actor, now: dt.datetime, expert: Expert, changes: dict[str, Any]
) -> Expert:
    """The expert (or a pool manager) updates contact, title, employer, qualifications, specialties and the payee
    account for fees (a held fee order is released once the account is there: ``fees.sync_payee``)."""
    changed = {}
    for k in PROFILE_FIELDS:
        if k in changes and changes[k] is not None and getattr(expert, k) != changes[k]:
            setattr(expert, k, changes[k])
            changed[k] = True
    if changes.get("bank_name") is not None or changes.get("bank_account") is not None:
        name = expert.bank_name if changes.get("bank_name") is None else changes["bank_name"]
        number = expert.bank_account if changes.get("bank_account") is None else changes["bank_account"]
        name, number = fees.payee_account(name, number)
        if (name, number) != (expert.bank_name, expert.bank_account):
            expert.bank_name, expert.bank_account = name, number
            changed["bank_account"] = True
    if changes.get("specialties"):
        codes = _check_specialties(changes["specialties"])
        for row in repository.specialties_of(session, expert.id):
            session.delete(row)
        session.flush()
        session.add_all(ExpertSpecialty(expert_id=expert.id, code=c, is_main=i == 0) for i, c in enumerate(codes))
        changed["specialties"] = True
    expert.updated_at = now
    record(
        session,
        tag="evaluation:expert:updated",
        actor=actor,
        now=now,
        subject_id=expert.id,
        center_id=expert.home_center_id,
        payload={"fields": sorted(changed)},
    )
    if "bank_account" in changed:
        fees.sync_payee(session, actor=actor, now=now, expert=expert)
    return expert


def set_status(session: Session, *, actor: Actor, now: dt.datetime, expert: Expert, status: str, reason: str) -> Expert:
    """Suspend or reinstate an expert (暂停/恢复抽取), with a reason."""
    if status not in STATUSES:
        raise ValidationFailed(f"专家状态须为 {'、'.join(STATUSES)} 之一。", code="evaluation.bad_status")
    if not reason.strip():
        raise ValidationFailed("变更专家状态须写明理由。", code="evaluation.reason_required")
    expert.status, expert.updated_at = status, now
    record(
        session,
        tag="evaluation:expert:status",
        actor=actor,
        now=now,
        subject_id=expert.id,
        center_id=expert.home_center_id,
        payload={"status": status, "reason": reason},
    )
    return expert


def add_unavailability(
    session: Session, *, actor: Actor, now: dt.datetime, expert: Expert, day: dt.date, reason: str = ""
) -> ExpertUnavailability:
    """Declare a day the expert cannot evaluate."""
    if day < now.date():
        raise ValidationFailed("不可出席日期不能早于今天。", code="evaluation.past_day")
    existing = [u for u in repository.unavailability_of(session, expert.id) if u.day == day]
    if existing:
        return existing[0]
    u = ExpertUnavailability(expert_id=expert.id, day=day, reason=reason)
    session.add(u)
    session.flush()
    record(
        session,
        tag="evaluation:expert:unavailable",
        actor=actor,
        now=now,
        subject_id=expert.id,
        center_id=expert.home_center_id,
        payload={"day": day.isoformat()},
    )
    return u


def add_relation(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    expert: Expert,
    kind: str,
    entity_name: str,
    entity_id: int | None = None,
    until: dt.date | None = None,
    note: str = "",
) -> ExpertRelation:
    """Declare a past employer (with end date), a relative's employer or another interest (X-3, X-6)."""
    if kind not in RELATION_KINDS:
        raise ValidationFailed(f"关系类型须为 {'、'.join(RELATION_KINDS)} 之一。", code="evaluation.bad_relation")
    if not entity_name.strip() and entity_id is None:
        raise ValidationFailed("请填写关联单位名称。", code="evaluation.relation_entity")
    if kind == "past_employer" and until is None:
        raise ValidationFailed("曾任职单位须填写离职日期。", code="evaluation.relation_until")
    r = ExpertRelation(
        expert_id=expert.id, kind=kind, entity_id=entity_id, entity_name=entity_name.strip(), until=until, note=note
    )
    session.add(r)
    session.flush()
    record(
        session,
        tag="evaluation:expert:relation_declared",
        actor=actor,
        now=now,
        subject_id=expert.id,
        center_id=expert.home_center_id,
        payload={"kind": kind},
    )
    return r


def expert_dict(session: Session, e: Expert, *, private: bool) -> dict[str, Any]:
    codes = center_codes_cached(session)
    out = {
        "id": e.id,
        "name": e.name,
        "gender": e.gender,
        "title": e.title,
        "employer_name": e.employer_name,
        "employer_entity_id": e.employer_entity_id,
        "region_code": e.region_code,
        "home_center": codes.get(e.home_center_id),
        "status": e.status,
        "evaluation_count": e.evaluation_count,
        "rating": e.rating,
        "specialties": [{"code": s.code, "main": s.is_main} for s in repository.specialties_of(session, e.id)],
    }
    if private:
        out |= {
            "id_card": e.id_card,
            "phone": e.phone,
            "bank_name": e.bank_name,
            "bank_account": e.bank_account,
            "education": e.education,
            "qualifications": e.qualifications,
            "unavailable": [u.day.isoformat() for u in repository.unavailability_of(session, e.id)],
            "relations": [
                {
                    "kind": r.kind,
                    "entity_name": r.entity_name,
                    "entity_id": r.entity_id,
                    "until": r.until.isoformat() if r.until else None,
                }
                for r in repository.relations_of(session, e.id)
            ],
        }
    return out


def center_codes_cached(session: Session) -> dict[int, str]:
    cache = session.info.setdefault("evaluation.center_codes", None)
    if cache is None:
        cache = session.info["evaluation.center_codes"] = repository.center_codes(session)
    return cache


# --- draws ----------------------------------------------------------------------------------------------


@dataclass
class DrawOrder:
    """What staff ask for; the service completes it into a ``DrawRequest`` from the section."""

    section_code: str
    evaluation_date: dt.date
    committee_size: int
    representatives: int
    requirements: list[tuple[str, int]]
    secondary_centers: list[str] = field(default_factory=list)
    bidder_ids: list[int] = field(default_factory=list)
    policy: algo.RecusalPolicy = field(default_factory=algo.RecusalPolicy)
    venue_quotas: dict[str, int] = field(default_factory=dict)  # X-14 主场/副场各自抽取的人数; empty = one pool


def section_context(session: Session, code: str) -> tuple[Section, TenderProject, Project]:
    s = session.execute(select(Section).where(Section.code == code)).scalar_one_or_none()
    if s is None:
        raise NotFound(f"标段 {code} 不存在。", code="projects.section_not_found")
    tp = session.get(TenderProject, s.tender_project_id)
    p = session.get(Project, tp.project_id) if tp else None
    assert tp is not None and p is not None
    return s, tp, p


def _request(session: Session, order: DrawOrder) -> tuple[algo.DrawRequest, Section, Project]:
    s, tp, p = section_context(session, order.section_code)
    if s.status in ("draft", "terminated", "cancelled"):
        raise Conflict(f"标段 {s.code} 当前状态（{s.status}）不能抽取专家。", code="evaluation.section_state")
    rule = committee.rule_for(tp.rule_set, p.transaction_type)
    experts = committee.check_composition(
        rule, size=order.committee_size, representatives=order.representatives, budget_fen=s.estimate_fen
    )
    reqs = tuple(algo.Requirement(specialty(c).code, n) for c, n in order.requirements)
    if any(r.count <= 0 for r in reqs) or len({r.specialty for r in reqs}) != len(reqs):
        raise ValidationFailed("每个专业须抽取至少 1 名，且专业不重复。", code="evaluation.bad_requirements")
    if sum(r.count for r in reqs) != experts:
        raise ValidationFailed(
            f"各专业人数之和须等于专家人数 {experts}（委员会 {order.committee_size} 人减招标人代表 "
            f"{order.representatives} 人）。",
            code="evaluation.requirements_sum",
        )
    main = session.get_one(Center, s.center_id).code
    secondary = tuple(dict.fromkeys(get_center(session, c).code for c in order.secondary_centers if c))
    if main in secondary:
        raise ValidationFailed("副场不能与主场为同一中心。", code="evaluation.secondary_is_main")
    quotas = _venue_quotas(session, order.venue_quotas, (main, *secondary), experts)
    bidders = frozenset(order.bidder_ids) | repository.deposit_payers(session, s.id)
    req = algo.DrawRequest(
        section_code=s.code,
        evaluation_date=order.evaluation_date,
        rule_set=tp.rule_set,
        committee_size=order.committee_size,
        representatives=order.representatives,
        requirements=reqs,
        main_center=main,
        secondary_centers=secondary,
        tenderee_id=p.tenderee_id,
        agency_id=p.agency_id,
        bidder_ids=tuple(sorted(bidders)),
        policy=order.policy,
        venue_quotas=quotas,
    )
    return req, s, p


def _venue_quotas(
    session: Session, asked: dict[str, int], venues: tuple[str, ...], experts: int
) -> tuple[tuple[str, int], ...]:
    """X-14: each venue's share, keyed by center code (old codes resolve), in venue order; the shares add up to the
    experts to draw and name only the main venue and the chosen secondary venues."""
    if not asked:
        return ()
    shares: dict[str, int] = {}
    for code, n in asked.items():
        c = get_center(session, code).code
        if c not in venues:
            raise ValidationFailed(
                f"{code} 不是本次抽取的主场或副场（{'、'.join(venues)}），不能为其分配人数。",
                code="evaluation.quota_venue",
            )
        if n < 0:
            raise ValidationFailed(f"{code} 场的人数不能为负数。", code="evaluation.quota_negative")
        shares[c] = shares.get(c, 0) + n
    if sum(shares.values()) != experts:
        raise ValidationFailed(
            f"各场人数之和（{sum(shares.values())}）须等于专家人数 {experts}。", code="evaluation.quota_sum"
        )
    return tuple((c, shares.get(c, 0)) for c in venues)


def _facts(session: Session, req: algo.DrawRequest) -> algo.Facts:
    conflicts = req.conflict_ids
    names = repository.entity_names(session, conflicts)
    months = req.policy.engagement_months
    since = req.evaluation_date - dt.timedelta(days=round(months * 30.44))
    capacity = {c: len(repository.free_seats(session, c, req.evaluation_date)) for c in req.venue_centers}
    capacity[req.main_center] -= req.representatives
    return algo.Facts(
        conflict_names=names,
        relations=repository.conflicting_relations(session, conflicts, names),
        unavailable=repository.unavailable_on(session, req.evaluation_date),
        engagements=repository.engagements_with(session, req.tenderee_id, since),
        capacity=capacity,
    )


def snapshot_for(session: Session, req: algo.DrawRequest) -> tuple[dict, list[algo.Shortfall]]:
    pool = repository.candidates(session, [r.specialty for r in req.requirements])
    return algo.build_snapshot(req, pool, _facts(session, req))


def _staff_section(session: Session, scope: CenterScope, draw: Draw) -> None:
    if not scope.covers(draw.center_id):
        raise NotFound(f"抽取记录 {draw.id} 不存在。", code="evaluation.draw_not_found")


def start_draw(
    session: Session, *, actor: Actor, now: dt.datetime, scope: CenterScope, order: DrawOrder, account_id: int | None
) -> Draw:
    """Commit to a fresh random seed (publish SHA-256(seed)) for a checked, fillable request."""
    req, s, _p = _request(session, order)
    if not scope.covers(s.center_id):
        raise Forbidden(f"标段 {s.code} 不属于您所在的交易中心。", code="evaluation.center_forbidden")
    if order.evaluation_date < now.date():
        raise ValidationFailed("评标日期不能早于今天。", code="evaluation.past_day")
    live = [d for d in repository.draws_of(session, s.id) if d.status in (DrawStatus.COMMITTED, DrawStatus.DRAWN)]
    if live:
        raise Conflict(
            f"标段 {s.code} 已有进行中的抽取（#{live[0].id}）：请先完成或作废。", code="evaluation.draw_live"
        )
    _snapshot, shortfalls = snapshot_for(session, req)
    if shortfalls:
        raise _unfillable(shortfalls)
    seed = secrets.token_bytes(32)
    request_json = algo.canonical(req.to_dict()).decode()
    d = Draw(
        section_id=s.id,
        center_id=s.center_id,
        status=DrawStatus.COMMITTED.value,
        evaluation_date=req.evaluation_date,
        request=request_json,
        request_hash=algo.sha256_hex(request_json.encode()),
        commitment=algo.commitment_of(seed),
        seed=seed,
        refusals="[]",
        next_counter=0,
        note="",
        committed_at=now,
        created_by=account_id,
    )
    session.add(d)
    session.flush()
    record(
        session,
        tag="evaluation:draw:committed",
        actor=actor,
        now=now,
        subject_id=d.id,
        center_id=d.center_id,
        payload={"section": s.code, "commitment": d.commitment, "request_hash": d.request_hash},
    )
    return d


def get_draw(session: Session, draw_id: int, section_code: str | None = None) -> Draw:
    d = session.get(Draw, draw_id)
    if d is None or (section_code and section_context(session, section_code)[0].id != d.section_id):
        raise NotFound(f"抽取记录 {draw_id} 不存在。", code="evaluation.draw_not_found")
    return d


def _book(session: Session, d: Draw, center: str, member: DrawMember | None, purpose: str) -> None:
    free = repository.free_seats(session, center, d.evaluation_date)
    if not free:
        raise _unfillable([algo.Shortfall("seats", 0, 1, {})])
    member_id = member.id if member else None
    session.add(SeatBooking(seat_id=free[0], day=d.evaluation_date, draw_id=d.id, member_id=member_id, purpose=purpose))
    session.flush()


def _persist_picks(session: Session, *, actor: Actor, now: dt.datetime, d: Draw, outcome: algo.Outcome) -> None:
    have = {m.seq for m in repository.members_of(session, d.id)}
    groups = json.loads(d.snapshot or "{}")["groups"]
    for p in outcome.picks:
        if p.seq in have:
            continue
        m = DrawMember(
            draw_id=d.id,
            seq=p.seq,
            group_index=p.group,
            specialty=groups[p.group]["specialty"],
            expert_id=p.expert_id,
            center_code=p.center,
            counter=p.counter,
            replaces_seq=p.replaces,
            status=MemberStatus.INVITED.value,
            refuse_reason="",
        )
        session.add(m)
        session.flush()
        _book(session, d, p.center, m, "expert")
        record(
            session,
            tag="evaluation:member:invited",
            actor=actor,
            now=now,
            subject_id=f"{d.id}/{p.seq}",
            center_id=d.center_id,
            payload={"expert_id": p.expert_id, "counter": p.counter, "venue": p.center},
        )
    d.next_counter = outcome.next_counter


def run(session: Session, *, actor: Actor, now: dt.datetime, scope: CenterScope, draw: Draw) -> algo.Outcome:
    """Fix the pool snapshot and draw the committee from the committed seed; book the seats."""
    _staff_section(session, scope, draw)
    decision = DRAW.decide(draw, DrawStatus(draw.status), "run", {"now": now})
    req = algo.DrawRequest.from_dict(json.loads(draw.request))
    snapshot, shortfalls = snapshot_for(session, req)
    if shortfalls:
        raise _unfillable(shortfalls)
    outcome = algo.run_draw(draw.seed, snapshot)
    if outcome.shortfalls:
        raise _unfillable(outcome.shortfalls)
    draw.snapshot = algo.canonical(snapshot).decode()
    draw.snapshot_hash = algo.snapshot_hash(snapshot)
    draw.status, draw.drawn_at = decision.target.value, now
    for _ in range(req.representatives):
        _book(session, draw, req.main_center, None, "representative")
    _persist_picks(session, actor=actor, now=now, d=draw, outcome=outcome)
    record(
        session,
        tag="evaluation:draw:run",
        actor=actor,
        now=now,
        subject_id=draw.id,
        center_id=draw.center_id,
        payload={"snapshot_hash": draw.snapshot_hash, "drawn": len(outcome.picks), "skipped": len(outcome.skipped)},
    )
    return outcome


def answer(
    session: Session, *, actor: Actor, now: dt.datetime, expert: Expert, member_id: int, accept: bool, reason: str = ""
) -> DrawMember:
    """The drawn expert confirms or refuses; a refusal draws a replacement by continuing the sequence."""
    m = session.get(DrawMember, member_id)
    if m is None or m.expert_id != expert.id:
        raise NotFound("邀请不存在。", code="evaluation.invitation_not_found")
    d = session.get_one(Draw, m.draw_id)
    if d.status != DrawStatus.DRAWN:
        raise Conflict("该次抽取已结束，不能再答复。", code="evaluation.draw_closed")
    name = "confirm" if accept else "refuse"
    m.status = MEMBER.decide(m, MemberStatus(m.status), name, {"now": now}).target.value
    m.answered_at, m.refuse_reason = now, "" if accept else reason[:200]
    record(
        session,
        tag=f"evaluation:member:{'confirmed' if accept else 'refused'}",
        actor=actor,
        now=now,
        subject_id=f"{d.id}/{m.seq}",
        center_id=d.center_id,
        payload={"expert_id": expert.id},
    )
    if not accept:
        _replace(session, actor=actor, now=now, d=d, m=m)
    return m


def _replace(session: Session, *, actor: Actor, now: dt.datetime, d: Draw, m: DrawMember) -> None:
    for b in repository.bookings_of(session, d.id):
        if b.member_id == m.id:
            session.delete(b)
    session.flush()
    refusals = [*json.loads(d.refusals), m.seq]
    d.refusals = json.dumps(refusals)
    outcome = algo.run_draw(d.seed, json.loads(d.snapshot or "{}"), refusals)
    _persist_picks(session, actor=actor, now=now, d=d, outcome=outcome)
    if outcome.shortfalls:
        d.note = "补抽不足：" + "；".join(s.message() for s in outcome.shortfalls)
        record(
            session,
            tag="evaluation:draw:short",
            actor=actor,
            now=now,
            subject_id=d.id,
            center_id=d.center_id,
            payload={"constraints": [s.constraint for s in outcome.shortfalls], "remedies": list(algo.REMEDIES)},
        )


def _reveal_context(session: Session, draw: Draw, now: dt.datetime) -> dict[str, Any]:
    result = awards.result_of(session, draw.section_id)
    section = session.get_one(Section, draw.section_id)
    public = result is not None and result.status in (AwardStatus.NOTIFIED, AwardStatus.CONTRACTED)
    return {"now": now, "result_public": public, "section_status": section.status}


def _check_reveal(draw: Draw, ctx: dict[str, Any]) -> None:
    # The guard also sits in the table; asked here first so the API answers with a code of its own.
    secret = result_public(draw, ctx)
    if secret and draw.status == DrawStatus.DRAWN:
        raise IllegalTransition(secret, code="evaluation.result_not_public")


def _reveal(session: Session, *, actor: Actor, now: dt.datetime, draw: Draw) -> Draw:
    ctx = _reveal_context(session, draw, now)
    _check_reveal(draw, ctx)
    basis = "award_notice" if ctx["result_public"] else f"section_{ctx['section_status']}"
    draw.status = DRAW.decide(draw, DrawStatus(draw.status), "reveal", ctx).target.value
    draw.revealed_at = now
    req = json.loads(draw.request)
    seated = [m for m in repository.members_of(session, draw.id) if m.status != MemberStatus.REFUSED]
    for m in seated:
        session.add(
            ExpertEngagement(
                expert_id=m.expert_id,
                tenderee_id=req["tenderee_id"],
                section_id=draw.section_id,
                day=draw.evaluation_date,
            )
        )
        e = session.get_one(Expert, m.expert_id)
        e.evaluation_count += 1
    record(
        session,
        tag="evaluation:draw:revealed",
        actor=actor,
        now=now,
        subject_id=draw.id,
        center_id=draw.center_id,
        payload={"seed": draw.seed.hex(), "committee": [[m.seq, m.expert_id] for m in seated], "basis": basis},
    )
    return draw


def _locked(session: Session, draw_id: int) -> Draw:
    # Row lock and a fresh read: a concurrent award notice or cancel may have moved the draw since it was loaded.
    return session.get_one(Draw, draw_id, with_for_update=True, populate_existing=True)


def reveal(session: Session, *, actor: Actor, now: dt.datetime, scope: CenterScope, draw: Draw) -> Draw:
    """Staff publish the seed and the committee of a section that ended without an award (terminated); with an
    award the reveal is automatic at the award notice (``reveal_with_award``)."""
    _staff_section(session, scope, draw)
    draw = _locked(session, draw.id)
    return _reveal(session, actor=actor, now=now, draw=draw)


def reveal_with_award(session: Session, *, now: dt.datetime, section_id: int) -> list[Draw]:
    """Publish seed and committee of every drawn draw of the section when its award notice is issued, in the same
    transaction, as the platform (issue 6: the seed is revealed after the award); revealed, cancelled and merely
    committed draws are left as they are, so a second call changes nothing."""
    out = []
    for d in repository.draws_of(session, section_id):
        if d.status == DrawStatus.DRAWN and _locked(session, d.id).status == DrawStatus.DRAWN:
            out.append(_reveal(session, actor=SYSTEM, now=now, draw=d))
    return out


def cancel(session: Session, *, actor: Actor, now: dt.datetime, scope: CenterScope, draw: Draw, reason: str) -> Draw:
    """Abandon a draw with a public reason; its seats are released, its commitment stays on record."""
    _staff_section(session, scope, draw)
    draw.status = DRAW.decide(draw, DrawStatus(draw.status), "cancel", {"now": now, "reason": reason}).target.value
    draw.note = reason
    for b in repository.bookings_of(session, draw.id):
        session.delete(b)
    record(
        session,
        tag="evaluation:draw:cancelled",
        actor=actor,
        now=now,
        subject_id=draw.id,
        center_id=draw.center_id,
        payload={"reason": reason},
    )
    return draw


# --- reading --------------------------------------------------------------------------------------------


def proofs(session: Session, *, section_code: str, monitor: CenterScope | None) -> list[dict[str, Any]]:
    """The draw proofs of a section as this viewer may see them."""
    from ggzy.evaluation import visibility

    s, _tp, _p = section_context(session, section_code)
    out = []
    for d in repository.draws_of(session, s.id):
        members = repository.members_of(session, d.id)
        names = (
            repository.expert_names(session, [m.expert_id for m in members])
            if d.status in (DrawStatus.REVEALED, DrawStatus.CANCELLED)
            else {}
        )
        out.append(visibility.proof(d, s.code, members, names, monitor=bool(monitor and monitor.covers(d.center_id))))
    return out


def published_snapshot(session: Session, draw: Draw) -> dict[str, Any]:
    if draw.status not in (DrawStatus.REVEALED, DrawStatus.CANCELLED) or draw.snapshot is None:
        raise NotFound("专家库快照在抽取结果公开后提供。", code="evaluation.snapshot_not_public")
    return json.loads(draw.snapshot)


def invitations(session: Session, expert: Expert) -> list[dict[str, Any]]:
    """The expert's own invitations (the only place a drawn expert learns of a draw before the reveal)."""
    sections = {}
    out = []
    for m, d in repository.invitations_of(session, expert.id):
        if d.section_id not in sections:
            sections[d.section_id] = session.get_one(Section, d.section_id)
        s = sections[d.section_id]
        out.append(
            {
                "member_id": m.id,
                "section": s.code,
                "section_name": s.name,
                "evaluation_date": d.evaluation_date.isoformat(),
                "venue": m.center_code,
                "specialty": m.specialty,
                "status": m.status,
                "open": d.status == DrawStatus.DRAWN and m.status != MemberStatus.REFUSED,
            }
        )
    return out
