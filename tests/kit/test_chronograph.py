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
