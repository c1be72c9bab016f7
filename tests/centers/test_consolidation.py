"""Consolidating a county center into its city center (seed 三.(四)), driven by the chronograph."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ggzy.audit.models import AuditEvent
from ggzy.auth import service as auth
from ggzy.centers import service as centers
from ggzy.centers.models import Venue
from ggzy.kit.actor import SYSTEM
from ggzy.kit.chronograph import Chronograph
from ggzy.kit.errors import Conflict, IllegalTransition, ValidationFailed


def _chronograph(platform):
    return Chronograph(platform.db, platform.clock, platform.jobs())


def _plan(session, clock, when=None):
    return centers.plan_merger(
        session,
        actor=SYSTEM,
        now=clock.now(),
        source_code="GY-XW",
        target_code="GY",
        effective_at=when or clock.now() + dt.timedelta(days=1),
        reason="示例批复〔2026〕1号",
    )


def test_a_planned_merger_waits_for_its_date_then_runs_once(platform, session, clock):
    _plan(session, clock)
    session.commit()
    chrono = _chronograph(platform)
    assert "centers.merger" not in chrono.tick().ran
    clock.advance(days=1, seconds=1)
    assert chrono.tick().ran.get("centers.merger") == 1
    assert chrono.tick().total == 0  # the same tick again changes nothing


def test_every_old_reference_still_resolves_after_the_merger(platform, session, clock):
    xw = centers.get_center(session, "GY-XW")
    staff = auth.create_account(
        session,
        actor=SYSTEM,
        now=clock.now(),
        username="xw.staff",
        display_name="修文工作人员",
        kind="staff",
        password="Strong-pass-2026",
        home_center_code="GY-XW",
    )
    auth.grant_role(session, actor=SYSTEM, now=clock.now(), account=staff, role="center_staff", center_code="GY-XW")
    venue_codes = [v.code for v, _ in centers.venues_of(session, xw)]
    old_event = session.execute(select(AuditEvent).where(AuditEvent.center_id == xw.id)).scalars().first()
    _plan(session, clock, when=clock.now())
    session.commit()
    _chronograph(platform).tick()
    session.expire_all()

    gy = centers.get_center(session, "GY")
    old = centers.get_center(session, "GY-XW")  # the old code resolves …
    assert old.status == "merged" and centers.current_center(session, old).code == "GY"  # … to its successor
    for code in venue_codes:  # venues keep their codes, now run by the city center
        venue = centers.get_venue(session, code)
        assert venue.center_id == gy.id and venue.origin_center_id == old.id
    assert auth.get_account(session, "xw.staff").home_center_id == gy.id
    assert auth.principal_of(session, auth.get_account(session, "xw.staff")).grants[0].center_id == gy.id
    # Historical events keep the old center id, and that id still names a readable center.
    assert old_event is not None and session.get(type(old), old_event.center_id).code == "GY-XW"
    merged = session.execute(select(AuditEvent).where(AuditEvent.tag == "centers:center:merged")).scalars().one()
    assert merged.subject_id == "GY-XW" and '"target":"GY"' in merged.payload


def test_only_a_county_merges_and_only_into_its_parent(session, clock):
    with pytest.raises(ValidationFailed):
        centers.plan_merger(
            session,
            actor=SYSTEM,
            now=clock.now(),
            source_code="GY",
            target_code="GZ",
            effective_at=clock.now(),
            reason="x",
        )
    with pytest.raises(ValidationFailed):
        centers.plan_merger(
            session,
            actor=SYSTEM,
            now=clock.now(),
            source_code="GY-XW",
            target_code="ZY",
            effective_at=clock.now(),
            reason="x",
        )


def test_a_merger_needs_a_reason_and_cannot_be_planned_twice(session, clock):
    with pytest.raises(ValidationFailed):
        centers.plan_merger(
            session,
            actor=SYSTEM,
            now=clock.now(),
            source_code="GY-XW",
            target_code="GY",
            effective_at=clock.now(),
            reason="  ",
        )
    _plan(session, clock)
    with pytest.raises(Conflict):
        _plan(session, clock)


def test_a_merged_center_cannot_merge_again_or_receive_venues(platform, session, clock):
    _plan(session, clock, when=clock.now())
    session.commit()
    _chronograph(platform).tick()
    session.expire_all()
    with pytest.raises(IllegalTransition):
        _plan(session, clock)
    assert (
        session.execute(select(Venue).where(Venue.center_id == centers.get_center(session, "GY-XW").id)).first() is None
    )


def test_the_national_calendar_counts_working_days_for_a_center(session):
    cal = centers.working_calendar(session, centers.get_center(session, "GY"))
    # 2026-10-01 … 10-07 is the National Day holiday; 10-10 (Saturday) is an adjusted working day.
    assert not cal.is_working_day(dt.date(2026, 10, 2))
    assert cal.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
