"""The evaluation session of a section (评标): declarations, qualification review, scoring at each expert's own
venue, clarifications with the bidders, aggregation, the report signed by every expert, then the award and fees.

Workflow (every transition one audit event ``evaluation:session:<name>``; the session moves itself as soon as
a guard holds):

    declaring --declared--> reviewing --reviewed--> scoring --scored--> signing --reported--> reported

Rules and sources (cn-standards §4, §1.4):

- X-1 招标投标法 第三十七条: the committee list stays secret until the result — seats show only their number
  and venue; names come out with the draw's reveal.
- 条例 第四十六条 / 12号令 第十二条: an expert with a conflict of interest must withdraw (主动回避) — the
  declaration comes before any bid is shown, and a declared conflict refuses the invitation in the draw,
  which draws the replacement by continuing the committed sequence.
- 12号令 第十九条, 条例 第五十二条 (E-16): clarifications are asked and answered through the platform, in writing.
- X-13/X-14 远程异地评标: each expert works at the venue the draw booked (主场 or 副场); the seat is recorded.
- T-15 条例 第五十三条: a report signed by every member, at most 3 ranked candidates; dissent is recorded.
- Qualification: a bid fails when a majority of the experts fail it (12号令 第五十七条: 评标委员会 … 以多数意见).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.audit.chain import canonical_json
from ggzy.audit.service import record
from ggzy.authz.scope import CenterScope
from ggzy.award import service as award
from ggzy.award.models import ExpertFee
from ggzy.award.policies import Candidate
from ggzy.deposits.workflow import TransferStatus
from ggzy.evaluation import fees, scoring
from ggzy.evaluation import service as draws
from ggzy.evaluation.models import Draw, DrawMember, Expert, SeatBooking
from ggzy.evaluation.session_models import (
    Clarification,
    EvaluationSeat,
    EvaluationSession,
    ExpertFeePayment,
    QualificationVerdict,
    ScoreSheetRow,
)
from ggzy.evaluation.workflow import DrawStatus, MemberStatus
from ggzy.kit.actor import Actor
from ggzy.kit.clock import to_shanghai
from ggzy.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ggzy.kit.money import format_yuan
from ggzy.kit.workflow import Workflow, table
from ggzy.opening.models import ForensicFinding, Opening, OpeningBid
from ggzy.pki import service as pki
from ggzy.pki.cms import verify_detached
from ggzy.projects.models import Section
from ggzy.registry.models import Entity

FEE_LIBRARIES = ("GZ",)  # the province-wide pool (一库专家共享): its tariff applies to every venue
OPENED = ("decrypted", "opened_by_custodians")


class SessionStatus(StrEnum):
    DECLARING = "declaring"  # 回避申报
    REVIEWING = "reviewing"  # 资格评审
    SCORING = "scoring"  # 详细评审与打分
    SIGNING = "signing"  # 评标报告签署
    REPORTED = "reported"  # 报告已提交，进入定标


STATUS_LABELS = {
    "declaring": "回避申报",
    "reviewing": "资格评审",
    "scoring": "详细评审",
    "signing": "签署评标报告",
    "reported": "评标结束",
}


def _every(field: str, what: str):
    def guard(_ev, ctx) -> str | None:
        pending = [s["seq"] + 1 for s in ctx["seats"] if not s[field]]
        return f"尚有专家（席位 {pending}）未完成{what}。" if pending else None

    return guard


def _committee_whole(_ev, ctx) -> str | None:
    if ctx.get("invited"):
        return "补抽的专家尚未确认出席：全体委员到齐后方可查看投标文件（条例 第四十六条）。"
    return None


SESSION = Workflow(
    "evaluation_session",
    SessionStatus,
    table(
        (
            "declared",
            {SessionStatus.DECLARING},
            SessionStatus.REVIEWING,
            (_committee_whole, _every("declared", "回避申报")),
        ),
        ("reviewed", {SessionStatus.REVIEWING}, SessionStatus.SCORING, (_every("reviewed", "资格评审"),)),
        ("scored", {SessionStatus.SCORING}, SessionStatus.SIGNING, (_every("scored", "评分"),)),
        ("reported", {SessionStatus.SIGNING}, SessionStatus.REPORTED, (_every("signed", "评标报告签署"),)),
    ),
)


# --- scheme as data ------------------------------------------------------------------------------------------


def scheme_dict(s: scoring.Scheme) -> dict[str, Any]:
    return {
        "method": s.method.value,
        "items": [
            {
                "key": i.key,
                "label": i.label,
                "min": str(i.min_points),
                "max": str(i.max_points),
                "weight": str(i.weight),
            }
            for i in s.items
        ],
        "price_weight": None if s.price_weight is None else str(s.price_weight),
        "subject": s.subject,
        "procedure": s.procedure,
        "base_price_fen": s.base_price_fen,
    }


def scheme_of(d: Mapping[str, Any]) -> scoring.Scheme:
    return scoring.Scheme(
        method=scoring.Method(d["method"]),
        items=tuple(
            scoring.ScoreItem(i["key"], i["label"], Decimal(i["max"]), Decimal(i["min"]), Decimal(i["weight"]))
            for i in d.get("items", ())
        ),
        price_weight=None if d.get("price_weight") is None else Decimal(d["price_weight"]),
        subject=d.get("subject", "goods"),
        procedure=d.get("procedure", "tender"),
        base_price_fen=d.get("base_price_fen"),
    )


CONSTRUCTION_SCHEME = scoring.Scheme(
    method=scoring.Method.COMPREHENSIVE,
    items=(
        scoring.ScoreItem("design", "施工组织设计", Decimal(30)),
        scoring.ScoreItem("team", "项目管理机构", Decimal(10)),
        scoring.ScoreItem("record", "信誉与业绩", Decimal(10)),
    ),
    price_weight=Decimal("0.50"),
)


# --- reading ---------------------------------------------------------------------------------------------------


def _one(session: Session, stmt):
    return session.execute(stmt).scalar_one_or_none()


def _opening(session: Session, section: Section) -> Opening | None:
    return _one(session, select(Opening).where(Opening.section_id == section.id))


def _opened_bids(session: Session, opening: Opening) -> list[OpeningBid]:
    rows = session.execute(
        select(OpeningBid).where(OpeningBid.opening_id == opening.id, OpeningBid.status.in_(OPENED))
    ).scalars()
    return sorted(rows, key=lambda b: b.entity_id)


def _live_draw(session: Session, section: Section) -> Draw | None:
    rows = session.execute(
        select(Draw).where(Draw.section_id == section.id, Draw.status.in_((DrawStatus.DRAWN, DrawStatus.REVEALED)))
    ).scalars()
    return max(rows, key=lambda d: d.id, default=None)


def of_section(session: Session, section: Section) -> EvaluationSession | None:
    return _one(session, select(EvaluationSession).where(EvaluationSession.section_id == section.id))


def seats_of(session: Session, ev: EvaluationSession) -> list[EvaluationSeat]:
    """The seats still on the committee (a seat whose member declared a conflict has left)."""
    rows = session.execute(select(EvaluationSeat).where(EvaluationSeat.session_id == ev.id)).scalars()
    return sorted((s for s in rows if s.declaration != "conflict"), key=lambda s: s.seq)


def _rows(session: Session, model, ev: EvaluationSession) -> list:
    return list(session.execute(select(model).where(model.session_id == ev.id).order_by(model.id)).scalars())


def _section(session: Session, code: str) -> Section:
    return draws.section_context(session, code)[0]


# --- start and seats -------------------------------------------------------------------------------------------


def _event(session: Session, ev: EvaluationSession, section_code: str, tag: str, actor: Actor, now, **payload) -> None:
    record(
        session,
        tag=f"evaluation:{tag}",
        actor=actor,
        now=now,
        subject_id=section_code,
        center_id=ev.center_id,
        payload={"section": section_code, **payload},
    )


def start(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    scope: CenterScope,
    section_code: str,
    scheme: scoring.Scheme = CONSTRUCTION_SCHEME,
    leader_seq: int | None = None,
) -> EvaluationSession:
    """Open the evaluation of a section whose opening record is published and committee drawn (idempotent)."""
    section = _section(session, section_code)
    if not scope.covers(section.center_id):
        raise Forbidden(f"标段 {section.code} 不属于您所在的交易中心。", code="evaluation.center_forbidden")
    existing = of_section(session, section)
    if existing is not None:
        return existing
    opening = _opening(session, section)
    if opening is None or opening.status != "published":
        raise Conflict("开标记录尚未公布，不能开始评标。", code="evaluation.opening_not_published")
    d = _live_draw(session, section)
    if d is None or d.status != DrawStatus.DRAWN:
        raise Conflict("该标段尚未完成专家抽取，不能开始评标。", code="evaluation.no_committee")
    scoring.check_scheme(scheme)
    main = json.loads(d.request)["main_center"]
    ev = EvaluationSession(
        section_id=section.id,
        center_id=section.center_id,
        draw_id=d.id,
        status=SessionStatus.DECLARING.value,
        method=scheme.method.value,
        scheme=canonical_json(scheme_dict(scheme)),
        main_venue=main,
        started_at=now,
        flags="[]",
    )
    session.add(ev)
    session.flush()
    members = _sync_seats(session, ev)
    # The leader (主任委员) sits at the main venue unless the committee chose otherwise.
    at_main = [s.seq for s in members if s.venue == main] or [s.seq for s in members]
    leader = leader_seq if leader_seq is not None else min(at_main)
    for s in members:
        s.role = "leader" if s.seq == leader else "member"
    _event(session, ev, section.code, "session:started", actor, now, method=ev.method, seats=len(members))
    return ev


def _sync_seats(session: Session, ev: EvaluationSession) -> list[EvaluationSeat]:
    have = {s.member_id: s for s in _rows(session, EvaluationSeat, ev)}
    members = session.execute(select(DrawMember).where(DrawMember.draw_id == ev.draw_id)).scalars()
    for m in members:
        if m.status == MemberStatus.REFUSED or m.id in have:
            continue
        booking = _one(session, select(SeatBooking).where(SeatBooking.member_id == m.id))
        have[m.id] = EvaluationSeat(
            session_id=ev.id,
            member_id=m.id,
            expert_id=m.expert_id,
            seq=m.seq,
            venue=m.center_code,
            seat_id=booking.seat_id if booking else None,
            role="member",
            declaration="",
            declaration_note="",
            sign_method="",
            dissent="",
        )
        session.add(have[m.id])
    session.flush()
    return seats_of(session, ev)


def _context(session: Session, section_code: str, expert: Expert) -> tuple[Section, EvaluationSession, EvaluationSeat]:
    """The expert's seat in the section's session; anyone else learns nothing (404), X-1."""
    section = _section(session, section_code)
    ev = of_section(session, section)
    seat = None
    if ev is not None:
        seat = next((s for s in _sync_seats(session, ev) if s.expert_id == expert.id), None)
    if ev is None or seat is None:
        raise NotFound(f"您不是标段 {section_code} 评标委员会的成员，或评标尚未开始。", code="evaluation.not_member")
    return section, ev, seat


def _member(session: Session, seat: EvaluationSeat) -> DrawMember:
    return session.get_one(DrawMember, seat.member_id)


def _ctx(session: Session, ev: EvaluationSession) -> dict[str, Any]:
    seats = seats_of(session, ev)
    invited = [s.seq for s in seats if _member(session, s).status == MemberStatus.INVITED]
    return {
        "invited": invited,
        "seats": [
            {
                "seq": s.seq,
                "declared": s.declaration == "none",
                "reviewed": s.reviewed_at is not None,
                "scored": s.scored_at is not None,
                "signed": s.signed_at is not None,
            }
            for s in seats
        ],
    }


def _advance(session: Session, *, actor: Actor, now: dt.datetime, ev: EvaluationSession, section: Section) -> None:
    """Take every transition whose guards hold, one audit event each."""
    while True:
        available = SESSION.available(SessionStatus(ev.status))
        if not available:
            return
        name = available[0].name
        ctx = _ctx(session, ev)
        if any(g(ev, ctx) for g in available[0].guards):
            return
        decision = SESSION.decide(ev, SessionStatus(ev.status), name, {"now": now, **ctx})
        payload = _on_transition(session, actor=actor, now=now, ev=ev, section=section, name=name)
        ev.status = decision.target.value
        _event(
            session,
            ev,
            section.code,
            f"session:{name}",
            actor,
            now,
            **{"from": decision.source.value, "to": decision.target.value, **payload},
        )
        if name == "reported":
            _after_report(session, actor=actor, now=now, ev=ev, section=section)


def _require(ev: EvaluationSession, *states: SessionStatus) -> None:
    if SessionStatus(ev.status) not in states:
        wanted = "、".join(STATUS_LABELS[s.value] for s in states)
        raise Conflict(
            f"评标当前处于“{STATUS_LABELS[ev.status]}”阶段，此操作仅在“{wanted}”阶段可办理。",
            code="evaluation.session_state",
        )


# --- declaration -------------------------------------------------------------------------------------------------


def declare(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    section_code: str,
    expert: Expert,
    conflict: bool,
    note: str = "",
) -> EvaluationSeat:
    """The expert declares no conflict (then sees the bids) or a conflict (leaves; a replacement is drawn)."""
    section, ev, seat = _context(session, section_code, expert)
    if seat.declaration == "none" and not conflict:
        return seat
    _require(ev, SessionStatus.DECLARING)
    if _member(session, seat).status != MemberStatus.CONFIRMED:
        raise Conflict("请先在“我的评标邀请”中确认出席，再作回避申报。", code="evaluation.not_confirmed")
    if conflict and not note.strip():
        raise ValidationFailed("申报存在利害关系时须写明情形（记入评标记录）。", code="evaluation.conflict_note")
    seat.declaration, seat.declaration_note, seat.declared_at = ("conflict" if conflict else "none"), note, now
    _event(session, ev, section.code, "seat:declared", actor, now, seat=seat.seq, conflict=conflict)
    if conflict:
        # Withdrawal (主动回避) is a refusal in the draw: the replacement continues the committed sequence.
        draws.answer(
            session,
            actor=actor,
            now=now,
            expert=expert,
            member_id=seat.member_id,
            accept=False,
            reason=f"利益冲突回避：{note}"[:200],
        )
        _sync_seats(session, ev)
    _advance(session, actor=actor, now=now, ev=ev, section=section)
    return seat


# --- what the expert sees ----------------------------------------------------------------------------------------


def _bid_forms(session: Session, section: Section) -> list[dict[str, Any]]:
    opening = _opening(session, section)
    assert opening is not None
    names: dict[int, str] = {}
    out = []
    for b in _opened_bids(session, opening):
        if b.entity_id not in names:
            names[b.entity_id] = session.get_one(Entity, b.entity_id).name
        form = json.loads(b.form_json or "{}")
        out.append(
            {
                "entity_id": b.entity_id,
                "bidder": names[b.entity_id],
                "number": b.number,
                "price_fen": b.price_fen,
                "duration_days": b.duration_days,
                "quality": b.quality,
                "key_terms": form.get("key_terms", {}),
                "files": json.loads(b.files_json or "[]"),
                # 最高投标限价 (条例 第二十七条、第五十一条): a price above it cannot pass the review
                "above_ceiling": section.ceiling_fen is not None
                and b.price_fen is not None
                and b.price_fen > section.ceiling_fen,
            }
        )
    return out


def _findings(session: Session, section: Section) -> list[dict[str, Any]]:
    opening = _opening(session, section)
    assert opening is not None
    rows = session.execute(select(ForensicFinding).where(ForensicFinding.opening_id == opening.id)).scalars()
    return [{"kind": f.kind, "statement": f.statement, "bids": json.loads(f.bids)} for f in rows]


def room(session: Session, *, section_code: str, expert: Expert) -> dict[str, Any]:
    """The evaluation room as this committee expert sees it: nothing of the bids before their declaration."""
    section, ev, seat = _context(session, section_code, expert)
    scheme = json.loads(ev.scheme)
    out: dict[str, Any] = {
        "section": section.code,
        "section_name": section.name,
        "status": ev.status,
        "status_label": STATUS_LABELS[ev.status],
        "scheme": scheme,
        "method_label": scoring.Method(ev.method).label,
        "seat": _seat_dict(seat, own=True),
        "seats": [_seat_dict(s, own=False) for s in seats_of(session, ev)],
        "main_venue": ev.main_venue,
    }
    if seat.declaration != "none":
        return out
    mine = {
        v.entity_id: {"passed": v.passed, "reason": v.reason}
        for v in _rows(session, QualificationVerdict, ev)
        if v.expert_id == expert.id
    }
    sheets = {r.entity_id: json.loads(r.scores) for r in _rows(session, ScoreSheetRow, ev) if r.expert_id == expert.id}
    out.update(
        bids=_bid_forms(session, section),
        findings=_findings(session, section),
        verdicts=mine,
        sheets=sheets,
        qualified=_qualified(session, ev) if ev.status not in ("declaring", "reviewing") else None,
        clarifications=[clarification_dict(c) for c in _rows(session, Clarification, ev)],
        report=_for_committee(json.loads(ev.report)) if ev.report else None,
        report_sha256=ev.report_sha256,
        fee=_fee_of(session, ev, expert),
    )
    return out


def _for_committee(report: dict[str, Any]) -> dict[str, Any]:
    # Members see seats, not the pool's expert ids (the list stays secret until the reveal, X-1).
    flags = [{k: v for k, v in f.items() if k != "expert_id"} for f in report.get("flags", [])]
    return {**report, "flags": flags}


def _seat_dict(s: EvaluationSeat, *, own: bool) -> dict[str, Any]:
    out = {
        "seq": s.seq,
        "venue": s.venue,
        "role": s.role,
        "declared": s.declaration == "none",
        "reviewed": s.reviewed_at is not None,
        "scored": s.scored_at is not None,
        "signed": s.signed_at is not None,
    }
    if own:
        out.update(seat_id=s.seat_id, declaration=s.declaration, sign_method=s.sign_method, dissent=s.dissent)
    return out


# --- qualification review ----------------------------------------------------------------------------------------


def review(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    section_code: str,
    expert: Expert,
    verdicts: Mapping[int, tuple[bool, str]],
) -> EvaluationSeat:
    """The expert's pass/fail of every opened bid, a reason required for a fail (resubmitting the same is a no-op)."""
    section, ev, seat = _context(session, section_code, expert)
    bidders = {b["entity_id"] for b in _bid_forms(session, section)}
    existing = {v.entity_id: v for v in _rows(session, QualificationVerdict, ev) if v.expert_id == expert.id}
    if seat.reviewed_at and all(
        e in existing and (existing[e].passed, existing[e].reason) == (p, r) for e, (p, r) in verdicts.items()
    ):
        return seat
    _require(ev, SessionStatus.REVIEWING)
    if set(verdicts) != bidders:
        raise ValidationFailed(
            "须对每一份开标有效的投标文件逐一作出资格评审结论。", code="evaluation.review_incomplete"
        )
    above = {b["entity_id"]: b["price_fen"] for b in _bid_forms(session, section) if b.get("above_ceiling")}
    for entity_id, (passed, reason) in verdicts.items():
        if not passed and not reason.strip():
            raise ValidationFailed(
                "不合格的结论须写明理由（依据招标文件的哪一条）。", code="evaluation.reason_required"
            )
        if passed and entity_id in above:
            assert section.ceiling_fen is not None
            raise ValidationFailed(
                f"投标报价 {format_yuan(above[entity_id])} 高于最高投标限价 {format_yuan(section.ceiling_fen)}，"
                "依《招标投标法实施条例》第五十一条第（五）项应当否决：请对该投标作出不合格结论并写明理由。",
                code="evaluation.above_ceiling",
            )
        row = existing.get(entity_id) or QualificationVerdict(
            session_id=ev.id, expert_id=expert.id, entity_id=entity_id
        )
        row.passed, row.reason, row.at = passed, reason, now
        session.add(row)
    seat.reviewed_at = now
    _event(
        session,
        ev,
        section.code,
        "seat:reviewed",
        actor,
        now,
        seat=seat.seq,
        failed=sorted(e for e, (p, _r) in verdicts.items() if not p),
    )
    session.flush()
    _advance(session, actor=actor, now=now, ev=ev, section=section)
    return seat


def _qualified(session: Session, ev: EvaluationSession) -> dict[int, dict[str, Any]]:
    """Per bidder: passed by the majority of the committee, with every fail reason."""
    out: dict[int, dict[str, Any]] = {}
    experts = {s.expert_id for s in seats_of(session, ev)}
    for v in _rows(session, QualificationVerdict, ev):
        if v.expert_id not in experts:
            continue
        row = out.setdefault(v.entity_id, {"pass": 0, "fail": 0, "reasons": []})
        row["pass" if v.passed else "fail"] += 1
        if not v.passed:
            row["reasons"].append(v.reason)
    for row in out.values():
        row["passed"] = row["pass"] > row["fail"]
    return out


# --- scoring -----------------------------------------------------------------------------------------------------


def _marks(scheme: scoring.Scheme, expert_id: int, entity_id: int, raw: Mapping[str, Any]) -> dict[str, Decimal]:
    try:
        marks = {k: Decimal(str(v)) for k, v in raw.items()}
    except InvalidOperation:
        raise ValidationFailed("分值须为数字（最多两位小数）。", code="scoring.not_a_number") from None
    scoring.check_sheet(scheme, scoring.ScoreSheet(expert_id, entity_id, marks))
    return marks


def score(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    section_code: str,
    expert: Expert,
    sheets: Mapping[int, Mapping[str, Any]],
) -> EvaluationSeat:
    """The expert's marks for every qualified bid, each inside its item's range; price scores are computed."""
    section, ev, seat = _context(session, section_code, expert)
    scheme = scheme_of(json.loads(ev.scheme))
    qualified = {e for e, q in _qualified(session, ev).items() if q["passed"]}
    checked = {e: _marks(scheme, expert.id, e, raw) for e, raw in sheets.items()}
    existing = {r.entity_id: r for r in _rows(session, ScoreSheetRow, ev) if r.expert_id == expert.id}
    texts = {e: canonical_json({k: str(v) for k, v in m.items()}) for e, m in checked.items()}
    if seat.scored_at and all(e in existing and existing[e].scores == t for e, t in texts.items()):
        return seat
    _require(ev, SessionStatus.SCORING)
    if set(checked) != qualified:
        raise ValidationFailed(
            "须对每一份通过资格评审的投标文件评分（且仅限这些）。", code="evaluation.scores_incomplete"
        )
    for entity_id, text in texts.items():
        row = existing.get(entity_id) or ScoreSheetRow(session_id=ev.id, expert_id=expert.id, entity_id=entity_id)
        row.scores, row.at = text, now
        session.add(row)
    seat.scored_at = now
    _event(session, ev, section.code, "seat:scored", actor, now, seat=seat.seq, venue=seat.venue, seat_id=seat.seat_id)
    session.flush()
    _advance(session, actor=actor, now=now, ev=ev, section=section)
    return seat


def _evaluate(session: Session, ev: EvaluationSession, section: Section) -> scoring.Evaluation:
    scheme = scheme_of(json.loads(ev.scheme))
    qualified = _qualified(session, ev)
    bids = [
        scoring.Bid(
            b["entity_id"],
            b["price_fen"],
            valid=qualified.get(b["entity_id"], {}).get("passed", False),
            rejection="；".join(qualified.get(b["entity_id"], {}).get("reasons", [])),
        )
        for b in _bid_forms(session, section)
    ]
    experts = {s.expert_id for s in seats_of(session, ev)}
    sheets = [
        scoring.ScoreSheet(r.expert_id, r.entity_id, {k: Decimal(v) for k, v in json.loads(r.scores).items()})
        for r in _rows(session, ScoreSheetRow, ev)
        if r.expert_id in experts
    ]
    return scoring.evaluate(scheme, bids, sheets if scheme.method.scored else [])


def _on_transition(
    session: Session, *, actor: Actor, now: dt.datetime, ev: EvaluationSession, section: Section, name: str
) -> dict[str, Any]:
    if name != "scored":
        return {}
    result = _evaluate(session, ev, section)
    ev.scored_at = now
    seq_of = {x.expert_id: x.seq for x in seats_of(session, ev)}
    flags = [_flag_dict(f, seq_of[f.expert_id]) for f in result.flags]
    ev.flags = canonical_json(flags)
    report = _report(session, ev, section, result, flags)
    ev.report = canonical_json(report)
    ev.report_sha256 = hashlib.sha256(ev.report.encode()).hexdigest()
    for f in flags:
        # To the committee (shown in the room) and to supervision (this event): information, never a change of score.
        _event(session, ev, section.code, "session:outlier_flagged", actor, now, **f)
    return {"report_sha256": ev.report_sha256, "flags": len(flags)}


def _flag_dict(f: scoring.OutlierFlag, seat: int) -> dict[str, Any]:
    word = "偏高" if f.direction == "high" else "偏低"
    return {
        "seat": seat,
        "expert_id": f.expert_id,
        "bidder_id": f.bidder_id,
        "total": str(f.total),
        "others_median": str(f.others_median),
        "direction": f.direction,
        "text": f"席位 {seat + 1} 对投标人 {f.bidder_id} 的评分 {f.total} 分明显{word}"
        f"（其他专家中位数 {f.others_median} 分）",
    }


def _report(session, ev, section, result: scoring.Evaluation, flags: list[dict]) -> dict[str, Any]:
    forms = {b["entity_id"]: b for b in _bid_forms(session, section)}
    return {
        "section": section.code,
        "method": ev.method,
        "base_price_fen": result.base_price_fen,
        "qualification": {str(k): v for k, v in sorted(_qualified(session, ev).items())},
        "ranking": [
            {
                "rank": r.rank,
                "entity_id": r.bidder_id,
                "bidder": forms[r.bidder_id]["bidder"],
                "price_fen": r.price_fen,
                "evaluated_fen": r.evaluated_fen,
                "items": {k: str(v) for k, v in r.item_scores.items()},
                "technical": str(r.technical),
                "price_score": str(r.price_score),
                "total": str(r.total),
                "tied": r.tied,
            }
            for r in result.ranking
        ],
        "candidates": [r.bidder_id for r in result.candidates()],
        "rejected": [{"entity_id": b.bidder_id, "reason": b.rejection} for b in result.rejected],
        "flags": flags,
        "findings": _findings(session, section),
        "clarifications": [clarification_dict(c) for c in _rows(session, Clarification, ev)],
        "venues": sorted({s.venue for s in seats_of(session, ev)}),
    }


# --- clarifications ----------------------------------------------------------------------------------------------


def clarification_dict(c: Clarification) -> dict[str, Any]:
    return {
        "id": c.id,
        "entity_id": c.entity_id,
        "question": c.question,
        "asked_at": c.asked_at.isoformat(),
        "answer": c.answer,
        "answered_at": c.answered_at.isoformat() if c.answered_at else None,
    }


def ask(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    section_code: str,
    expert: Expert,
    entity_id: int,
    question: str,
) -> Clarification:
    """A written clarification request to one bidder; it may not change the bid's substance (条例 第五十二条)."""
    section, ev, seat = _context(session, section_code, expert)
    _require(ev, SessionStatus.REVIEWING, SessionStatus.SCORING)
    if entity_id not in {b["entity_id"] for b in _bid_forms(session, section)}:
        raise NotFound("该投标人没有开标有效的投标文件。", code="evaluation.no_such_bidder")
    if not question.strip():
        raise ValidationFailed("请填写澄清问题。", code="evaluation.empty_question")
    for same in _rows(session, Clarification, ev):
        if (same.entity_id, same.seat_id, same.question, same.answer) == (entity_id, seat.id, question.strip(), None):
            return same  # the same open question again is a no-op
    c = Clarification(session_id=ev.id, entity_id=entity_id, seat_id=seat.id, question=question.strip(), asked_at=now)
    session.add(c)
    session.flush()
    _event(session, ev, section.code, "clarification:asked", actor, now, clarification=c.id, entity_id=entity_id)
    return c


def clarifications_for(session: Session, *, section_code: str, entity_id: int) -> list[dict[str, Any]]:
    """The bidder's own clarification requests (the committee stays anonymous)."""
    ev = of_section(session, _section(session, section_code))
    if ev is None:
        return []
    return [clarification_dict(c) for c in _rows(session, Clarification, ev) if c.entity_id == entity_id]


def answer_clarification(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    section_code: str,
    clarification_id: int,
    entity_id: int,
    account_id: int | None,
    text: str,
) -> Clarification:
    """The bidder's written answer, once; the same answer again is a no-op."""
    section = _section(session, section_code)
    ev = of_section(session, section)
    c = session.get(Clarification, clarification_id)
    if ev is None or c is None or c.session_id != ev.id or c.entity_id != entity_id:
        raise NotFound("澄清要求不存在。", code="evaluation.clarification_not_found")
    if c.answer is not None:
        if c.answer == text.strip():
            return c
        raise Conflict("该澄清已答复，不能修改。", code="evaluation.clarification_answered")
    _require(ev, SessionStatus.REVIEWING, SessionStatus.SCORING)
    if not text.strip():
        raise ValidationFailed("请填写澄清答复。", code="evaluation.empty_answer")
    c.answer, c.answered_by, c.answered_at = text.strip(), account_id, now
    _event(session, ev, section.code, "clarification:answered", actor, now, clarification=c.id, entity_id=entity_id)
    return c


# --- signing and the end -----------------------------------------------------------------------------------------


def sign(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    section_code: str,
    expert: Expert,
    signature: bytes | None = None,
    dissent: str = "",
) -> EvaluationSeat:
    """Sign the report's SHA-256: a detached CMS from a bound certificate, or the account's confirmation."""
    section, ev, seat = _context(session, section_code, expert)
    if seat.signed_at is not None:
        return seat
    _require(ev, SessionStatus.SIGNING)
    assert ev.report_sha256 is not None
    bound = pki.bindings_of(session, expert.account_id) if expert.account_id else []
    if bound:
        seat.sign_method, seat.signature = "cms", signature
        seat.signer_fingerprint = _check_signature(session, now, ev.report_sha256, signature, bound)
    else:
        seat.sign_method = "account"
    seat.signed_at, seat.dissent = now, dissent.strip()
    _event(
        session,
        ev,
        section.code,
        "seat:signed",
        actor,
        now,
        seat=seat.seq,
        method=seat.sign_method,
        report_sha256=ev.report_sha256,
        dissent=bool(seat.dissent),
    )
    _advance(session, actor=actor, now=now, ev=ev, section=section)
    return seat


def _check_signature(session: Session, now: dt.datetime, digest: str, signature: bytes | None, bound) -> str:
    if not signature:
        raise ValidationFailed(
            "您已绑定数字证书：请用证书对评标报告的 SHA-256 值作分离式 CMS 签名后提交。",
            code="evaluation.signature_required",
        )
    verdict = verify_detached(signature, digest.encode(), trust=pki.current_trust_list(session), now=now)
    cert = verdict.signers[0].certificate if verdict.signers else None
    fingerprints = {b.fingerprint for b in bound}
    if not verdict.valid or cert is None or cert.fingerprint not in fingerprints:
        raise ValidationFailed(
            f"评标报告签名无效：{verdict.message if not verdict.valid else '签名证书不是您绑定的证书'}。",
            code="evaluation.bad_signature",
        )
    return cert.fingerprint


def submit_report(session: Session, *, actor: Actor, now: dt.datetime, section_code: str) -> EvaluationSession:
    """Close the session (the last signature does this): refused while any expert has not signed (T-15)."""
    section = _section(session, section_code)
    ev = of_section(session, section)
    if ev is None:
        raise NotFound("评标尚未开始。", code="evaluation.no_session")
    if ev.status == SessionStatus.REPORTED:
        return ev
    SESSION.decide(ev, SessionStatus(ev.status), "reported", {"now": now, **_ctx(session, ev)})
    _advance(session, actor=actor, now=now, ev=ev, section=section)
    return ev


def _after_report(session: Session, *, actor: Actor, now: dt.datetime, ev: EvaluationSession, section: Section) -> None:
    assert ev.report is not None
    report = json.loads(ev.report)
    seats = seats_of(session, ev)
    forms = {b["entity_id"]: b for b in _bid_forms(session, section)}
    ranked = [
        Candidate(
            r["rank"],
            r["entity_id"],
            r["price_fen"],
            Decimal(r["total"]) if ev.method in ("comprehensive", "gp_comprehensive") else None,
            evaluated_fen=r["evaluated_fen"],
            quality=forms[r["entity_id"]]["quality"] or "",
            duration_days=forms[r["entity_id"]]["duration_days"],
            project_manager=str(forms[r["entity_id"]]["key_terms"].get("项目经理", "")),
        )
        for r in report["ranking"]
        if r["entity_id"] in report["candidates"]
    ]
    dissent = "\n".join(f"席位 {s.seq + 1}：{s.dissent}" for s in seats if s.dissent)
    award.submit_evaluation_result(
        session,
        actor=actor,
        now=now,
        section=section,
        ranked=ranked,
        report_signers=[s.expert_id for s in seats if s.signed_at],
        required_signers=len(seats),
        bidder_ids=sorted(forms),
        method=ev.method,
        report_text=f"评标报告（SHA-256 {ev.report_sha256}），由评标委员会全体成员签署。",
        scores={
            "session_report": report,
            "session_report_sha256": ev.report_sha256,
            "signatures": [
                {"seat": s.seq, "method": s.sign_method, "fingerprint": s.signer_fingerprint, "venue": s.venue}
                for s in seats
            ],
        },
        flags=report["flags"],
        dissent=dissent,
    )
    ev.ended_at = now
    pay_fees(session, actor=actor, now=now, ev=ev, section=section)


def pay_fees(session: Session, *, actor: Actor, now: dt.datetime, ev: EvaluationSession, section: Section) -> None:
    """Each expert's fee by the published tariff (duration, leader, secondary venue) and its payment order."""
    assert ev.ended_at is not None
    minutes = max(1, int((ev.ended_at - ev.started_at).total_seconds() // 60))
    for s in seats_of(session, ev):
        fee = _one(
            session, select(ExpertFee).where(ExpertFee.section_id == section.id, ExpertFee.expert_id == s.expert_id)
        )
        if fee is None:
            fee = award.record_expert_fee(
                session,
                actor=actor,
                now=now,
                section=section,
                expert_id=s.expert_id,
                libraries=FEE_LIBRARIES,
                minutes=minutes,
                role=s.role,
                remote=s.venue != ev.main_venue,
            )
        key = f"fee-{section.code}-{s.expert_id}"
        if _one(session, select(ExpertFeePayment).where(ExpertFeePayment.key == key)) is None:
            expert = session.get_one(Expert, s.expert_id)
            # Held (not released to the bank) while the expert has no payee account: fees.sync_payee releases it.
            session.add(
                ExpertFeePayment(
                    key=key,
                    session_id=ev.id,
                    expert_id=s.expert_id,
                    fee_id=fee.id,
                    payee_name=expert.name,
                    amount_fen=fee.amount_fen,
                    status=TransferStatus.INSTRUCTED.value,
                    created_at=now,
                    **fees.new_order_terms(session, expert),
                )
            )
    session.flush()


def _fee_of(session: Session, ev: EvaluationSession, expert: Expert) -> dict[str, Any] | None:
    # The live order: one replaced after the bank reported it failed (deposits.reissue) is not the fee's state.
    live = ExpertFeePayment.status != TransferStatus.REISSUED
    p = _one(
        session,
        select(ExpertFeePayment).where(
            ExpertFeePayment.session_id == ev.id, ExpertFeePayment.expert_id == expert.id, live
        ),
    )
    if p is None:
        return None
    fee = session.get_one(ExpertFee, p.fee_id)
    return {
        **fees.payment_dict(p),
        "minutes": fee.minutes,
        "role": fee.role,
        "remote": fee.remote,
        "tariff": fee.tariff,
        "breakdown": json.loads(fee.breakdown),
    }


# --- the center's monitor --------------------------------------------------------------------------------------


def monitor(session: Session, *, scope: CenterScope) -> list[dict[str, Any]]:
    """Sessions of the staff's centers with progress per venue — no names, no scores (X-1)."""
    out = []
    rows = session.execute(select(EvaluationSession).order_by(EvaluationSession.id.desc())).scalars()
    for ev in rows:
        if not scope.covers(ev.center_id):
            continue
        section = session.get_one(Section, ev.section_id)
        venues: dict[str, dict[str, int]] = {}
        for s in seats_of(session, ev):
            v = venues.setdefault(s.venue, {"seats": 0, "declared": 0, "reviewed": 0, "scored": 0, "signed": 0})
            v["seats"] += 1
            v["declared"] += s.declaration == "none"
            v["reviewed"] += s.reviewed_at is not None
            v["scored"] += s.scored_at is not None
            v["signed"] += s.signed_at is not None
        out.append(
            {
                "section": section.code,
                "section_name": section.name,
                "status": ev.status,
                "status_label": STATUS_LABELS[ev.status],
                "method_label": scoring.Method(ev.method).label,
                "main_venue": ev.main_venue,
                "started_at": f"{to_shanghai(ev.started_at):%Y-%m-%d %H:%M}",
                "ended_at": f"{to_shanghai(ev.ended_at):%Y-%m-%d %H:%M}" if ev.ended_at else None,
                "venues": [{"venue": k, "main": k == ev.main_venue, **v} for k, v in sorted(venues.items())],
                "flags": len(json.loads(ev.flags)),
            }
        )
    return out
