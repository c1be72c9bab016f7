"""The construction tender before the bids, end to end in the service layer, driven by the clock."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from ggzy.audit.models import AuditEvent
from ggzy.auth.service import get_account, principal_of
from ggzy.authz.scope import require
from ggzy.centers.service import nodes
from ggzy.kit.chronograph import Chronograph
from ggzy.kit.clock import SHANGHAI
from ggzy.kit.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from ggzy.projects import service as projects
from ggzy.projects.models import Notification
from ggzy.projects.rulesets import DepositForm


def at(day: str, hm: str = "09:30") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=SHANGHAI)


DOCS_FROM = at("2026-11-02", "10:00")
DEADLINE = at("2026-11-23", "09:30")


def _setup(session, clock, parties):
    t = parties["tenderee"]
    p = projects.create_project(
        session,
        actor=t.actor,
        now=clock.now(),
        acting_entity_id=t.entity.id,
        center_code="GY",
        name="示例道路改造工程",
        transaction_type="construction",
    )
    tp = projects.add_tender_project(
        session,
        actor=t.actor,
        now=clock.now(),
        entity_id=t.entity.id,
        project_code=p.code,
        name="示例道路改造工程施工",
        rule_set_key="construction.open/2019",
        estimate_fen=100_000_000_00,
    )
    s = projects.add_section(
        session,
        actor=t.actor,
        now=clock.now(),
        entity_id=t.entity.id,
        tender_project_code=tp.code,
        name="一标段",
        estimate_fen=100_000_000_00,
    )
    return p, tp, s


def _terms(section, deadline=DEADLINE, deposit=1_000_000_00):
    return [
        projects.SectionTerms(
            section.code,
            DOCS_FROM,
            at("2026-11-09", "17:00"),
            deadline,
            deposit,
            frozenset({DepositForm.CASH, DepositForm.BANK_GUARANTEE}),
        )
    ]


def _staff_scope(session):
    account = get_account(session, "gy.staff")
    return require(principal_of(session, account), "center:project:review", nodes(session))


def _published(session, clock, platform, parties):
    t = parties["tenderee"]
    p, tp, s = _setup(session, clock, parties)
    a = projects.draft_announcement(
        session,
        actor=t.actor,
        now=clock.now(),
        entity_id=t.entity.id,
        tender_project_code=tp.code,
        title="示例道路改造工程施工招标公告",
        body="招标公告正文",
        terms=_terms(s),
    )
    projects.submit_announcement(
        session, actor=t.actor, now=clock.now(), entity_id=t.entity.id, tender_project_code=tp.code, version=a.version
    )
    projects.publish_announcement(
        session,
        actor=t.actor,
        now=clock.now(),
        scope=_staff_scope(session),
        key=platform.key,
        tender_project_code=tp.code,
        version=a.version,
        publish_key="k1",
    )
    return p, tp, s, a


def test_codes_are_hierarchical(session, clock, parties):
    p, tp, s = _setup(session, clock, parties)
    assert (
        tp.code.startswith(p.code)
        and s.code.startswith(tp.code)
        and (len(p.code), len(tp.code), len(s.code)) == (17, 20, 23)
    )


def test_an_announcement_that_breaks_the_twenty_day_limit_is_refused_with_its_source(session, clock, parties):
    _, tp, s = _setup(session, clock, parties)
    t = parties["tenderee"]
    with pytest.raises(ValidationFailed) as err:
        projects.draft_announcement(
            session,
            actor=t.actor,
            now=clock.now(),
            entity_id=t.entity.id,
            tender_project_code=tp.code,
            title="x",
            body="y",
            terms=_terms(s, deadline=at("2026-11-20")),
        )
    assert "T-4" in err.value.message and "第二十四条" in err.value.message


def test_a_deposit_above_the_cap_is_refused(session, clock, parties):
    _, tp, s = _setup(session, clock, parties)
    t = parties["tenderee"]
    with pytest.raises(ValidationFailed) as err:
        projects.draft_announcement(
            session,
            actor=t.actor,
            now=clock.now(),
            entity_id=t.entity.id,
            tender_project_code=tp.code,
            title="x",
            body="y",
            terms=_terms(s, deposit=2_000_000_01),
        )
    assert err.value.code == "deposits.above_cap"


def test_publishing_signs_the_text_and_opens_the_section(session, clock, platform, parties):
    _, tp, s, a = _published(session, clock, platform, parties)
    assert a.status == "published" and s.status == "announced" and s.bid_deadline == DEADLINE
    text = projects.announcement_text(tp, a, projects.published_documents(session, tp))
    from ggzy.kit.signing import verify_platform_signature

    assert verify_platform_signature(platform.key.certificate, a.signature, text)


def test_a_retried_publication_publishes_once(session, clock, platform, parties):
    _, tp, _, a = _published(session, clock, platform, parties)
    before = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    again = projects.publish_announcement(
        session,
        actor=parties["tenderee"].actor,
        now=clock.now(),
        scope=_staff_scope(session),
        key=platform.key,
        tender_project_code=tp.code,
        version=a.version,
        publish_key="k1",
    )
    assert again.id == a.id
    assert session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == before


def test_a_published_announcement_cannot_be_edited_only_superseded(session, clock, platform, parties):
    _, tp, s, _ = _published(session, clock, platform, parties)
    t = parties["tenderee"]
    with pytest.raises(Conflict):
        projects.draft_announcement(
            session,
            actor=t.actor,
            now=clock.now(),
            entity_id=t.entity.id,
            tender_project_code=tp.code,
            title="x",
            body="y",
            terms=_terms(s),
        )


def test_a_late_clarification_extends_the_deadline_and_notifies_downloaders(session, clock, platform, parties):
    _, tp, s, _ = _published(session, clock, platform, parties)
    t, b = parties["tenderee"], parties["bidder_b"]
    doc = projects.add_document(
        session,
        actor=t.actor,
        now=clock.now(),
        entity_id=t.entity.id,
        tender_project_code=tp.code,
        name="招标文件.pdf",
        media_type="application/pdf",
        sha256="a" * 64,
        sm3="b" * 64,
        size=10,
    )
    projects.record_download(session, actor=b.actor, now=clock.now(), document=doc, entity_id=b.entity.id)
    clock.set(at("2026-11-16", "10:00"))  # one week before the deadline: less than 15 days (T-5)
    c = projects.draft_announcement(
        session,
        actor=t.actor,
        now=clock.now(),
        entity_id=t.entity.id,
        tender_project_code=tp.code,
        title="澄清（一）",
        body="工程量清单第3项更正",
        terms=[],
        kind="clarification",
        affects_bids=True,
    )
    projects.submit_announcement(
        session, actor=t.actor, now=clock.now(), entity_id=t.entity.id, tender_project_code=tp.code, version=c.version
    )
    projects.publish_announcement(
        session,
        actor=t.actor,
        now=clock.now(),
        scope=_staff_scope(session),
        key=platform.key,
        tender_project_code=tp.code,
        version=c.version,
        publish_key="k2",
    )
    assert s.bid_deadline == at("2026-12-01", "09:30")  # 15 days after 11-16
    notes = session.execute(select(Notification).where(Notification.entity_id == b.entity.id)).scalars().all()
    assert len(notes) == 1 and "顺延" in notes[0].body
    published = (
        session.execute(
            select(AuditEvent).where(AuditEvent.tag == "projects:announcement:publish").order_by(AuditEvent.seq.desc())
        )
        .scalars()
        .first()
    )
    assert json.loads(published.payload)["extended"] == {
        s.code: at("2026-12-01", "09:30").astimezone(dt.UTC).isoformat()
    }


def test_the_section_closes_at_the_deadline_by_the_chronograph_once(session, clock, platform, parties):
    _, _, s, _ = _published(session, clock, platform, parties)
    session.commit()
    chrono = Chronograph(platform.db, platform.clock, platform.jobs())
    clock.set(DEADLINE - dt.timedelta(milliseconds=1))
    assert "projects.section_deadline" not in chrono.tick().ran
    clock.set(DEADLINE)
    assert chrono.tick().ran.get("projects.section_deadline") == 1
    assert chrono.tick().ran.get("projects.section_deadline") is None
    session.expire_all()
    assert s.status == "closed"


def test_a_question_reaches_the_tenderee_without_the_asker_and_the_answer_reaches_downloaders(
    session, clock, platform, parties
):
    _, tp, _, _ = _published(session, clock, platform, parties)
    t, b = parties["tenderee"], parties["bidder_a"]
    q = projects.ask(
        session,
        actor=b.actor,
        now=clock.now(),
        entity_id=b.entity.id,
        tender_project_code=tp.code,
        text="第3章的工期是否可以调整？",
    )
    from ggzy.audit.service import list_events

    chained = session.execute(select(AuditEvent).where(AuditEvent.tag == "projects:question:asked")).scalars().all()
    assert chained and chained[-1].actor_name == b.actor.name  # in the chain (E-18) …
    served = list_events(session, limit=500, tag_prefix="projects:question")
    assert served.items == []  # … but never served before the opening
    projects.answer(
        session,
        actor=t.actor,
        now=clock.now(),
        entity_id=t.entity.id,
        tender_project_code=tp.code,
        question_id=q.id,
        text="不可调整。",
    )
    with pytest.raises(Conflict):
        projects.answer(
            session,
            actor=t.actor,
            now=clock.now(),
            entity_id=t.entity.id,
            tender_project_code=tp.code,
            question_id=q.id,
            text="again",
        )


def test_another_entity_cannot_manage_the_project(session, clock, parties):
    p, tp, _ = _setup(session, clock, parties)
    b = parties["bidder_a"]
    with pytest.raises(NotFound):
        projects.add_section(
            session,
            actor=b.actor,
            now=clock.now(),
            entity_id=b.entity.id,
            tender_project_code=tp.code,
            name="x",
            estimate_fen=1,
        )


def test_terminating_needs_a_reason_and_is_final(session, clock, platform, parties):
    _, _, s, _ = _published(session, clock, platform, parties)
    t = parties["tenderee"]
    with pytest.raises(IllegalTransition):
        projects.terminate_section(
            session, actor=t.actor, now=clock.now(), entity_id=t.entity.id, section_code=s.code, reason=""
        )
    projects.terminate_section(
        session, actor=t.actor, now=clock.now(), entity_id=t.entity.id, section_code=s.code, reason="项目资金未落实"
    )
    assert s.status == "terminated"
    with pytest.raises(IllegalTransition):
        projects.terminate_section(
            session, actor=t.actor, now=clock.now(), entity_id=t.entity.id, section_code=s.code, reason="again"
        )


def test_the_signed_announcement_text_can_be_rebuilt_after_a_reload_whatever_zone_it_was_published_in(
    session, clock, platform, parties
):
    import hashlib

    from ggzy.kit.clock import SHANGHAI

    t = parties["tenderee"]
    _, tp, s = _setup(session, clock, parties)
    a = projects.draft_announcement(
        session,
        actor=t.actor,
        now=clock.now(),
        entity_id=t.entity.id,
        tender_project_code=tp.code,
        title="公告",
        body="正文",
        terms=_terms(s),
    )
    projects.submit_announcement(
        session, actor=t.actor, now=clock.now(), entity_id=t.entity.id, tender_project_code=tp.code, version=a.version
    )
    projects.publish_announcement(
        session,
        actor=t.actor,
        now=clock.now().astimezone(SHANGHAI),
        scope=_staff_scope(session),
        key=platform.key,
        tender_project_code=tp.code,
        version=a.version,
        publish_key="zone",
    )
    signed = a.content_hash
    session.commit()
    session.expire_all()
    rebuilt = projects.announcement_text(tp, a, projects.published_documents(session, tp))
    assert hashlib.sha256(rebuilt).hexdigest() == signed
