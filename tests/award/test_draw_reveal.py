"""Issue 6: the committee draw's seed and names come out with the award notice, in the same transaction, as the
platform; a drawn draw is revealed once, cancelled and committed draws are left alone."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from evaluation.conftest import STAFF, make_expert, order
from ggzy.audit.models import AuditEvent
from ggzy.award import service
from ggzy.evaluation import repository as draw_rows
from ggzy.evaluation import service as draws
from ggzy.evaluation import verify
from ggzy.evaluation.models import Expert
from ggzy.evaluation.workflow import DRAW, DrawStatus
from ggzy.kit.errors import IllegalTransition
from ggzy.projects import service as projects
from support import staff_scope

from .conftest import at, submit


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


# --- before the result is public ---------------------------------------------------------------------------------


def test_the_reveal_guard_keeps_the_committee_secret_until_the_result_is_public():
    with pytest.raises(IllegalTransition, match="第三十七条"):
        DRAW.decide(None, DrawStatus.DRAWN, "reveal", {"result_public": False, "section_status": "closed"})
    for ctx in ({"result_public": True, "section_status": "closed"}, {"section_status": "terminated"}):
        assert DRAW.decide(None, DrawStatus.DRAWN, "reveal", ctx).target == DrawStatus.REVEALED


def _refused(session, d) -> None:
    with pytest.raises(IllegalTransition) as e:
        draws.reveal(session, actor=STAFF, now=at("2026-11-27"), scope=_scope(session), draw=d)
    assert e.value.code == "evaluation.result_not_public"
    assert "名单在中标结果确定前应当保密（招标投标法 第三十七条）" in e.value.message


def test_staff_cannot_reveal_while_the_evaluation_or_the_award_is_under_way(session, clock, platform, tender):
    _pool(session, clock)
    d = _drawn(session, clock, tender)
    _refused(session, d)  # evaluating: no report yet
    submit(session, tender)
    _refused(session, d)
    t = tender
    service.publish_publicity(
        session, actor=t.tenderee_actor, now=at("2026-11-26"), entity_id=t.tenderee.id, section_code=t.code
    )
    _refused(session, d)
    assert d.status == "drawn" and not _revealed_events(session, d.id)


def test_the_api_refuses_an_early_reveal_with_its_code(client, headers, session, clock, tender):
    _pool(session, clock)
    d = _drawn(session, clock, tender)
    session.commit()
    r = client.post(f"/api/v1/sections/{tender.code}/draws/{d.id}/reveal", headers=headers("gy.staff"))
    assert r.status_code == 409 and r.json()["code"] == "evaluation.result_not_public", r.text
    [proof] = client.get(f"/api/v1/sections/{tender.code}/draws").json()["items"]
    assert proof["status"] == "drawn" and not proof.get("seed")
    page = client.get(f"/sections/{tender.code}/draws/manage", headers=headers("gy.staff")).text
    assert "发出中标通知书时由系统自动公开" in page and f"/draws/manage/{d.id}/reveal" not in page


def test_staff_reveal_the_draw_of_a_section_terminated_without_an_award(session, clock, tender):
    _pool(session, clock)
    d = _drawn(session, clock, tender)
    projects.terminate_section(
        session,
        actor=tender.tenderee_actor,
        now=clock.now(),
        entity_id=tender.tenderee.id,
        section_code=tender.code,
        reason="项目资金未落实，终止招标",
    )

    draws.reveal(session, actor=STAFF, now=clock.now(), scope=_scope(session), draw=d)

    [event] = _revealed_events(session, d.id)
    assert d.status == "revealed" and json.loads(event.payload)["basis"] == "section_terminated"
    assert event.role == "center_staff"
    assert verify.verify_section(session, tender.code)[0].ok
