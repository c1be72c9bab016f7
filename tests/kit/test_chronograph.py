"""The chronograph: due items run once; a second identical tick changes nothing; failures stay due."""

from __future__ import annotations

import json

from sqlalchemy import select

from ggzy.audit.models import AuditCheckpoint
from ggzy.kit.chronograph import Chronograph, Job
from ggzy.kit.errors import ValidationFailed


def test_the_checkpoint_job_signs_the_head_and_publishes_it_outside_the_database(platform, session, clock):
    chrono = Chronograph(platform.db, platform.clock, platform.jobs())
    assert chrono.tick().ran.get("audit.checkpoint") == 1
    assert chrono.tick().total == 0
    published = json.loads(platform.published_checkpoint_path.read_text(encoding="utf-8"))
    latest = session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc())).scalars().first()
    assert published["seq"] == latest.seq and published["hash"] == latest.hash


def test_a_refused_item_is_counted_as_failed_and_left_due(platform, clock):
    calls = []

    def run(_s, item, _now):
        calls.append(item)
        raise ValidationFailed("not yet")

    chrono = Chronograph(platform.db, platform.clock, [Job("x", lambda s, now, n: [1], run)])
    assert chrono.tick().failed == {"x": 1}
    assert chrono.tick().failed == {"x": 1} and calls == [1, 1]


def test_two_workers_ticking_at_once_close_a_due_merger_exactly_once(migrated, platform_key, tmp_path):
    """Two chronograph workers on the same database (PostgreSQL row locks; SQLite's single writer)."""
    import datetime as dt
    import threading

    from sqlalchemy import func, select

    from ggzy.audit.models import AuditEvent
    from ggzy.centers import service as centers
    from ggzy.centers.models import Center, CenterMerger
    from ggzy.kit.actor import SYSTEM
    from ggzy.kit.chronograph import Chronograph, Job
    from ggzy.kit.clock import FrozenClock
    from ggzy.kit.db import Database

    db = Database(migrated.url, info=dict(migrated.info))
    clock = FrozenClock(dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
    with db.session(write=True) as s:
        source = s.execute(select(Center).where(Center.code == "GY-KY")).scalar_one()
        if source.status != "active":  # the other backend's run already merged it in this database
            return
        merger = centers.plan_merger(
            s,
            actor=SYSTEM,
            now=clock.now(),
            source_code="GY-KY",
            target_code="GY",
            effective_at=clock.now(),
            reason="并发测试",
        )
        merger_id = merger.id
    job = Job("centers.merger", centers.due_mergers, centers.run_merger)
    workers = [Chronograph(db, clock, [job]) for _ in range(2)]
    threads = [threading.Thread(target=w.tick) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with db.session() as s:
        merged = s.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.tag == "centers:center:merged", AuditEvent.subject_id == "GY-KY")
        ).scalar_one()
        assert merged == 1 and s.get(CenterMerger, merger_id).status == "done"
    db.dispose()
