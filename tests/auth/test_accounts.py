"""Accounts, passwords, sessions and grants — each change audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from ggzy.audit.models import AuditEvent
from ggzy.auth import service as auth
from ggzy.kit.actor import SYSTEM
from ggzy.kit.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed

PW = "Strong-pass-2026"


def _events(session, tag):
    return session.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.tag == tag)).scalar_one()


def _new(session, clock, username="new.staff", **kw):
    kw.setdefault("kind", "staff")
    kw.setdefault("password", PW)
    return auth.create_account(session, actor=SYSTEM, now=clock.now(), username=username, display_name="新同事", **kw)


def test_creating_an_account_records_one_event(session, clock):
    before = _events(session, "auth:account:created")
    _new(session, clock)
    assert _events(session, "auth:account:created") == before + 1


def test_a_duplicate_username_is_refused(session, clock):
    _new(session, clock)
    with pytest.raises(Conflict):
        _new(session, clock)


@pytest.mark.parametrize("password", ["short1", "alllowercaseletters"])
def test_a_weak_password_is_refused(session, clock, password):
    with pytest.raises(ValidationFailed):
        _new(session, clock, password=password)


def test_staff_need_a_password_but_entities_may_use_certificates_only(session, clock):
    with pytest.raises(ValidationFailed):
        _new(session, clock, password=None)
    assert _new(session, clock, username="cert.only", kind="entity", password=None).password_hash is None


def test_an_unknown_home_center_is_refused(session, clock):
    with pytest.raises(NotFound):
        _new(session, clock, home_center_code="XX")


def test_the_right_password_logs_in_and_a_wrong_one_is_audited(session, clock):
    _new(session, clock)
    assert auth.authenticate(session, now=clock.now(), username="new.staff", password=PW, ip="1.2.3.4")
    before = _events(session, "auth:login:failed")
    with pytest.raises(NotAuthenticated):
        auth.authenticate(session, now=clock.now(), username="new.staff", password="wrong", ip="1.2.3.4")
    assert _events(session, "auth:login:failed") == before + 1


def test_five_failures_lock_the_account_for_fifteen_minutes(session, clock):
    _new(session, clock)
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            auth.authenticate(session, now=clock.now(), username="new.staff", password="wrong", ip=None)
    with pytest.raises(NotAuthenticated) as err:
        auth.authenticate(session, now=clock.now(), username="new.staff", password=PW, ip=None)
    assert err.value.code == "auth.locked"
    clock.advance(minutes=16)
    assert auth.authenticate(session, now=clock.now(), username="new.staff", password=PW, ip=None)


def test_a_token_expires(session, clock):
    account = _new(session, clock)
    issued = auth.open_session(session, now=clock.now(), account=account, kind="api", ip=None, hours=1)
    assert auth.resolve_token(session, now=clock.now(), token=issued.token, kind="api") is not None
    assert auth.resolve_token(session, now=clock.now(), token=issued.token, kind="page") is None
    assert auth.resolve_token(session, now=clock.now() + dt.timedelta(hours=2), token=issued.token, kind="api") is None


def test_disabling_an_account_revokes_its_tokens(session, clock):
    account = _new(session, clock)
    issued = auth.open_session(session, now=clock.now(), account=account, kind="api", ip=None, hours=1)
    auth.set_status(session, actor=SYSTEM, now=clock.now(), account=account, status="disabled")
    assert auth.resolve_token(session, now=clock.now(), token=issued.token, kind="api") is None


def test_a_center_role_needs_a_center_and_a_regulator_role_an_industry_and_region(session, clock):
    account = _new(session, clock)
    with pytest.raises(ValidationFailed):
        auth.grant_role(session, actor=SYSTEM, now=clock.now(), account=account, role="center_staff")
    with pytest.raises(ValidationFailed):
        auth.grant_role(
            session,
            actor=SYSTEM,
            now=clock.now(),
            account=account,
            role="regulator",
            industry="housing",
            region_code="110000",
        )
    grant = auth.grant_role(
        session,
        actor=SYSTEM,
        now=clock.now(),
        account=account,
        role="regulator",
        industry="water",
        region_code="520300",
    )
    assert grant.center_id is None and grant.region_code == "520300"


def test_the_principal_carries_the_grants(session, clock):
    account = auth.get_account(session, "gy.staff")
    principal = auth.principal_of(session, account)
    assert [g.role for g in principal.grants] == ["center_staff"]
