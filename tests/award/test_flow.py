"""From the signed evaluation report to the contract, in the service layer, driven by the clock and the calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ggzy.audit.models import AuditEvent
from ggzy.award import repository, service
from ggzy.award.policies import Candidate
from ggzy.deposits.models import Refund
from ggzy.kit.clock import SHANGHAI
from ggzy.kit.errors import Forbidden, IllegalTransition, ValidationFailed
from ggzy.pki.documents import verify_platform_pdf
from ggzy.projects.models import Notification

from .conftest import REPORT_AT, at, candidates, submit


def _tags(session, code: str) -> list[str]:
    return list(
        session.execute(select(AuditEvent.tag).where(AuditEvent.subject_id == code).order_by(AuditEvent.seq)).scalars()
    )


def _publish(session, t, now):
    return service.publish_publicity(
        session, actor=t.tenderee_actor, now=now, entity_id=t.tenderee.id, section_code=t.code
    )


def _object(session, t, bidder, now, text="第一名业绩不实"):
    return service.file_objection(
        session, actor=t.tenderee_actor, now=now, entity_id=bidder.id, section_code=t.code, text=text
    )


def _decide(session, platform, t, now, **kw):
    return service.decide_award(
        session, actor=t.tenderee_actor, now=now, key=platform.key, entity_id=t.tenderee.id, section_code=t.code, **kw
    )


def test_a_report_signed_by_fewer_experts_than_the_committee_is_refused(session, tender):
    with pytest.raises(ValidationFailed) as e:
        submit(session, tender, signers=(11, 12, 13, 14, 14))
    assert e.value.code == "award.report_unsigned" and "第五十三条" in e.value.message and "仅 4 人" in e.value.message


def test_more_than_three_candidates_or_one_who_did_not_bid_is_refused(session, tender):
    extra = [*candidates(tender), Candidate(4, tender.tenderee.id, 50_000_000_00)]
    with pytest.raises(ValidationFailed, match="第五十三条"):
        submit(session, tender, ranked=extra)
    with pytest.raises(ValidationFailed) as e:
        submit(session, tender, ranked=[Candidate(1, tender.tenderee.id, 1_00)])
    assert e.value.code == "award.not_a_bidder"


def test_publicity_is_due_within_three_days_and_lasts_three_days_by_the_calendar(session, reported):
    r = service.load(session, reported.code).result
    # Received Wednesday 25 Nov: the third day (Sat 28) is a rest day, so the limit runs to the end of Mon 30 Nov.
    assert r.publicity_due_by.astimezone(SHANGHAI) == at("2026-12-01", "00:00")
    r = _publish(session, reported, at("2026-11-26"))
    # Published Thursday: three days after (Fri, Sat, Sun) end on a Sunday → the period ends with Monday.
    assert r.publicity_end.astimezone(SHANGHAI) == at("2026-12-01", "00:00")
    assert "T-16" in r.publicity_rule and "第五十四条" in r.publicity_rule
    with pytest.raises(ValidationFailed) as e:
        service.publish_publicity(
            session, actor=reported.tenderee_actor, now=at("2026-11-26"), entity_id=reported.tenderee.id,
            section_code=reported.code, ends_at=at("2026-11-29"),
        )  # fmt: skip
    # Already publicized: the workflow refuses a second publication whatever the dates.
    assert isinstance(e.value, ValidationFailed | IllegalTransition)


def test_a_publicity_shorter_than_three_days_is_refused_with_the_rule(session, reported):
    with pytest.raises(ValidationFailed) as e:
        service.publish_publicity(
            session, actor=reported.tenderee_actor, now=at("2026-11-26"), entity_id=reported.tenderee.id,
            section_code=reported.code, ends_at=at("2026-11-29"),
        )  # fmt: skip
    assert e.value.code == "award.publicity_too_short" and "3日" in e.value.message


def test_an_objection_suspends_the_award_until_answered_then_it_resumes(session, platform, reported):
    _publish(session, reported, at("2026-11-26"))
    o = _object(session, reported, reported.bidders[1], at("2026-11-27"))
    assert o.reply_due_by.astimezone(SHANGHAI) == at("2026-12-01", "00:00")
    assert service.load(session, reported.code).result.status == "suspended"
    with pytest.raises(IllegalTransition):
        _decide(session, platform, reported, at("2026-12-02"))
    service.reply_objection(
        session, actor=reported.tenderee_actor, now=at("2026-11-28"), entity_id=reported.tenderee.id,
        section_code=reported.code, objection_id=o.id, reply="经核查，业绩属实。",
    )  # fmt: skip
    assert service.load(session, reported.code).result.status == "publicized"
    assert "award:result:object" in _tags(session, reported.code)
    assert "award:result:resume" in _tags(session, reported.code)
    told = session.execute(select(Notification).where(Notification.entity_id == reported.bidders[1].id)).scalars()
    assert any("异议答复" in n.title for n in told)


def test_an_objection_after_the_window_is_refused_with_the_rule(session, reported):
    _publish(session, reported, at("2026-11-26"))
    with pytest.raises(IllegalTransition) as e:
        _object(session, reported, reported.bidders[1], at("2026-12-01", "00:00"))
    assert e.value.code == "award.objection_late" and "第五十四条" in e.value.message


def test_only_a_bidder_of_the_section_may_object(session, reported):
    _publish(session, reported, at("2026-11-26"))
    with pytest.raises(Forbidden):
        _object(session, reported, reported.tenderee, at("2026-11-27"))


def test_the_winner_is_determined_only_after_the_publicity(session, platform, reported):
    _publish(session, reported, at("2026-11-26"))
    with pytest.raises(IllegalTransition, match="公示期满"):
        _decide(session, platform, reported, at("2026-11-30", "23:59"))


def test_a_state_funded_project_awards_the_first_candidate_unless_it_gave_up(session, platform, reported):
    _publish(session, reported, at("2026-11-26"))
    second = reported.bidders[1].id
    with pytest.raises(ValidationFailed) as e:
        _decide(session, platform, reported, at("2026-12-01"), winner_entity_id=second)
    assert e.value.code == "award.out_of_order" and "第五十五条" in e.value.message
    r = _decide(
        session,
        platform,
        reported,
        at("2026-12-01"),
        winner_entity_id=second,
        passed_over={reported.bidders[0].id: "gave_up"},
    )
    assert r.winner_entity_id == second


def test_the_award_notice_is_sealed_sent_and_refunds_follow_the_notice_and_the_contract(session, platform, reported):
    _publish(session, reported, at("2026-11-26"))
    r = _decide(session, platform, reported, at("2026-12-01"))
    winner = reported.bidders[0]
    assert r.status == "notified" and r.winner_entity_id == winner.id
    assert r.contract_due_by.astimezone(SHANGHAI) == at("2027-01-01", "00:00")  # 30 days from 1 Dec, T-18
    notices = repository.notices(session, r.id)
    assert [(n.entity_id, n.kind) for n in notices] == [(winner.id, "award")] + [
        (b.id, "result") for b in reported.bidders[1:]
    ]
    for n in notices:
        verdict = verify_platform_pdf(n.pdf, platform.key, now=at("2026-12-01"))
        assert verdict.valid, verdict.message
    titles = {n.entity_id: n.title for n in session.execute(select(Notification)).scalars() if "通知书" in n.title}
    assert "中标通知书" in titles[winner.id] and "中标结果通知书" in titles[reported.bidders[1].id]
    refunds = session.execute(select(Refund).where(Refund.section_id == reported.section.id)).scalars().all()
    assert sorted(x.entity_id for x in refunds) == sorted(b.id for b in reported.bidders[1:])
    assert {x.reason for x in refunds} == {"award"}
    c = service.record_contract(
        session, actor=reported.tenderee_actor, now=at("2026-12-10"), entity_id=reported.tenderee.id,
        section_code=reported.code, code="HT-2026-001", name="施工合同", amount_fen=48_500_000_00,
        signed_at=at("2026-12-09"), content="主要条款",
    )  # fmt: skip
    assert not c.late
    won = session.execute(select(Refund).where(Refund.entity_id == winner.id, Refund.section_id == reported.section.id))
    assert [x.reason for x in won.scalars()] == ["contract"]
    assert service.load(session, reported.code).result.status == "contracted"


def test_the_chronograph_flags_an_overdue_contract_to_supervision_once(session, platform, clock, reported):
    _publish(session, reported, at("2026-11-26"))
    _decide(session, platform, reported, at("2026-12-01"))
    session.commit()
    clock.set(at("2026-12-31", "23:59"))
    assert platform.chronograph.tick().ran.get("award.deadlines", 0) == 0
    clock.set(at("2027-01-01", "00:00"))
    assert platform.chronograph.tick().ran.get("award.deadlines") == 1
    assert platform.chronograph.tick().ran.get("award.deadlines", 0) == 0
    flagged = session.execute(select(AuditEvent).where(AuditEvent.tag == "award:overdue:contract")).scalars().all()
    assert len(flagged) == 1 and '"supervision":true' in flagged[0].payload.replace(" ", "")


def test_the_chronograph_flags_a_publicity_not_published_in_time(session, platform, clock, reported):
    clock.set(at("2026-12-01", "00:01"))
    assert platform.chronograph.tick().ran.get("award.deadlines") == 1
    assert "award:overdue:publicity" in _tags(session, reported.code)


def test_far_off_expert_scores_are_recorded_for_supervision(session, tender):
    flag = {"expert": 15, "bidder": tender.bidders[0].id, "total": "58", "others_median": "40", "direction": "high"}
    submit(session, tender, flags=[flag])
    assert "award:evaluation:outlier_flagged" in _tags(session, tender.code)


def test_procurement_publishes_results_within_working_days(session, clock, platform):
    from .conftest import make_tender

    t = make_tender(session, clock, platform, rule_set_key="procurement.open_tender/2017", kind="procurement")
    r = submit(session, t, now=at("2026-11-27"))  # a Friday
    # 2 working days after Friday: Tuesday 1 December, ending at 24:00 (G-9).
    assert r.publicity_due_by.astimezone(SHANGHAI) == at("2026-12-02", "00:00")
    assert REPORT_AT.tzinfo is not None and dt.timedelta(0) < r.publicity_due_by - at("2026-11-27")
