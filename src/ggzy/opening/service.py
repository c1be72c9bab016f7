"""Use cases of the opening: start at the deadline, roll call, key handover, the custodians' remedy,
objections, the record and the transcript. Every status change goes through ``workflow`` and writes one
audit event in the same transaction.

Crash safety: each step is a transaction that re-reads its rows under a lock and does nothing when its
work is already done. A bid's result is written by a compare-and-set (``status = 'pending'`` in the
WHERE clause) on its one ``opening_bids`` row, so a step re-run after a crash, or run twice at once,
records a bid's decryption at most once; the heavy decryption itself happens outside any write
transaction (``prepare_key`` → ``decryption.open_bid`` → ``apply_outcome``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from ggzy.audit.chain import canonical_json
from ggzy.audit.service import record
from ggzy.bidding.models import Bid
from ggzy.kit.actor import CHRONOGRAPH, Actor
from ggzy.kit.blobs import BlobStore
from ggzy.kit.errors import Conflict, Forbidden, GgzyError, IllegalTransition, NotFound, ValidationFailed
from ggzy.kit.signing import PlatformKey
from ggzy.opening import live
from ggzy.opening import repository as repo
from ggzy.opening.decryption import Expected, Outcome, open_bid
from ggzy.opening.models import KeySubmission, Objection, Opening, OpeningBid, RecordConfirmation, RollCall
from ggzy.opening.policies import REMEDY_SOURCE, opening_rules
from ggzy.opening.workflow import (
    BID,
    FINAL_BID,
    OPENING,
    BidOpeningStatus,
    Failure,
    OpeningStatus,
    consequence,
)
from ggzy.pki.validation import TrustList
from ggzy.projects.models import Section
from ggzy.projects.rulesets import rule_set


@dataclass(frozen=True)
class Env:
    """What the steps need besides the session: the ciphertext store, the platform key, a scratch directory."""

    blobs: BlobStore
    key: PlatformKey
    tmp_root: Path | None = None


def _bump(session: Session, opening: Opening) -> None:
    opening.seq = (opening.seq or 0) + 1
    section = session.get(Section, opening.section_id)
    assert section is not None
    live.notify(session, live.topic_of(section.code), seq=opening.seq)


def _move(session: Session, opening: Opening, name: str, ctx: dict[str, Any], *, actor: Actor, now, payload=None):
    section = session.get(Section, opening.section_id)
    assert section is not None
    decision = OPENING.decide(opening, OpeningStatus(opening.status), name, {"now": now, **ctx})
    opening.status = decision.target.value
    record(
        session,
        tag=f"opening:session:{name}",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={"from": decision.source.value, "to": decision.target.value, **(payload or {})},
    )
    _bump(session, opening)


# --- start at the deadline (chronograph) ----------------------------------------------------------------


def due_sections(session: Session, now: dt.datetime, limit: int) -> list[int]:
    return repo.sections_to_open(session, now, limit)


def start(session: Session, section_id: int, now: dt.datetime) -> bool:
    """At the deadline: count the standing bids; too few → no opening (条例 第四十四条), else roll call."""
    section = session.get(Section, section_id, with_for_update=True)
    if section is None or section.bid_deadline is None or section.bid_deadline > now:
        return False
    if repo.opening_of(session, section.id) is not None:
        return False
    tp, _ = repo.context_of(session, section)
    rules = opening_rules(rule_set(tp.rule_set))
    bids = repo.live_bids(session, section.id)
    opening = Opening(
        section_id=section.id,
        center_id=section.center_id,
        status=OpeningStatus.SCHEDULED.value,
        deadline=section.bid_deadline,
        started_at=now,
        bids_counted=len(bids),
        min_bidders=rules.min_bidders,
        min_bidders_source=rules.min_bidders_source,
        rule_set=tp.rule_set,
        remedy=rules.remedy,
        window_minutes=int(rules.decryption.total_seconds() // 60),
        window_source=rules.decryption_source,
        seq=0,
    )
    session.add(opening)
    session.flush()
    ctx = {
        "deadline": section.bid_deadline,
        "bids": len(bids),
        "min_bidders": rules.min_bidders,
        "min_bidders_source": rules.min_bidders_source,
    }
    facts = {"bids": len(bids), "min_bidders": rules.min_bidders, "rule": rules.min_bidders_source}
    if len(bids) < rules.min_bidders:
        _move(session, opening, "fail_insufficient", ctx, actor=CHRONOGRAPH, now=now, payload=facts)
        opening.next_check = now  # the record of the failed opening is drawn up by the next step
        return True
    for bid in bids:
        session.add(
            OpeningBid(
                opening_id=opening.id,
                bid_id=bid.id,
                entity_id=bid.entity_id,
                number=bid.number,
                status=BidOpeningStatus.PENDING.value,
                ciphertext_sha256=bid.sha256,
                ciphertext_sm3=bid.sm3,
            )
        )
    opening.roll_call_ends = now + rules.roll_call
    opening.next_check = opening.roll_call_ends
    _move(session, opening, "start", ctx, actor=CHRONOGRAPH, now=now, payload={**facts, "remedy": rules.remedy})
    return True


# --- roll call ---------------------------------------------------------------------------------------------


def _live_opening(session: Session, code: str, *, lock: bool = True) -> tuple[Section, Opening]:
    section = repo.section_by_code(session, code)
    opening = repo.opening_of(session, section.id, lock=lock)
    if opening is None:
        raise NotFound(f"标段 {code} 尚未开标。", code="opening.not_started")
    return section, opening


def _own_bid(session: Session, opening: Opening, entity_id: int) -> OpeningBid:
    row = next((b for b in repo.opening_bids(session, opening.id) if b.entity_id == entity_id), None)
    if row is None:
        raise Forbidden(
            "贵单位在本标段没有有效投标文件，不能参加本次开标的签到、解密或异议。", code="opening.not_a_bidder"
        )
    return row


def sign_in(
    session: Session, *, actor: Actor, now: dt.datetime, code: str, entity_id: int, user_agent: str | None, env: Env
) -> RollCall:
    """A bidder's account confirms its presence (签到). Signing in twice returns the first sign-in."""
    section, opening = _live_opening(session, code)
    _own_bid(session, opening, entity_id)
    existing = next((r for r in repo.roll_calls(session, opening.id) if r.entity_id == entity_id), None)
    if existing is not None:
        return existing
    if opening.status not in (OpeningStatus.ROLL_CALL.value, OpeningStatus.DECRYPTING.value):
        raise IllegalTransition("签到已结束。", code="opening.roll_call_closed")
    row = RollCall(
        opening_id=opening.id,
        entity_id=entity_id,
        account_id=actor.account_id,
        at=now,
        ip=actor.ip,
        user_agent=(user_agent or "")[:300] or None,
    )
    session.add(row)
    session.flush()
    record(
        session,
        tag="opening:roll_call:signed_in",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={"entity_id": entity_id},
    )
    _bump(session, opening)
    _advance(session, opening, now, env=env, actor=actor)
    return row


def instruct_decryption(session: Session, *, actor: Actor, now: dt.datetime, code: str, env: Env) -> Opening:
    """The host (center staff) ends the roll call and gives the decryption instruction (E-13)."""
    _, opening = _live_opening(session, code)
    if opening.status == OpeningStatus.ROLL_CALL.value:
        opening.instructed_by = actor.account_id
        _advance(session, opening, now, env=env, actor=actor, instructed=True)
    return opening


# --- the bidder's key ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A checked handover, ready to decrypt outside any write transaction."""

    opening_bid_id: int
    expected: Expected
    blob: Path
    cek: bytes
    by_bidder: bool
    submission: dict[str, Any]


def prepare_key(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    code: str,
    entity_id: int,
    account_id: int,
    bid_number: str,
    cek: bytes,
    statement: str,
    signature: bytes,
    trust: TrustList,
    env: Env,
    user_agent: str | None = None,
) -> Plan | OpeningBid:
    """Check a bidder's key handover; returns the bid's row unchanged when it already has a result (no-op)."""
    from ggzy.opening.handover import read_statement

    section, opening = _live_opening(session, code, lock=False)
    ob = _own_bid(session, opening, entity_id)
    if ob.number != bid_number:
        raise Forbidden("只能提交本单位投标文件的解密密钥。", code="opening.not_own_bid")
    if ob.status != BidOpeningStatus.PENDING.value:
        return ob
    if opening.status != OpeningStatus.DECRYPTING.value:
        raise IllegalTransition(
            "当前不在解密时间内：签到结束、主持人发出解密指令后，须在解密时限内提交。", code="opening.not_decrypting"
        )
    import hashlib

    read_statement(
        statement, {"section": section.code, "bid": bid_number, "cek_sha256": hashlib.sha256(cek).hexdigest()}
    )
    signer = _signed_by_account(session, statement.encode(), signature, account_id=account_id, trust=trust, now=now)
    bid = session.get(Bid, ob.bid_id)
    assert bid is not None
    return Plan(
        ob.id,
        _expected(section, bid),
        env.blobs.path(bid.sha256),
        cek,
        True,
        {
            "statement": statement,
            "signature": signature,
            "signer": signer,
            "account_id": account_id,
            "ip": actor.ip,
            "user_agent": (user_agent or "")[:300] or None,
        },
    )


def _expected(section: Section, bid: Bid) -> Expected:
    return Expected(section.code, bid.number, bid.sha256, bid.sm3, bid.size, bid.signer_fingerprint, bid.submitted_at)


def _signed_by_account(
    session: Session, content: bytes, signature: bytes, *, account_id: int, trust: TrustList, now: dt.datetime
) -> str:
    from sqlalchemy import select

    from ggzy.pki.cms import verify_detached
    from ggzy.pki.models import CertificateBinding as Binding

    try:
        verdict = verify_detached(signature, content, trust=trust, now=now)
    except GgzyError as exc:
        raise ValidationFailed(f"签名无法解析：{exc.message}", code="opening.bad_signature") from None
    if not verdict.valid:
        raise ValidationFailed(f"签名无效：{verdict.message}。", code="opening.bad_signature")
    cert = verdict.signers[0].certificate
    assert cert is not None
    bound = session.execute(
        select(Binding.id).where(
            Binding.fingerprint == cert.fingerprint, Binding.account_id == account_id, Binding.unbound_at.is_(None)
        )
    ).first()
    if bound is None:
        raise ValidationFailed("签名证书没有绑定到您的账户。", code="opening.signer_not_bound")
    return cert.fingerprint


def run_plan(plan: Plan, *, trust: TrustList, env: Env) -> Outcome:
    """The decryption itself: no session held."""
    return open_bid(plan.blob, plan.cek, plan.expected, trust=trust, by_bidder=plan.by_bidder, tmp_root=env.tmp_root)


def apply_outcome(
    session: Session, *, plan: Plan, outcome: Outcome, actor: Actor, now: dt.datetime, env: Env
) -> OpeningBid:
    """Store a decryption's result once: a second application (re-run, race) changes nothing."""
    ob = session.get(OpeningBid, plan.opening_bid_id)
    assert ob is not None
    opening = session.get(Opening, ob.opening_id, with_for_update=True)
    assert opening is not None
    session.refresh(ob)
    record_outcome(session, opening, ob, plan=plan, outcome=outcome, actor=actor, now=now, env=env)
    _advance(session, opening, now, env=env, actor=actor)
    return ob


def record_outcome(
    session: Session,
    opening: Opening,
    ob: OpeningBid,
    *,
    plan: Plan,
    outcome: Outcome,
    actor: Actor,
    now: dt.datetime,
    env: Env,
) -> None:
    if plan.by_bidder:
        session.add(
            KeySubmission(
                opening_bid_id=ob.id,
                account_id=plan.submission["account_id"],
                at=now,
                statement=plan.submission["statement"],
                signature=plan.submission["signature"],
                signer_fingerprint=plan.submission["signer"],
                outcome="opened" if outcome.opened else ("key_failed" if outcome.failure is Failure.KEY else "failed"),
                ip=plan.submission.get("ip"),
                user_agent=plan.submission.get("user_agent"),
            )
        )
    if ob.status != BidOpeningStatus.PENDING.value:
        return
    if outcome.opened:
        _store_plaintext(outcome, env)
        target = "decrypt" if plan.by_bidder else "open_by_custodians"
        _finish(session, opening, ob, target, now=now, actor=actor, outcome=outcome, cek=plan.cek)
        return
    assert outcome.failure is not None
    end = consequence(outcome.failure, remedy=opening.remedy == "custodians")
    if end is None:
        ob.key_failure = outcome.reason
        record(
            session,
            tag="opening:key:failed",
            actor=actor,
            now=now,
            subject_id=ob.number,
            center_id=opening.center_id,
            payload={"reason": outcome.reason},
        )
        _bump(session, opening)
    else:
        name = "fail_bidder" if end is BidOpeningStatus.FAILED_BIDDER else "fail_other"
        _finish(session, opening, ob, name, now=now, actor=actor, outcome=outcome)


def _store_plaintext(outcome: Outcome, env: Env) -> None:
    """Keep the opened package for the evaluation (content-addressed; storing it twice is harmless)."""
    path = outcome.plaintext_path
    if path is None:
        return

    def chunks():
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                yield chunk

    env.blobs.put(chunks(), max_size=1 << 40)


def _finish(
    session: Session,
    opening: Opening,
    ob: OpeningBid,
    name: str,
    *,
    now: dt.datetime,
    actor: Actor,
    outcome: Outcome,
    cek: bytes | None = None,
) -> None:
    target = BID.decide(ob, BidOpeningStatus(ob.status), name).target
    values: dict[str, Any] = {"status": target.value}
    if outcome.opened:
        form = outcome.form
        values.update(
            opened_by="bidder" if name == "decrypt" else "custodians",
            opened_at=now,
            content_key=cek,
            plaintext_sha256=outcome.plaintext_sha256,
            plaintext_sm3=outcome.plaintext_sm3,
            plaintext_size=outcome.plaintext_size,
            manifest_sha256=outcome.manifest_sha256,
            signer_fingerprint=outcome.signer,
            price_fen=form.get("price_fen"),
            duration_days=form.get("duration_days"),
            quality=str(form.get("quality", ""))[:200],
            form_json=canonical_json(form),
            files_json=canonical_json(outcome.files),
        )
    else:
        values.update(failure=outcome.failure.value if outcome.failure else None, failure_reason=outcome.reason)
    # Compare-and-set: only a pending row moves; a concurrent or repeated step finds nothing to change.
    done = session.execute(
        update(OpeningBid)
        .where(OpeningBid.id == ob.id, OpeningBid.status == BidOpeningStatus.PENDING.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise Conflict("该投标文件已有解密结果。", code="opening.already_done")
    session.refresh(ob)
    payload = {"bid": ob.number, "to": target.value, "ciphertext_sha256": ob.ciphertext_sha256}
    if outcome.opened:
        payload.update(plaintext_sha256=ob.plaintext_sha256, opened_by=ob.opened_by)
    else:
        payload.update(failure=ob.failure, reason=ob.failure_reason)
    record(
        session,
        tag=f"opening:bid:{name}",
        actor=actor,
        now=now,
        subject_id=ob.number,
        center_id=opening.center_id,
        payload=payload,
    )
    _bump(session, opening)


# --- advancing the session ---------------------------------------------------------------------------------------


def due_openings(session: Session, now: dt.datetime, limit: int) -> list[int]:
    return repo.openings_due(session, now, limit)


def advance(session: Session, opening_id: int, now: dt.datetime, *, env: Env) -> bool:
    """The chronograph's step: move the session on as far as time and results allow."""
    opening = session.get(Opening, opening_id, with_for_update=True)
    if opening is None:
        return False
    return _advance(session, opening, now, env=env, actor=CHRONOGRAPH)


def _advance(
    session: Session, opening: Opening, now: dt.datetime, *, env: Env, actor: Actor, instructed: bool = False
) -> bool:
    changed = False
    for _ in range(8):  # each pass makes at most one move; eight passes reach the end from anywhere
        step = _step(session, opening, now, env=env, actor=actor, instructed=instructed)
        if not step:
            break
        changed = True
    opening.next_check = _next_check(opening)
    return changed


def _next_check(opening: Opening) -> dt.datetime | None:
    status = OpeningStatus(opening.status)
    return {
        OpeningStatus.ROLL_CALL: opening.roll_call_ends,
        OpeningStatus.DECRYPTING: opening.window_ends,
        OpeningStatus.CUSTODIANS: opening.custodian_ends,
        OpeningStatus.OBJECTIONS: opening.objections_end,
    }.get(
        status, opening.next_check if status is OpeningStatus.FAILED_INSUFFICIENT and not opening.record_json else None
    )


def _step(session: Session, opening: Opening, now: dt.datetime, *, env: Env, actor: Actor, instructed: bool) -> bool:
    from ggzy.opening import custodians, documents

    status = OpeningStatus(opening.status)
    bids = repo.opening_bids(session, opening.id)
    pending = [b for b in bids if b.status == BidOpeningStatus.PENDING.value]
    if status is OpeningStatus.FAILED_INSUFFICIENT:
        if opening.record_json is None:
            documents.draw_up(session, opening, now=now, key=env.key)
            _bump(session, opening)
            return True
        return False
    if status is OpeningStatus.ROLL_CALL:
        signed = {r.entity_id for r in repo.roll_calls(session, opening.id)}
        ctx = {
            "all_signed_in": {b.entity_id for b in bids} <= signed,
            "instructed": instructed,
            "roll_call_ends": opening.roll_call_ends,
        }
        if _allowed(opening, "begin_decryption", {"now": now, **ctx}):
            opening.window_ends = now + dt.timedelta(minutes=opening.window_minutes)
            _move(
                session,
                opening,
                "begin_decryption",
                ctx,
                actor=actor,
                now=now,
                payload={
                    "signed_in": len(signed),
                    "window_minutes": opening.window_minutes,
                    "window_source": opening.window_source,
                },
            )
            return True
        return False
    if status is OpeningStatus.DECRYPTING:
        bidders_done = all(b.key_failure is not None for b in pending)
        ctx = {"bidders_done": bidders_done, "window_ends": opening.window_ends}
        if not pending:
            _end_decryption(session, opening, bids, now=now, actor=actor, env=env)
            return True
        if not _allowed(opening, "call_custodians", {"now": now, **ctx, "awaiting_custodians": True}):
            return False
        for ob in pending:
            if ob.key_failure is None:
                reason = "投标人未在解密时限内提交解密密钥。"
                end = consequence(Failure.KEY, remedy=opening.remedy == "custodians")
                if end is None:
                    ob.key_failure = reason
                else:
                    _finish(
                        session,
                        opening,
                        ob,
                        "fail_bidder",
                        now=now,
                        actor=actor,
                        outcome=Outcome(False, Failure.KEY, reason),
                    )
        pending = [b for b in repo.opening_bids(session, opening.id) if b.status == BidOpeningStatus.PENDING.value]
        if pending:
            opening.custodian_ends = now + dt.timedelta(minutes=opening.window_minutes)
            _move(
                session,
                opening,
                "call_custodians",
                {**ctx, "awaiting_custodians": True},
                actor=actor,
                now=now,
                payload={"bids": [b.number for b in pending], "remedy_source": REMEDY_SOURCE},
            )
        return True
    if status is OpeningStatus.CUSTODIANS:
        if pending and custodians.ready(session, opening):
            custodians.open_remaining(session, opening, now=now, env=env, actor=actor)
            return True
        if pending and now >= opening.custodian_ends:
            for ob in pending:
                _finish(
                    session,
                    opening,
                    ob,
                    "fail_other",
                    now=now,
                    actor=actor,
                    outcome=Outcome(False, Failure.REMEDY, "密钥保管人未能在补救时限内完成解密。"),
                )
            return True
        if not pending:
            custodians.wipe(session, opening, now=now)
            _end_decryption(session, opening, bids, now=now, actor=actor, env=env)
            return True
        return False
    if status is OpeningStatus.OBJECTIONS:
        unanswered = sum(1 for o in repo.objections(session, opening.id) if o.answer is None)
        ctx = {"objections_end": opening.objections_end, "unanswered": unanswered}
        if _allowed(opening, "record", {"now": now, **ctx}):
            documents.draw_up(session, opening, now=now, key=env.key)
            _move(session, opening, "record", ctx, actor=actor, now=now)
            return True
        return False
    return False


def _allowed(opening: Opening, name: str, ctx: dict[str, Any]) -> bool:
    try:
        OPENING.decide(opening, OpeningStatus(opening.status), name, ctx)
    except IllegalTransition:
        return False
    return True


def _end_decryption(session: Session, opening: Opening, bids: list[OpeningBid], *, now, actor: Actor, env: Env) -> None:
    from ggzy.opening import forensics_service

    fresh = repo.opening_bids(session, opening.id)
    unresolved = sum(1 for b in fresh if b.status not in {s.value for s in FINAL_BID})
    section = session.get(Section, opening.section_id)
    assert section is not None
    rules = opening_rules(rule_set(opening.rule_set))
    opening.objections_end = now + rules.objections
    _move(
        session,
        opening,
        "end_decryption",
        {"unresolved": unresolved},
        actor=actor,
        now=now,
        payload={"results": {b.number: b.status for b in fresh}},
    )
    forensics_service.run(session, opening, now=now)


# --- objections ------------------------------------------------------------------------------------------------


def raise_objection(
    session: Session, *, actor: Actor, now: dt.datetime, code: str, entity_id: int, text: str
) -> Objection:
    """A bidder objects online during the opening (条例 第四十四条)."""
    section, opening = _live_opening(session, code)
    _own_bid(session, opening, entity_id)
    if opening.status not in {
        s.value
        for s in (OpeningStatus.ROLL_CALL, OpeningStatus.DECRYPTING, OpeningStatus.CUSTODIANS, OpeningStatus.OBJECTIONS)
    }:
        raise IllegalTransition("开标已结束，异议请按投诉程序提出。", code="opening.objections_closed")
    text = (text or "").strip()
    if not text or len(text) > 2000:
        raise ValidationFailed("异议内容不能为空，且不超过 2000 字。", code="opening.bad_objection")
    row = Objection(opening_id=opening.id, entity_id=entity_id, account_id=actor.account_id, text=text, raised_at=now)
    session.add(row)
    session.flush()
    record(
        session,
        tag="opening:objection:raised",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={"objection": row.id, "text": text},
    )
    _bump(session, opening)
    return row


def answer_objection(
    session: Session, *, actor: Actor, now: dt.datetime, code: str, objection_id: int, answer: str, env: Env
) -> Objection:
    """The host answers on the spot; the answer goes into the record (条例 第四十四条)."""
    section, opening = _live_opening(session, code)
    row = session.get(Objection, objection_id)
    if row is None or row.opening_id != opening.id:
        raise NotFound("异议不存在。", code="opening.objection_not_found")
    if row.answer is not None:
        return row
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed("答复内容不能为空。", code="opening.bad_answer")
    row.answer, row.answered_by, row.answered_at = answer, actor.account_id, now
    record(
        session,
        tag="opening:objection:answered",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={"objection": row.id, "answer": answer},
    )
    _bump(session, opening)
    _advance(session, opening, now, env=env, actor=actor)
    return row


# --- confirmation and publication ------------------------------------------------------------------------------


def confirm(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    code: str,
    env: Env,
    signature: bytes | None = None,
    trust: TrustList | None = None,
) -> Opening:
    """A center staff member confirms the record (optionally signing it with a bound certificate); it is published."""
    from ggzy.opening import documents

    section, opening = _live_opening(session, code)
    if opening.status == OpeningStatus.PUBLISHED.value:
        return opening
    if opening.status != OpeningStatus.RECORDED.value:
        raise IllegalTransition("开标记录尚未生成，不能确认。", code="opening.not_recorded")
    assert opening.record_json is not None
    if signature is not None:
        assert trust is not None and actor.account_id is not None
        _signed_by_account(session, opening.record_json, signature, account_id=actor.account_id, trust=trust, now=now)
        opening.confirmation_signature = signature
    unanswered = sum(1 for o in repo.objections(session, opening.id) if o.answer is None)
    opening.confirmed_by = actor.account_id
    opening.published_at = now
    documents.publish_transcript(session, opening, now=now, key=env.key)
    _move(
        session,
        opening,
        "publish",
        {"unanswered": unanswered},
        actor=actor,
        now=now,
        payload={"record_sha256": _sha(opening.record_json), "transcript_sha256": _sha(opening.transcript_json)},
    )
    return opening


def answer_record(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    code: str,
    entity_id: int,
    trust: TrustList,
    signature: bytes | None = None,
    declined: str | None = None,
) -> RecordConfirmation:
    """A bidder confirms the opening record with its electronic signature over the exact record bytes, or refuses
    to sign and says why (E-13). Either answer is final and goes into the published transcript; bidders who do
    not answer are listed as such. Answers are taken while the record waits for the center's confirmation."""
    section, opening = _live_opening(session, code)
    _own_bid(session, opening, entity_id)
    if opening.status != OpeningStatus.RECORDED.value:
        if opening.status == OpeningStatus.PUBLISHED.value:
            raise IllegalTransition("开标记录已公布，签字确认已截止。", code="opening.record_closed")
        raise IllegalTransition("开标记录尚未生成，暂不能签字确认。", code="opening.not_recorded")
    if any(c.entity_id == entity_id for c in repo.confirmations(session, opening.id)):
        raise Conflict("贵单位已对本开标记录签字确认或拒签，不能再次提交。", code="opening.already_answered")
    assert opening.record_json is not None and actor.account_id is not None
    reason = (declined or "").strip() or None
    if (signature is None) == (reason is None):
        raise ValidationFailed(
            "请二选一：提交对开标记录 JSON 的 CMS 分离签名（签字确认），或填写拒绝签字的理由。",
            code="opening.confirmation_choice",
        )
    if reason is not None and len(reason) > 2000:
        raise ValidationFailed("拒签理由不超过 2000 字。", code="opening.bad_decline")
    signer = None
    if signature is not None:
        signer = _signed_by_account(
            session, opening.record_json, signature, account_id=actor.account_id, trust=trust, now=now
        )
    row = RecordConfirmation(
        opening_id=opening.id,
        entity_id=entity_id,
        account_id=actor.account_id,
        at=now,
        record_sha256=_sha(opening.record_json) or "",
        signature=signature,
        signer_fingerprint=signer,
        declined=reason,
    )
    session.add(row)
    session.flush()
    record(
        session,
        tag="opening:record:signed_by_bidder" if signature is not None else "opening:record:declined_by_bidder",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={"entity_id": entity_id, "record_sha256": row.record_sha256, "signer": signer, "reason": reason},
    )
    _bump(session, opening)
    return row


def _sha(data: bytes | None) -> str | None:
    import hashlib

    return hashlib.sha256(data).hexdigest() if data is not None else None


def record_of(session: Session, code: str) -> tuple[Section, Opening]:
    section, opening = _live_opening(session, code, lock=False)
    if opening.record_json is None:
        raise NotFound("开标记录尚未生成。", code="opening.no_record")
    return section, opening


def form_of(ob: OpeningBid) -> dict[str, Any]:
    return json.loads(ob.form_json) if ob.form_json else {}


# --- the hall's state, for the one serializer in ``visibility`` ---------------------------------------------


def snapshot(session: Session, section: Section) -> dict[str, Any] | None:
    """Everything the hall can show, unfiltered; None before the session exists."""
    from ggzy.opening.visibility import key_terms

    opening = repo.opening_of(session, section.id)
    if opening is None:
        return None
    bids = repo.opening_bids(session, opening.id)
    calls = repo.roll_calls(session, opening.id)
    objs = repo.objections(session, opening.id)
    names = repo.entity_names(session, [b.entity_id for b in bids] + [o.entity_id for o in objs])
    key_row = repo.opening_key_for(session, section.id)
    shares = repo.share_submissions(session, opening.id)

    def t(at):
        return at.isoformat(timespec="seconds") if at else None

    return {
        "section": section.code,
        "seq": opening.seq,
        "status": opening.status,
        "deadline": t(opening.deadline),
        "published": opening.published_at is not None,
        "bids_counted": opening.bids_counted,
        "min_bidders": opening.min_bidders,
        "min_bidders_source": opening.min_bidders_source,
        "windows": {
            "roll_call_ends": t(opening.roll_call_ends),
            "decryption_ends": t(opening.window_ends),
            "decryption_minutes": opening.window_minutes,
            "decryption_source": opening.window_source,
            "custodians_end": t(opening.custodian_ends),
            "objections_end": t(opening.objections_end),
        },
        "roll_call": [{"entity_id": r.entity_id, "bidder": names.get(r.entity_id), "at": t(r.at)} for r in calls],
        "bids": [
            {
                "number": b.number,
                "entity_id": b.entity_id,
                "bidder": names.get(b.entity_id),
                "status": b.status,
                "price_fen": b.price_fen,
                "duration_days": b.duration_days,
                "quality": b.quality,
                "key_terms": key_terms(b.form_json),
                "opened_by": b.opened_by,
                "failure_reason": b.failure_reason,
                "key_failure": b.key_failure,
            }
            for b in bids
        ],
        "objections": [
            {
                "id": o.id,
                "bidder": names.get(o.entity_id),
                "text": o.text,
                "raised_at": t(o.raised_at),
                "answer": o.answer,
                "answered_at": t(o.answered_at),
            }
            for o in objs
        ],
        "confirmations": [
            {"entity_id": c.entity_id, "bidder": names.get(c.entity_id), "at": t(c.at), "declined": c.declined}
            for c in repo.confirmations(session, opening.id)
        ],
        "findings": [
            {"kind": f.kind, "statement": f.statement, "bids": json.loads(f.bids)}
            for f in repo.findings(session, opening.id)
        ],
        "custodian": {
            "threshold": key_row.threshold if key_row else None,
            "submitted": [s.share_index for s in shares],
        },
    }
