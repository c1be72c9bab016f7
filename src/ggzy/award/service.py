"""Use cases of the award: evaluation result in, publicity, objections, decision and notices, contract, deadlines.

Each status change goes through ``award.workflow.AWARD`` and records one audit event in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ggzy.audit.chain import canonical_json
from ggzy.audit.service import record, register_confidential
from ggzy.award import policies, repository
from ggzy.award.models import AwardCandidate, AwardContract, AwardNotice, AwardObjection, AwardResult, ExpertFee
from ggzy.award.workflow import AWARD, AwardStatus, within_publicity
from ggzy.centers import service as centers
from ggzy.centers.calendar import WorkingCalendar
from ggzy.centers.models import Center
from ggzy.deposits import service as deposits
from ggzy.evaluation import service as draws
from ggzy.evaluation import tariff
from ggzy.kit.actor import CHRONOGRAPH, Actor
from ggzy.kit.clock import ensure_aware, to_shanghai
from ggzy.kit.errors import Conflict, Forbidden, IllegalTransition, NotFound, ValidationFailed
from ggzy.kit.money import format_yuan
from ggzy.kit.signing import PlatformKey
from ggzy.pki.documents import render_record_pdf, seal_platform_pdf
from ggzy.projects.models import Notification, Project, Section, TenderProject
from ggzy.projects.rulesets import rule_set
from ggzy.projects.service import may_manage
from ggzy.registry.models import Entity

# A fee names the expert it is for: chained, never served (招标投标法 第三十七条 — the committee is secret until the
# result; the archive and the signed report carry the fees afterwards).
register_confidential("award:fee:computed")


@dataclass(frozen=True)
class Loaded:
    section: Section
    tp: TenderProject
    project: Project
    result: AwardResult
    rules: policies.AwardRules


def _calendar(session: Session, center_id: int) -> WorkingCalendar:
    center = session.get(Center, center_id)
    assert center is not None
    return centers.working_calendar(session, center)


def _rules(tp: TenderProject) -> policies.AwardRules:
    return policies.rules_for(rule_set(tp.rule_set).transaction_type.value)


def load(session: Session, section_code: str, *, lock: bool = False) -> Loaded:
    section, tp, project = repository.section_by_code(session, section_code)
    result = repository.result_of(session, section.id, lock=lock)
    if result is None:
        raise NotFound(f"标段 {section_code} 尚无评标结果。", code="award.not_found")
    return Loaded(section, tp, project, result, _rules(tp))


def _move(session: Session, x: Loaded, name: str, *, actor: Actor, now: dt.datetime, ctx=None, payload=None) -> None:
    decision = AWARD.decide(x.result, AwardStatus(x.result.status), name, {"now": now, **(ctx or {})})
    x.result.status = decision.target.value
    record(
        session,
        tag=f"award:result:{name}",
        actor=actor,
        now=now,
        subject_id=x.section.code,
        center_id=x.section.center_id,
        payload={
            "section": x.section.code,
            "from": decision.source.value,
            "to": decision.target.value,
            **(payload or {}),
        },
    )


def _tenderee(x: Loaded, entity_id: int) -> None:
    if not may_manage(x.project, entity_id):
        raise Forbidden("只有本项目的招标人（采购人）或其委托的代理机构可以办理此事项。", code="award.not_tenderee")


def bidder_ids(result: AwardResult) -> list[int]:
    return [int(i) for i in json.loads(result.bidder_ids)]


def _notify(session: Session, entity_id: int, tp: TenderProject, title: str, body: str, now: dt.datetime) -> None:
    session.add(Notification(entity_id=entity_id, tender_project_id=tp.id, title=title, body=body, at=now))


# --- the evaluation result ---------------------------------------------------------------------------------


def submit_evaluation_result(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    section: Section,
    ranked: Sequence[policies.Candidate],
    report_signers: Sequence[int],
    required_signers: int,
    bidder_ids: Sequence[int],
    method: str,
    report_text: str = "",
    scores: dict[str, Any] | None = None,
    flags: Sequence[dict[str, Any]] = (),
    dissent: str = "",
    state_funded: bool = True,
) -> AwardResult:
    """Receive the committee's signed report and ranked candidates; the publicity clock starts (T-15, T-16)."""
    policies.check_report(signers=report_signers, required=required_signers)
    policies.check_candidates(ranked, bidder_ids)
    if repository.result_of(session, section.id) is not None:
        raise Conflict(f"标段 {section.code} 已提交评标结果。", code="award.result_exists")
    tp = session.get(TenderProject, section.tender_project_id)
    assert tp is not None
    rules = _rules(tp)
    report = {
        "section": section.code,
        "method": method,
        "report": report_text,
        "candidates": [_candidate_json(c) for c in sorted(ranked, key=lambda c: c.rank)],
        "scores": scores or {},
        "flags": list(flags),
        "dissent": dissent,
        "signers": sorted(set(report_signers)),
        "received_at": now.isoformat(),
    }
    text = canonical_json(report)
    due = _calendar(session, section.center_id).deadline(now, rules.publicity_within).astimezone(dt.UTC)
    result = AwardResult(
        section_id=section.id,
        center_id=section.center_id,
        status=AwardStatus.REPORTED.value,
        method=method,
        state_funded=state_funded,
        bidder_ids=json.dumps(sorted(set(bidder_ids))),
        report_sha256=hashlib.sha256(text.encode()).hexdigest(),
        report=text,
        signers=json.dumps(sorted(set(report_signers))),
        required_signers=required_signers,
        dissent=dissent,
        report_received_at=now,
        publicity_due_by=due,
        next_check=due,
    )
    session.add(result)
    session.flush()
    for c in ranked:
        session.add(_candidate_row(session, result, c))
    record(
        session,
        tag="award:report:received",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={
            "section": section.code,
            "report_sha256": result.report_sha256,
            "candidates": [[c.rank, c.entity_id] for c in sorted(ranked, key=lambda c: c.rank)],
            "signed": len(set(report_signers)),
            "publicity_due_by": due.isoformat(),
            "rule": rules.publicity_within.rule_id,
        },
    )
    for f in flags:
        # Far-off scores go to supervision as they are found ("熟面孔打人情分"); they change no score.
        record(
            session,
            tag="award:evaluation:outlier_flagged",
            actor=actor,
            now=now,
            subject_id=section.code,
            center_id=section.center_id,
            payload={"section": section.code, **f},
        )
    session.flush()
    return result


def _candidate_json(c: policies.Candidate) -> dict[str, Any]:
    return {
        "rank": c.rank,
        "entity_id": c.entity_id,
        "price_fen": c.price_fen,
        "evaluated_fen": c.evaluated_fen,
        "score": None if c.score is None else str(c.score),
        "quality": c.quality,
        "duration_days": c.duration_days,
        "project_manager": c.project_manager,
    }


def _candidate_row(session: Session, result: AwardResult, c: policies.Candidate) -> AwardCandidate:
    entity = session.get(Entity, c.entity_id)
    if entity is None:
        raise NotFound(f"市场主体 {c.entity_id} 不存在。", code="registry.not_found")
    return AwardCandidate(
        result_id=result.id,
        rank=c.rank,
        entity_id=c.entity_id,
        name=entity.name,
        code=entity.uscc or "",
        price_fen=c.price_fen,
        evaluated_fen=c.evaluated_fen,
        score="" if c.score is None else str(Decimal(c.score)),
        quality=c.quality,
        duration_days=c.duration_days,
        project_manager=c.project_manager,
    )


# --- publicity and objections ------------------------------------------------------------------------------


def publish_publicity(
    session: Session, *, actor: Actor, now: dt.datetime, entity_id: int, section_code: str, ends_at=None
) -> AwardResult:
    """The tenderee publicizes the candidates for at least the legal period (T-16); late publication is flagged."""
    x = load(session, section_code, lock=True)
    _tenderee(x, entity_id)
    cal = _calendar(session, x.section.center_id)
    earliest = cal.deadline(now, x.rules.publicity_min)
    if ends_at is not None and ensure_aware(ends_at) < earliest:
        raise ValidationFailed(
            f"公示期不得短于{x.rules.publicity_min.describe()}（{x.rules.publicity_min.source}）："
            f"最早于 {to_shanghai(earliest):%Y-%m-%d %H:%M} 结束。",
            code="award.publicity_too_short",
        )
    end = ensure_aware(ends_at) if ends_at is not None else earliest
    late = now > ensure_aware(x.result.publicity_due_by)
    x.result.publicity_start, x.result.publicity_end = now, end.astimezone(dt.UTC)
    x.result.publicity_rule = f"{x.rules.publicity_min.rule_id} {x.rules.publicity_min.source}"
    x.result.next_check = None
    _move(session, x, "publicize", actor=actor, now=now, payload={"end": end.isoformat(), "late": late, "rule": "T-16"})
    for bidder in bidder_ids(x.result):
        _notify(session, bidder, x.tp, f"【{x.rules.publicity_label}】{x.section.name}", _publicity_note(x), now)
    return x.result


def _publicity_note(x: Loaded) -> str:
    end = to_shanghai(ensure_aware(x.result.publicity_end))
    return f"公示期至 {end:%Y-%m-%d %H:%M}（北京时间）。对公示结果有异议的，可在公示期内通过平台提出。"


def file_objection(
    session: Session, *, actor: Actor, now: dt.datetime, entity_id: int, section_code: str, text: str
) -> AwardObjection:
    """A bidder of the section objects during the publicity; the process is suspended until answered (T-16)."""
    x = load(session, section_code, lock=True)
    if entity_id not in bidder_ids(x.result):
        raise Forbidden("只有本标段的投标人可以对中标候选人提出异议。", code="award.not_a_bidder")
    if not text.strip():
        raise ValidationFailed("请写明异议的事项和理由。", code="award.empty_objection")
    if x.result.publicity_start is None:
        raise ValidationFailed("中标候选人尚未公示，不能提出异议。", code="award.not_publicized")
    # A late objection is refused with the rule, whatever step the award has reached since.
    late = within_publicity(x.result, {"now": now})
    if late:
        raise IllegalTransition(late, code="award.objection_late")
    due = _calendar(session, x.section.center_id).deadline(now, x.rules.objection_reply).astimezone(dt.UTC)
    _move(session, x, "object", actor=actor, now=now, payload={"entity": entity_id, "reply_due_by": due.isoformat()})
    objection = AwardObjection(
        result_id=x.result.id, entity_id=entity_id, text=text.strip(), filed_at=now, reply_due_by=due
    )
    session.add(objection)
    x.result.next_check = min(filter(None, [x.result.next_check and ensure_aware(x.result.next_check), due]))
    session.flush()
    return objection


def reply_objection(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    entity_id: int,
    section_code: str,
    objection_id: int,
    reply: str,
) -> AwardObjection:
    """The tenderee answers; when no objection is left open the process resumes."""
    x = load(session, section_code, lock=True)
    _tenderee(x, entity_id)
    objection = session.get(AwardObjection, objection_id)
    if objection is None or objection.result_id != x.result.id:
        raise NotFound("异议不存在。", code="award.objection_not_found")
    if objection.replied_at is not None:
        raise Conflict("该异议已答复。", code="award.objection_answered")
    if not reply.strip():
        raise ValidationFailed("请填写答复内容。", code="award.empty_reply")
    objection.reply, objection.replied_at = reply.strip(), now
    record(
        session,
        tag="award:objection:answered",
        actor=actor,
        now=now,
        subject_id=x.section.code,
        center_id=x.section.center_id,
        payload={"objection": objection.id, "late": now > ensure_aware(objection.reply_due_by)},
    )
    _notify(session, objection.entity_id, x.tp, f"【异议答复】{x.section.name}", objection.reply, now)
    session.flush()
    if not _open(session, x.result):
        _move(session, x, "resume", actor=actor, now=now, ctx={"open_objections": 0})
        x.result.next_check = None
    return objection


def _open(session: Session, result: AwardResult) -> int:
    return sum(1 for o in repository.objections(session, result.id) if o.replied_at is None)


# --- decision, notices, contract ---------------------------------------------------------------------------


def decide_award(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    key: PlatformKey,
    entity_id: int,
    section_code: str,
    winner_entity_id: int | None = None,
    passed_over: dict[int, str] | None = None,
) -> AwardResult:
    """The tenderee determines the winner (T-17 in order where bound); notices are sealed and sent; the committee
    draw is revealed; the losers' deposits are scheduled for refund; the contract clock starts (T-18)."""
    x = load(session, section_code, lock=True)
    _tenderee(x, entity_id)
    cands = [_as_candidate(c) for c in repository.candidates(session, x.result.id)]
    winner_id = winner_entity_id or min(cands, key=lambda c: c.rank).entity_id
    in_order = x.rules.in_order or x.result.state_funded
    winner = policies.check_winner(cands, winner_id, in_order=in_order, passed_over=passed_over or {})
    _move(
        session,
        x,
        "decide",
        actor=actor,
        now=now,
        ctx={"open_objections": _open(session, x.result)},
        payload={"winner": winner.entity_id, "rank": winner.rank, "passed_over": passed_over or {}},
    )
    x.result.winner_entity_id, x.result.decided_at = winner.entity_id, now
    _issue_notices(session, x, winner, actor=actor, now=now, key=key)
    return x.result


def _as_candidate(c: AwardCandidate) -> policies.Candidate:
    return policies.Candidate(c.rank, c.entity_id, c.price_fen, None, c.evaluated_fen)


def _issue_notices(
    session: Session, x: Loaded, winner: policies.Candidate, *, actor: Actor, now: dt.datetime, key: PlatformKey
) -> None:
    due = _calendar(session, x.section.center_id).deadline(now, x.rules.contract_within).astimezone(dt.UTC)
    rows = {c.entity_id: c for c in repository.candidates(session, x.result.id)}
    won = rows[winner.entity_id]
    for i, bidder in enumerate([winner.entity_id] + [b for b in bidder_ids(x.result) if b != winner.entity_id]):
        kind = "award" if bidder == winner.entity_id else "result"
        number = f"{x.section.code}-{'Z' if kind == 'award' else 'J'}{i:03d}"
        pdf = seal_platform_pdf(_notice_pdf(session, x, won, bidder, kind, number, due, now), key, signing_time=now)
        session.add(
            AwardNotice(
                result_id=x.result.id,
                entity_id=bidder,
                kind=kind,
                number=number,
                pdf=pdf,
                sha256=hashlib.sha256(pdf).hexdigest(),
                issued_at=now,
            )
        )
        title = "【中标通知书】" if kind == "award" else "【中标结果通知书】"
        _notify(session, bidder, x.tp, f"{title}{x.section.name}", f"通知书编号 {number}，请在平台下载。", now)
    x.result.notice_issued_at, x.result.contract_due_by, x.result.next_check = now, due, due
    session.flush()
    _move(
        session,
        x,
        "notify",
        actor=actor,
        now=now,
        payload={"winner": winner.entity_id, "price_fen": won.price_fen, "contract_due_by": due.isoformat()},
    )
    # The result is public from here: the committee's names and the draw seed come out with it (法 第三十七条, issue 6).
    draws.reveal_with_award(session, now=now, section_id=x.section.id)
    deposits.schedule_refunds(session, x.section, "award", now, winner_entity_id=winner.entity_id, actor=actor)


def _notice_pdf(
    session: Session, x: Loaded, won: AwardCandidate, bidder: int, kind: str, number: str, due, now
) -> bytes:
    addressee = session.get(Entity, bidder)
    fields = [
        ("致", addressee.name if addressee else str(bidder)),
        ("招标项目", f"{x.tp.name}（{x.tp.code}）"),
        ("标段（包）", f"{x.section.name}（{x.section.code}）"),
        ("中标人", won.name),
        ("中标价", format_yuan(won.price_fen)),
    ]
    if won.duration_days:
        fields.append(("工期", f"{won.duration_days} 日历天"))
    if won.quality:
        fields.append(("质量", won.quality))
    if won.project_manager:
        fields.append(("项目负责人", won.project_manager))
    if kind == "award":
        fields.append(("签订合同期限", f"{to_shanghai(due):%Y-%m-%d} 前（{x.rules.contract_within.source}）"))
        title, note = "中标通知书", "请于上述期限内与招标人订立书面合同。本通知书由平台电子签章，可离线验证。"
    else:
        title, note = "中标结果通知书", "感谢贵单位参与投标。贵单位未中标；投标保证金将按规定退还。"
    return render_record_pdf(title, fields, number=number, issued_at=now, note=note)


def record_contract(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    entity_id: int,
    section_code: str,
    code: str,
    name: str,
    amount_fen: int,
    signed_at: dt.datetime,
    content: str,
    term_days: int | None = None,
) -> AwardContract:
    """The tenderee records the signed contract (T-18, G-10); the winner's deposit is scheduled for refund (T-19)."""
    x = load(session, section_code, lock=True)
    _tenderee(x, entity_id)
    if not code.strip() or not name.strip() or amount_fen <= 0:
        raise ValidationFailed("请填写合同编号、名称和合同金额。", code="award.bad_contract")
    if x.result.notice_issued_at is not None and ensure_aware(signed_at) < ensure_aware(x.result.notice_issued_at):
        raise ValidationFailed("合同签署时间不能早于中标通知书发出时间。", code="award.contract_before_notice")
    if ensure_aware(signed_at) > now:
        raise ValidationFailed("合同签署时间不能晚于当前时间。", code="award.contract_in_future")
    due = x.result.contract_due_by
    late = due is not None and ensure_aware(signed_at) >= ensure_aware(due)
    body = canonical_json({"code": code, "name": name, "amount_fen": amount_fen, "content": content})
    contract = AwardContract(
        result_id=x.result.id,
        code=code.strip(),
        name=name.strip(),
        amount_fen=amount_fen,
        term_days=term_days,
        content=content,
        signed_at=signed_at,
        recorded_at=now,
        sha256=hashlib.sha256(body.encode()).hexdigest(),
        late=late,
    )
    session.add(contract)
    x.result.next_check = None
    _move(session, x, "contract", actor=actor, now=now, payload={"code": code, "amount_fen": amount_fen, "late": late})
    deposits.schedule_refunds(
        session, x.section, "contract", now, winner_entity_id=x.result.winner_entity_id, actor=actor
    )
    session.flush()
    return contract


# --- deadlines (chronograph) ---------------------------------------------------------------------------------


def due_results(session: Session, now: dt.datetime, limit: int) -> list[int]:
    return repository.due(session, now, limit)


def check_deadlines(session: Session, result_id: int, now: dt.datetime) -> bool:
    """Flag to supervision, once each: publicity not published in time, objection unanswered, contract overdue."""
    result = session.get(AwardResult, result_id, with_for_update=True)
    if result is None or result.next_check is None or ensure_aware(result.next_check) > now:
        return False
    raised = set(filter(None, result.overdue_flagged.split(",")))
    found: list[tuple[str, dict[str, Any]]] = []
    if result.status == AwardStatus.REPORTED.value and now >= ensure_aware(result.publicity_due_by):
        found.append(("publicity", {"due_by": ensure_aware(result.publicity_due_by).isoformat(), "rule": "T-16"}))
    for o in repository.objections(session, result.id):
        if o.replied_at is None and now >= ensure_aware(o.reply_due_by):
            found.append((f"objection{o.id}", {"objection": o.id, "due_by": ensure_aware(o.reply_due_by).isoformat()}))
    if (
        result.status == AwardStatus.NOTIFIED.value
        and result.contract_due_by
        and now >= ensure_aware(result.contract_due_by)
    ):
        found.append(("contract", {"due_by": ensure_aware(result.contract_due_by).isoformat(), "rule": "T-18"}))
    section = session.get(Section, result.section_id)
    assert section is not None
    new = [(k, p) for k, p in found if k not in raised]
    for flag, payload in new:
        record(
            session,
            tag=f"award:overdue:{'objection' if flag.startswith('objection') else flag}",
            actor=CHRONOGRAPH,
            now=now,
            subject_id=section.code,
            center_id=result.center_id,
            payload={"section": section.code, "supervision": True, **payload},
        )
        raised.add(flag)
    result.overdue_flagged = ",".join(sorted(raised))
    result.next_check = None
    return bool(new)


# --- expert fees -------------------------------------------------------------------------------------------------


def record_expert_fee(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    section: Section,
    expert_id: int,
    libraries: Sequence[str],
    minutes: int,
    role: str = "member",
    remote: bool = False,
    senior: bool = False,
) -> ExpertFee:
    """An expert's fee computed from the published tariff in force on the evaluation day (never negotiated)."""
    tp = session.get(TenderProject, section.tender_project_id)
    assert tp is not None
    fee = tariff.compute_fee(
        libraries=libraries,
        project_type=rule_set(tp.rule_set).transaction_type.value,
        on=to_shanghai(now).date(),
        minutes=minutes,
        role=role,
        remote=remote,
        senior=senior,
    )
    row = ExpertFee(
        section_id=section.id,
        center_id=section.center_id,
        expert_id=expert_id,
        tariff=fee.tariff,
        minutes=minutes,
        role=role,
        remote=remote,
        amount_fen=fee.total_fen,
        breakdown=canonical_json(fee.as_dict()),
        computed_at=now,
    )
    session.add(row)
    session.flush()
    record(
        session,
        tag="award:fee:computed",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={"expert": expert_id, "tariff": fee.tariff, "amount_fen": fee.total_fen, "demo": fee.demo},
    )
    return row
