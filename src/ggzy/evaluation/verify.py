"""Replaying a draw as a regulator would: from the revealed seed and the stored pool snapshot.

Before the reveal only the commitment can be checked (that the stored commitment and request are those the
audit chain recorded when the draw was committed); the seed is not used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.audit.models import AuditEvent
from ggzy.evaluation import draw as algo
from ggzy.evaluation import repository
from ggzy.evaluation.models import Draw
from ggzy.evaluation.workflow import DrawStatus, MemberStatus


@dataclass
class DrawCheck:
    draw_id: int
    section: str
    status: str
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        head = f"抽取 #{self.draw_id}（标段 {self.section}，{self.status}）"
        if self.ok:
            return f"{head}：通过 — {'；'.join(self.checked)}"
        return f"{head}：不通过 — {'；'.join(self.problems)}"


def _event(session: Session, tag: str, draw_id: int) -> dict | None:
    stmt = select(AuditEvent.payload).where(AuditEvent.tag == tag, AuditEvent.subject_id == str(draw_id))
    payload = session.execute(stmt.order_by(AuditEvent.seq)).scalars().first()
    return json.loads(payload) if payload is not None else None


def verify(session: Session, d: Draw, section_code: str) -> DrawCheck:
    """Check one draw; returns every problem found (never raises on a mismatch)."""
    c = DrawCheck(d.id, section_code, d.status)
    committed = _event(session, "evaluation:draw:committed", d.id)
    if committed is None:
        c.problems.append("审计链中没有该次抽取的承诺记录")
    elif committed.get("commitment") != d.commitment or committed.get("request_hash") != d.request_hash:
        c.problems.append("存储的种子承诺或抽取请求与审计链记录不一致")
    if algo.sha256_hex(d.request.encode()) != d.request_hash:
        c.problems.append("抽取请求内容与其哈希不一致")
    if not c.problems:
        c.checked.append(f"承诺 {d.commitment[:16]}… 与审计链一致")
    if d.status not in (DrawStatus.REVEALED, DrawStatus.CANCELLED):
        c.checked.append("种子未公开，仅校验承诺")
        return c
    if algo.commitment_of(d.seed) != d.commitment:
        c.problems.append("公开的种子与承诺不符：SHA-256(种子) ≠ 承诺值")
    if d.snapshot is None:
        if repository.members_of(session, d.id):
            c.problems.append("存在抽取结果却没有专家库快照")
        return c
    _replay(session, d, c)
    return c


def _replay(session: Session, d: Draw, c: DrawCheck) -> None:
    snapshot = json.loads(d.snapshot or "{}")
    if algo.snapshot_hash(snapshot) != d.snapshot_hash:
        c.problems.append("专家库快照与其哈希不一致（快照被改动）")
    run_event = _event(session, "evaluation:draw:run", d.id)
    if run_event is None or run_event.get("snapshot_hash") != d.snapshot_hash:
        c.problems.append("快照哈希与审计链记录不一致")
    outcome = algo.run_draw(d.seed, snapshot, json.loads(d.refusals))
    refused = set(outcome.refused)
    expected = [(p.seq, p.group, p.expert_id, p.center, p.counter, p.replaces, p.seq in refused) for p in outcome.picks]
    stored = [
        (m.seq, m.group_index, m.expert_id, m.center_code, m.counter, m.replaces_seq, m.status == MemberStatus.REFUSED)
        for m in repository.members_of(session, d.id)
    ]
    if expected != stored:
        diff = next((i for i, (a, b) in enumerate(zip(expected, stored, strict=False)) if a != b), None)
        where = f"第 {diff} 位" if diff is not None else f"人数（重放 {len(expected)}，存储 {len(stored)}）"
        c.problems.append(f"重放结果与存储的委员会不一致：{where}")
    revealed = _event(session, "evaluation:draw:revealed", d.id)
    if d.status == DrawStatus.REVEALED:
        seated = [[p.seq, p.expert_id] for p in outcome.seated]
        if revealed is None or revealed.get("committee") != seated or revealed.get("seed") != d.seed.hex():
            c.problems.append("公布的委员会或种子与审计链记录不一致")
    if not c.problems:
        c.checked.append(f"种子符合承诺；快照 {d.snapshot_hash[:16]}… 完整；重放 {len(expected)} 次抽取与存储一致")


def verify_section(session: Session, section_code: str | None) -> list[DrawCheck]:
    from ggzy.projects.models import Section

    sections = dict(session.execute(select(Section.id, Section.code)).all())
    draws = repository.all_draws(session)
    if section_code is not None:
        draws = [d for d in draws if sections.get(d.section_id) == section_code]
    return [verify(session, d, sections.get(d.section_id, "?")) for d in draws]
