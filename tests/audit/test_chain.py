"""The audit chain: one event per change, verification catching every kind of tampering."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from ggzy.audit import service as audit
from ggzy.audit.models import AuditCheckpoint, AuditEvent
from ggzy.audit.service import AuditConfig
from ggzy.kit.actor import Actor

ALICE = Actor(7, "张三", "center_staff", None, "10.0.0.1")


def _append(session, clock, n: int) -> list[AuditEvent]:
    out = []
    for i in range(n):
        clock.advance(seconds=1)
        out.append(
            audit.record(
                session,
                tag="test:thing:changed",
                actor=ALICE,
                now=clock.now(),
                payload={"i": i, "名称": "测试"},
                subject_id=i,
            )
        )
    session.flush()
    return out


def _verify(session, platform_key, published=None):
    session.expire_all()  # raw SQL below changes rows behind the ORM's back, as an intruder would
    return audit.verify(session, cert=platform_key.certificate, published=published)


def test_the_demo_chain_verifies(session, platform_key):
    report = _verify(session, platform_key)
    assert report.ok, report.summary()
    assert report.checked > 10


def test_each_event_links_to_the_previous_hash(session, clock):
    a, b = _append(session, clock, 2)
    assert b.prev_hash == a.hash and b.seq == a.seq + 1


def test_an_edited_payload_is_named_by_its_sequence_number(session, clock, platform_key):
    events = _append(session, clock, 5)
    target = events[2].seq
    session.execute(text("UPDATE audit_events SET payload = :p WHERE seq = :s"), {"p": '{"i":99}', "s": target})
    session.expire_all()
    report = _verify(session, platform_key)
    assert not report.ok and report.first_bad_seq == target and "修改" in report.problem


def test_an_edited_actor_is_caught(session, clock, platform_key):
    events = _append(session, clock, 3)
    session.execute(text("UPDATE audit_events SET actor_name = '李四' WHERE seq = :s"), {"s": events[0].seq})
    report = _verify(session, platform_key)
    assert report.first_bad_seq == events[0].seq


def test_a_deleted_event_is_caught_at_the_gap(session, clock, platform_key):
    gone = _append(session, clock, 5)[1].seq
    session.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": gone})
    report = _verify(session, platform_key)
    assert not report.ok and report.first_bad_seq == gone and "删除" in report.problem


def test_two_swapped_events_are_caught(session, clock, platform_key):
    a, b = _append(session, clock, 2)[:2]
    # Swap the two rows' contents while keeping their sequence numbers: a reorder behind the platform's back.
    cols = [
        "at",
        "tag",
        "actor_id",
        "actor_name",
        "role",
        "center_id",
        "ip",
        "subject_id",
        "payload",
        "hash_alg",
        "prev_hash",
        "hash",
    ]
    row_a = session.execute(select(*[getattr(AuditEvent, c) for c in cols]).where(AuditEvent.seq == a.seq)).one()
    row_b = session.execute(select(*[getattr(AuditEvent, c) for c in cols]).where(AuditEvent.seq == b.seq)).one()
    for seq, row in ((a.seq, row_b), (b.seq, row_a)):
        session.execute(
            AuditEvent.__table__.update().where(AuditEvent.seq == seq).values(dict(zip(cols, row, strict=True)))
        )
    report = _verify(session, platform_key)
    assert not report.ok and report.first_bad_seq == a.seq


def test_an_inserted_event_is_caught(session, clock, platform_key):
    events = _append(session, clock, 3)
    last = events[-1]
    # Make room after the second event and insert a forged one with a plausible hash link.
    session.execute(text("UPDATE audit_head SET seq = seq"))
    forged_seq = last.seq + 1
    session.execute(
        AuditEvent.__table__.insert().values(
            seq=forged_seq,
            at=clock.now(),
            tag="test:thing:forged",
            actor_id=None,
            actor_name="x",
            role="x",
            center_id=None,
            ip=None,
            subject_id=None,
            payload="{}",
            hash_alg="sha256",
            prev_hash=last.hash,
            hash="0" * 64,
        )
    )
    report = _verify(session, platform_key)
    assert not report.ok and report.first_bad_seq == forged_seq


def test_a_truncated_tail_is_caught_by_the_head_record(session, clock, platform_key):
    events = _append(session, clock, 4)
    session.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": events[1].seq})
    report = _verify(session, platform_key)
    assert not report.ok and "截断" in report.problem


def test_a_truncated_tail_with_a_rewritten_head_is_caught_by_the_signed_checkpoint(session, clock, platform_key):
    _append(session, clock, 3)
    cp = audit.checkpoint(session, now=clock.now(), key=platform_key)
    events = _append(session, clock, 2)
    cut = cp.seq - 2
    session.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": cut})
    h = session.execute(text("SELECT hash FROM audit_events WHERE seq = :s"), {"s": cut}).scalar_one()
    session.execute(text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": cut, "h": h})
    report = _verify(session, platform_key)
    assert not report.ok and report.first_bad_seq == cut + 1 and "截断" in report.problem
    assert events


def test_truncation_after_deleting_checkpoints_is_caught_by_the_published_one(session, clock, platform_key):
    _append(session, clock, 3)
    cp = audit.checkpoint(session, now=clock.now(), key=platform_key)
    published = audit.published_checkpoint(cp, platform_key.certificate)
    cut = cp.seq - 1
    session.execute(text("DELETE FROM audit_checkpoints"))
    session.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": cut})
    h = session.execute(text("SELECT hash FROM audit_events WHERE seq = :s"), {"s": cut}).scalar_one()
    session.execute(text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": cut, "h": h})
    assert _verify(session, platform_key).ok  # without the published copy the cut is invisible
    report = _verify(session, platform_key, published=published)
    assert not report.ok and "公开发布" in report.problem


def test_a_forged_checkpoint_signature_is_caught(session, clock, platform_key):
    _append(session, clock, 2)
    cp = audit.checkpoint(session, now=clock.now(), key=platform_key)
    session.execute(
        AuditCheckpoint.__table__.update()
        .where(AuditCheckpoint.id == cp.id)
        .values(signature=b"\x30\x06\x02\x01\x01\x02\x01\x01")
    )
    report = _verify(session, platform_key)
    assert not report.ok and "签名无效" in report.problem


def test_checkpointing_twice_at_the_same_head_signs_once(session, clock, platform_key):
    _append(session, clock, 1)
    assert audit.checkpoint(session, now=clock.now(), key=platform_key) is not None
    assert audit.checkpoint(session, now=clock.now(), key=platform_key) is None


def test_a_checkpoint_is_signed_automatically_every_n_events(session, clock, platform_key):
    session.info["audit"] = AuditConfig("sha256", 3, platform_key)
    before = session.execute(select(AuditCheckpoint.seq)).scalars().all()
    _append(session, clock, 6)
    after = session.execute(select(AuditCheckpoint.seq)).scalars().all()
    assert len(after) - len(before) == 2 and all(s % 3 == 0 for s in set(after) - set(before))


def test_sm3_events_verify_alongside_sha256_ones(session, clock, platform_key):
    session.info["audit"] = AuditConfig("sm3", 1000, platform_key)
    events = _append(session, clock, 2)
    assert events[0].hash_alg == "sm3"
    assert _verify(session, platform_key).ok


def test_events_page_by_cursor_in_chain_order(session, clock):
    _append(session, clock, 5)
    first = audit.list_events(session, limit=3)
    second = audit.list_events(session, cursor=first.next_cursor, limit=3)
    seqs = [e.seq for e in first.items + second.items]
    assert seqs == sorted(seqs) and len(set(seqs)) == 6


def test_a_tag_must_have_three_parts(session, clock):
    with pytest.raises(ValueError):
        audit.record(session, tag="bad", actor=ALICE, now=clock.now())


def test_times_are_stored_in_utc_and_come_back_aware(session, clock):
    e = _append(session, clock, 1)[0]
    session.expire_all()
    again = session.get(AuditEvent, e.seq)
    assert again.at.tzinfo is not None and again.at == clock.now().astimezone(dt.UTC)
