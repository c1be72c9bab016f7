"""Use cases of the audit chain: record an event, checkpoint, read, verify.

What each reader learns about the chain:

- ``ggzy audit verify`` (the operator, on the server) walks every event by its global ``seq``.
- The read API never serves confidential events (``register_confidential``), to anyone — the platform
  admin included — so no API reader sees the whole chain. It therefore serves no ``seq``, no hash and no
  previous hash either (a hash covers ``seq`` and the previous hash, so consecutive hashes would tell
  "nothing hidden in between" from "something hidden"), and it pages with opaque cursors
  (``audit.cursor``). Gaps between served events thus no longer tell how many hidden events
  (downloads, questions, deposits, bids, invitations) happened between them (招标投标法 第二十二条).
- A signed checkpoint states the chain's length (``seq``) and head hash at its signing time: that total
  is public by design, since it is what lets anyone check the chain from outside the database. It is
  the only count published, and only at checkpoint times (every ``checkpoint_every`` events and every
  ``checkpoint_minutes``); a reader who sees every served event of the province can still subtract two
  checkpoints to learn how many hidden events the whole province recorded between them.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ggzy.audit import chain
from ggzy.audit import cursor as cursors
from ggzy.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from ggzy.kit.actor import Actor
from ggzy.kit.errors import ConfigError, ValidationFailed
from ggzy.kit.paging import Page, check_limit
from ggzy.kit.signing import PlatformKey, certificate_key_id, verify_platform_signature


@dataclass(frozen=True)
class AuditConfig:
    hash_alg: str = "sha256"
    checkpoint_every: int = 1000
    platform_key: PlatformKey | None = None


def _lock_head(session: Session) -> AuditHead:
    stmt = select(AuditHead).where(AuditHead.id == 1)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    head = session.execute(stmt).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=chain.GENESIS)
        session.add(head)
        session.flush()
    return head


def config_of(session: Session) -> AuditConfig:
    """The chain settings travel with the session (set by ``Database``), so callers need not pass them."""
    return session.info.get("audit") or AuditConfig()


def record(
    session: Session,
    *,
    tag: str,
    actor: Actor,
    now: dt.datetime,
    payload: dict[str, Any] | None = None,
    subject_id: str | int | None = None,
    center_id: int | None = None,
) -> AuditEvent:
    """Append one event to the chain in the caller's transaction (the caller commits)."""
    chain.split_tag(tag)
    config = config_of(session)
    head = _lock_head(session)
    fields: dict[str, Any] = dict(
        seq=head.seq + 1,
        at=now,
        tag=tag,
        actor_id=actor.account_id,
        actor_name=actor.name,
        role=actor.role,
        center_id=center_id if center_id is not None else actor.center_id,
        ip=actor.ip,
        subject_id=None if subject_id is None else str(subject_id),
        payload=chain.canonical_json(payload or {}),
        hash_alg=config.hash_alg,
        prev_hash=head.hash,
    )
    event = AuditEvent(**fields, hash=chain.event_hash(**fields))
    session.add(event)
    head.seq, head.hash = event.seq, event.hash
    session.flush()
    if config.platform_key is not None and event.seq % config.checkpoint_every == 0:
        checkpoint(session, now=now, key=config.platform_key)
    return event


def checkpoint(session: Session, *, now: dt.datetime, key: PlatformKey) -> AuditCheckpoint | None:
    """Sign the current head; returns None when the head is already checkpointed."""
    head = _lock_head(session)
    if head.seq == 0:
        return None
    last = session.execute(select(func.max(AuditCheckpoint.seq))).scalar()
    if last is not None and last >= head.seq:
        return None
    alg = session.execute(select(AuditEvent.hash_alg).where(AuditEvent.seq == head.seq)).scalar_one()
    statement = chain.checkpoint_statement(seq=head.seq, hash_=head.hash, hash_alg=alg, at=now)
    cp = AuditCheckpoint(
        seq=head.seq, hash=head.hash, hash_alg=alg, at=now, key_id=key.key_id, signature=key.sign(statement)
    )
    session.add(cp)
    session.flush()
    return cp


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)).scalar()


def published_checkpoint(cp: AuditCheckpoint, cert: x509.Certificate) -> dict[str, Any]:
    """The public form of a checkpoint: enough to check the chain from outside the database."""
    return {
        "seq": cp.seq,
        "hash": cp.hash,
        "hash_alg": cp.hash_alg,
        "at": chain.time_text(cp.at),
        "key_id": cp.key_id,
        "signature": base64.b64encode(cp.signature).decode(),
        "statement": chain.checkpoint_statement(seq=cp.seq, hash_=cp.hash, hash_alg=cp.hash_alg, at=cp.at).decode(),
    }


# Events that would reveal potential bidders (who downloaded, asked, paid a deposit, submitted) before the
# rules allow it (招标投标法 第二十二条, E-8). They are chained and verified like every other event but never
# served by the read API; domains register the tags they write.
_CONFIDENTIAL: set[str] = set()


def register_confidential(*tags: str) -> None:
    _CONFIDENTIAL.update(tags)


def list_events(
    session: Session,
    *,
    cursor: str | None = None,
    limit: int | None = None,
    tag_prefix: str | None = None,
    center_ids: set[int] | None = None,
) -> Page[AuditEvent]:
    """Served events in chain order after ``cursor``; ``center_ids`` restricts to those centers' events.

    Confidential events are left out for every reader, and the cursor is opaque (``audit.cursor``)."""
    after = cursors.unseal(cursor, _cursor_key(session)) if cursor else 0
    n = check_limit(limit)
    stmt = select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(n + 1)
    if tag_prefix:
        stmt = stmt.where(AuditEvent.tag.startswith(tag_prefix))
    if center_ids is not None:
        stmt = stmt.where(AuditEvent.center_id.in_(center_ids))
    if _CONFIDENTIAL:
        stmt = stmt.where(AuditEvent.tag.not_in(sorted(_CONFIDENTIAL)))
    rows = list(session.execute(stmt).scalars())
    more = len(rows) > n
    rows = rows[:n]
    next_cursor = cursors.seal(rows[-1].seq, _cursor_key(session)) if more and rows else None
    return Page(items=rows, next_cursor=next_cursor)


def _cursor_key(session: Session) -> bytes:
    key = config_of(session).platform_key
    if key is None:
        raise ConfigError("审计事件分页需要平台密钥：请通过 ggzy serve（Platform）启动，而不是直接连接数据库。")
    return cursors.cursor_key(key)


# Who sits on an evaluation committee stays secret until the result (招标投标法 第三十七条): the read API never
# names the expert behind an expert's own events (the signed report names the committee once it is public).
EXPERT_ROLE, EXPERT_SHOWN_AS = "expert", "评标专家"


def served_event(e: AuditEvent) -> dict[str, Any]:
    """An event as the read API serves it: its content, without ``seq`` or hashes (see the module docstring),
    and without the identity (account, name, IP) of an expert acting on a committee."""
    expert = e.role == EXPERT_ROLE
    return {
        "at": chain.time_text(e.at),
        "tag": e.tag,
        "actor_id": None if expert else e.actor_id,
        "actor_name": EXPERT_SHOWN_AS if expert else e.actor_name,
        "role": e.role,
        "center_id": e.center_id,
        "ip": None if expert else e.ip,
        "subject_id": e.subject_id,
        "payload": json.loads(e.payload),
    }


# --- verification -------------------------------------------------------------------------------------


@dataclass
class VerifyReport:
    ok: bool = True
    checked: int = 0
    last_seq: int = 0
    first_bad_seq: int | None = None
    problem: str = ""
    checkpoints_checked: int = 0
    notes: list[str] = field(default_factory=list)

    def fail(self, seq: int | None, problem: str) -> VerifyReport:
        if self.ok:
            self.ok, self.first_bad_seq, self.problem = False, seq, problem
        return self

    def summary(self) -> str:
        if self.ok:
            return (
                f"审计链完整：已校验 {self.checked} 个事件（至第 {self.last_seq} 号），"
                f"{self.checkpoints_checked} 个签名检查点。"
            )
        where = f"第 {self.first_bad_seq} 号事件" if self.first_bad_seq is not None else "审计链"
        return f"审计链校验失败：{where}——{self.problem}"


def _iter_events(session: Session, batch: int = 5000) -> Iterator[tuple]:
    cols = (
        AuditEvent.seq,
        AuditEvent.at,
        AuditEvent.tag,
        AuditEvent.actor_id,
        AuditEvent.actor_name,
        AuditEvent.role,
        AuditEvent.center_id,
        AuditEvent.ip,
        AuditEvent.subject_id,
        AuditEvent.payload,
        AuditEvent.hash_alg,
        AuditEvent.prev_hash,
        AuditEvent.hash,
    )
    after = None
    while True:
        stmt = select(*cols).order_by(AuditEvent.seq).limit(batch)
        if after is not None:
            stmt = stmt.where(AuditEvent.seq > after)
        rows = session.execute(stmt).all()
        if not rows:
            return
        yield from rows
        after = rows[-1][0]


def _walk(session: Session, report: VerifyReport) -> dict[int, str]:
    """Re-hash every event in order; keep the hashes at checkpointed positions."""
    wanted = set(session.execute(select(AuditCheckpoint.seq)).scalars())
    at_checkpoints: dict[int, str] = {}
    expected_seq, prev = 1, chain.GENESIS
    for (
        seq,
        at,
        tag,
        actor_id,
        actor_name,
        role,
        center_id,
        ip,
        subject_id,
        payload,
        alg,
        prev_hash,
        stored,
    ) in _iter_events(session):
        if seq != expected_seq:
            what = "之前的事件缺失（被删除）" if seq > expected_seq else "序号重复或被插入"
            report.fail(
                expected_seq if seq > expected_seq else seq, f"{what}：应为第 {expected_seq} 号，实际读到第 {seq} 号。"
            )
            return at_checkpoints
        if prev_hash != prev:
            report.fail(seq, "前序哈希不符：事件被插入、删除或调换了顺序。")
            return at_checkpoints
        try:
            actual = chain.event_hash(
                seq=seq,
                at=at,
                tag=tag,
                actor_id=actor_id,
                actor_name=actor_name,
                role=role,
                center_id=center_id,
                ip=ip,
                subject_id=subject_id,
                payload=payload,
                hash_alg=alg,
                prev_hash=prev_hash,
            )
        except ValueError:
            report.fail(seq, f"未知的哈希算法 {alg!r}：该行被篡改。")
            return at_checkpoints
        if actual != stored:
            report.fail(seq, "内容与哈希不符：该事件在数据库中被修改。")
            return at_checkpoints
        if seq in wanted:
            at_checkpoints[seq] = stored
        report.checked, report.last_seq = report.checked + 1, seq
        expected_seq, prev = seq + 1, stored
    return at_checkpoints


def _check_checkpoint(
    report: VerifyReport,
    *,
    seq: int,
    hash_: str,
    hash_alg: str,
    at: dt.datetime,
    signature: bytes,
    key_id: str,
    cert: x509.Certificate | None,
    hashes_at: dict[int, str],
    origin: str,
) -> None:
    if cert is not None:
        statement = chain.checkpoint_statement(seq=seq, hash_=hash_, hash_alg=hash_alg, at=at)
        if key_id != certificate_key_id(cert) or not verify_platform_signature(cert, signature, statement):
            report.fail(seq, f"{origin}检查点（第 {seq} 号）的平台签名无效：检查点被伪造或篡改。")
            return
    if seq > report.last_seq:
        report.fail(
            report.last_seq + 1,
            f"链尾被截断：{origin}检查点证明存在第 {seq} 号事件，但数据库只到第 {report.last_seq} 号。",
        )
        return
    if hashes_at.get(seq) != hash_:
        report.fail(seq, f"与{origin}检查点（第 {seq} 号）的哈希不符：此前的事件被改写。")
        return
    report.checkpoints_checked += 1


def verify(session: Session, *, cert: x509.Certificate | None, published: dict[str, Any] | None = None) -> VerifyReport:
    """Re-walk the whole chain; compare with the head, every signed checkpoint and a published one.

    Give it a snapshot session (``Database.snapshot_session``) so that events appended meanwhile cannot
    look like a cut tail."""
    report = VerifyReport()
    extra_seq = int(published["seq"]) if published is not None else 0
    hashes_at = _walk(session, report)
    if not report.ok:
        return report
    if published is not None:
        hashes_at.update(_published_hash(session, extra_seq, report))
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq, head.hash) != (report.last_seq, _hash_at(session, report.last_seq)):
        report.fail(
            report.last_seq + 1 if head.seq > report.last_seq else head.seq,
            f"链头记录（第 {head.seq} 号）与事件表（至第 {report.last_seq} 号）不一致：链尾被截断或改写。",
        )
        return report
    for cp in session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)).scalars():
        _check_checkpoint(
            report,
            seq=cp.seq,
            hash_=cp.hash,
            hash_alg=cp.hash_alg,
            at=cp.at,
            signature=cp.signature,
            key_id=cp.key_id,
            cert=cert,
            hashes_at=hashes_at,
            origin="数据库中的",
        )
        if not report.ok:
            return report
    if published is not None:
        try:
            at = dt.datetime.strptime(published["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
            sig = base64.b64decode(published["signature"])
        except (KeyError, ValueError) as exc:
            raise ValidationFailed(
                f"公开检查点文件格式错误（{exc}）：请使用 ggzy audit publish 导出的文件。",
                code="audit.bad_published_checkpoint",
            ) from None
        _check_checkpoint(
            report,
            seq=extra_seq,
            hash_=published["hash"],
            hash_alg=published["hash_alg"],
            at=at,
            signature=sig,
            key_id=published.get("key_id", ""),
            cert=cert,
            hashes_at=hashes_at,
            origin="公开发布的",
        )
    return report


def _hash_at(session: Session, seq: int) -> str:
    if seq == 0:
        return chain.GENESIS
    return session.execute(select(AuditEvent.hash).where(AuditEvent.seq == seq)).scalar_one()


def _published_hash(session: Session, seq: int, report: VerifyReport) -> dict[int, str]:
    if 0 < seq <= report.last_seq:
        return {seq: _hash_at(session, seq)}
    return {}
