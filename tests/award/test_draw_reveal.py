"""Issue 6: the committee draw's seed and names come out with the award notice, in the same transaction, as the
platform; a drawn draw is revealed once, cancelled and committed draws are left alone."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from evaluation.conftest import STAFF, make_expert, order, staff_scope
from ggzy.audit.models import AuditEvent
from ggzy.award import service
from ggzy.evaluation import repository as draw_rows
from ggzy.evaluation import service as draws
from ggzy.evaluation import verify
from ggzy.evaluation.models import Expert

from .conftest import at


def _pool(session, clock) -> None:
    for i in range(12):
        make_expert(session, clock.now(), center="GY" if i % 2 else "ZY", specialties=("A010", "A080"))


def _scope(session):
    return staff_scope(session, "gy.staff", "center:expert:draw")


def _start(session, clock, t):
    return draws.start_draw(
        session, actor=STAFF, now=clock.now(), scope=_scope(session), order=order(t), account_id=None
    )


def _drawn(session, clock, t):
    d = _start(session, clock, t)
    draws.run(session, actor=STAFF, now=clock.now(), scope=_scope(session), draw=d)
    return d


def _revealed_events(session, draw_id: int) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.tag == "evaluation:draw:revealed", AuditEvent.subject_id == str(draw_id))
    return list(session.execute(stmt).scalars())


def _award(session, platform, t, now: dt.datetime):
    service.publish_publicity(session, actor=t.tenderee_actor, now=now, entity_id=t.tenderee.id, section_code=t.code)
    return service.decide_award(
        session,
        actor=t.tenderee_actor,
        now=at("2026-12-01"),
        key=platform.key,
        entity_id=t.tenderee.id,
        section_code=t.code,
    )


def test_the_award_notice_reveals_the_drawn_committee_and_the_draw_verifies(session, clock, platform, reported):
    _pool(session, clock)
    abandoned = _start(session, clock, reported)
    draws.cancel(
        session,
        actor=STAFF,
        now=clock.now(),
        scope=_scope(session),
        draw=abandoned,
        reason="评标日期调整",
    )
    d = _drawn(session, clock, reported)
    seated = [m.expert_id for m in draw_rows.members_of(session, d.id) if m.status != "refused"]
    assert [session.get_one(Expert, e).evaluation_count for e in seated] == [0] * len(seated)

    result = _award(session, platform, reported, at("2026-11-26"))

    assert result.status == "notified"
    assert d.status == "revealed" and d.revealed_at == result.notice_issued_at == at("2026-12-01")
    assert abandoned.status == "cancelled" and not _revealed_events(session, abandoned.id)
    [event] = _revealed_events(session, d.id)
    payload = json.loads(event.payload)
    assert event.role == "system" and payload["seed"] == d.seed.hex() and payload["basis"] == "award_notice"
    assert [e for _seq, e in payload["committee"]] == seated
    assert [session.get_one(Expert, e).evaluation_count for e in seated] == [1] * len(seated)
    checks = verify.verify_section(session, reported.code)
    assert len(checks) == 2 and all(c.ok for c in checks), [c.line() for c in checks]


def test_a_second_reveal_changes_nothing(session, clock, platform, reported):
    _pool(session, clock)
    d = _drawn(session, clock, reported)
    _award(session, platform, reported, at("2026-11-26"))
    revealed_at = d.revealed_at

    assert draws.reveal_with_award(session, now=at("2026-12-02"), section_id=reported.section.id) == []

    assert d.status == "revealed" and d.revealed_at == revealed_at
    assert len(_revealed_events(session, d.id)) == 1
    seated = [m.expert_id for m in draw_rows.members_of(session, d.id) if m.status != "refused"]
    assert [session.get_one(Expert, e).evaluation_count for e in seated] == [1] * len(seated)
    assert verify.verify_section(session, reported.code)[0].ok


def test_a_draw_only_committed_at_the_award_notice_stays_committed(session, clock, platform, reported):
    _pool(session, clock)
    d = _start(session, clock, reported)

    _award(session, platform, reported, at("2026-11-26"))

    assert d.status == "committed" and d.revealed_at is None and not _revealed_events(session, d.id)
