"""CA fee standards: money in fen, schedules kept as history, a public comparison, writes only by their owners."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from ggzy.audit.models import AuditEvent
from ggzy.auth.models import Account
from ggzy.kit.errors import ValidationFailed
from ggzy.pki import fees
from ggzy.pki.fee_models import CaFeePayment, CaFeeSchedule
from support import token


def bind_entity(session, username: str, entity_id: int | None) -> None:
    account = session.execute(select(Account).where(Account.username == username)).scalar_one()
    account.entity_id = entity_id
    session.commit()


def events(session, tag: str) -> int:
    return session.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.tag == tag)).scalar_one()


PAYMENT = {
    "provider": "GZCA",
    "item": "cert_issue",
    "amount_fen": 26000,
    "paid_at": "2026-10-30T10:00:00+08:00",
    "receipt_no": "GZCA-2026-0001",
}


def test_the_public_reads_every_provider_with_amounts_in_fen_and_yuan_strings(client):
    body = client.get("/api/v1/ca-providers").json()
    gzca = next(p for p in body if p["code"] == "GZCA")
    issue = next(i for i in gzca["current_schedule"]["items"] if i["item"] == "cert_issue")
    assert issue["amount_fen"] == 26000 and isinstance(issue["amount_fen"], int) and issue["amount_yuan"] == "260.00"
    assert gzca["current_schedule"]["effective_from"] == "2026-01-01" and len(body) >= 3


def test_a_provider_keeps_its_older_schedules(client):
    body = client.get("/api/v1/ca-providers/gzca").json()
    assert [s["effective_from"] for s in body["schedules"]] == ["2026-01-01", "2025-01-01"]


def test_the_ca_page_compares_providers_side_by_side_and_explains_one_certificate_everywhere(client):
    html = client.get("/ca").text
    assert "一证通" in html and "收费项目" in html
    for name in ("贵州省数字证书认证中心", "CFCA", "国密"):
        assert name in html
    assert "260.00" in html and "2026-01-01" in html and 'href="/ca"' in html


def test_the_admin_publishes_a_new_schedule_without_overwriting_the_old_one(client, session):
    h = token(client, "admin")
    before = events(session, "pki:ca_fee_schedule:published")
    items = [{"item": "cert_issue", "amount_yuan": "250.50"}, {"item": "usb_key", "amount_fen": 0, "unit": "免费"}]
    r = client.post(
        "/api/v1/ca-providers/CFCA/schedules", json={"effective_from": "2026-11-01", "items": items}, headers=h
    )
    assert r.status_code == 201, r.text
    current = r.json()["current_schedule"]
    assert current["effective_from"] == "2026-11-01" and current["items"][0]["amount_fen"] == 25050
    assert len(r.json()["schedules"]) == 2 and events(session, "pki:ca_fee_schedule:published") == before + 1
    again = client.post(
        "/api/v1/ca-providers/CFCA/schedules", json={"effective_from": "2026-11-01", "items": items}, headers=h
    )
    assert again.status_code == 409 and again.json()["code"] == "cafees.duplicate_schedule"


def test_a_future_schedule_is_listed_but_not_yet_current(client):
    h = token(client, "admin")
    items = [{"item": "cert_issue", "amount_fen": 1}]
    client.post("/api/v1/ca-providers/SMCA/schedules", json={"effective_from": "2027-01-01", "items": items}, headers=h)
    body = client.get("/api/v1/ca-providers/SMCA").json()
    assert body["current_schedule"]["effective_from"] == "2026-03-01"
    assert body["schedules"][0]["effective_from"] == "2027-01-01"


def test_the_admin_registers_a_provider_once(client, session):
    h = token(client, "admin")
    body = {"code": "XJCA", "name": "新疆某认证（测试）", "licence_no": "ECP65", "ca_names": ["XJ SM2 CA"]}
    assert client.post("/api/v1/ca-providers", json=body, headers=h).status_code == 201
    assert events(session, "pki:ca_provider:added") >= 4
    dup = client.post("/api/v1/ca-providers", json=body, headers=h)
    assert dup.status_code == 409 and dup.json()["code"] == "cafees.duplicate_provider"


@pytest.mark.parametrize("who,status", [(None, 401), ("bidder.gy", 403), ("gz.admin", 403), ("reg.housing", 403)])
def test_only_the_platform_admin_writes_providers_and_schedules(client, who, status):
    h = token(client, who) if who else {}
    r1 = client.post("/api/v1/ca-providers", json={"code": "ZZ", "name": "某某", "licence_no": "x1"}, headers=h)
    r2 = client.post(
        "/api/v1/ca-providers/GZCA/schedules",
        json={"effective_from": "2026-12-01", "items": [{"item": "cert_issue", "amount_fen": 1}]},
        headers=h,
    )
    assert r1.status_code == status and r2.status_code == status


@pytest.mark.parametrize(
    "amount,code",
    [
        ({"amount_fen": -100}, "money.not_positive"),
        ({"amount_yuan": "-1.00"}, "money.not_positive"),
        ({"amount_yuan": "12.345"}, "money.invalid"),
        ({"amount_fen": 12.5}, "input.invalid"),
        ({"amount_yuan": 12.5}, "input.invalid"),
        ({"amount_fen": 100, "amount_yuan": "1.00"}, "input.invalid"),
        ({"amount_fen": 0}, "money.not_positive"),
    ],
)
def test_a_negative_sub_fen_float_or_zero_payment_is_refused_and_nothing_is_written(client, session, amount, code):
    bind_entity(session, "bidder.gy", 501)
    body = {k: v for k, v in PAYMENT.items() if k != "amount_fen"} | amount
    r = client.post("/api/v1/ca-fees", json=body, headers=token(client, "bidder.gy"))
    assert 400 <= r.status_code < 500 and r.json()["code"] == code, r.text
    assert session.execute(select(func.count()).select_from(CaFeePayment)).scalar_one() == 0


def test_an_entity_records_and_reads_its_own_fees_only(client, session):
    bind_entity(session, "bidder.gy", 501)
    bind_entity(session, "bidder.zy", 502)
    gy, zy = token(client, "bidder.gy"), token(client, "bidder.zy")
    before = events(session, "pki:ca_fee:recorded")
    r = client.post("/api/v1/ca-fees", json=PAYMENT | {"amount_yuan": "260.00", "amount_fen": None}, headers=gy)
    assert r.status_code == 201, r.text
    assert r.json()["entity_id"] == 501 and r.json()["amount_fen"] == 26000
    assert events(session, "pki:ca_fee:recorded") == before + 1
    other = client.post("/api/v1/ca-fees", json=PAYMENT | {"receipt_no": "X2", "entity_id": 501}, headers=zy)
    assert other.status_code == 403 and other.json()["code"] == "cafees.other_entity"
    assert [p["receipt_no"] for p in client.get("/api/v1/ca-fees", headers=gy).json()] == ["GZCA-2026-0001"]
    assert client.get("/api/v1/ca-fees", headers=zy).json() == []
    dup = client.post("/api/v1/ca-fees", json=PAYMENT, headers=gy)
    assert dup.status_code == 409 and dup.json()["code"] == "cafees.duplicate_receipt"


@pytest.mark.parametrize("who,status", [(None, 401), ("admin", 403), ("expert.one", 403), ("bidder.gy", 403)])
def test_accounts_without_an_entity_cannot_record_fees(client, session, who, status):
    if who == "bidder.gy":
        bind_entity(session, who, None)  # a bidder account not (or no longer) bound to an entity
    r = client.post("/api/v1/ca-fees", json=PAYMENT, headers=token(client, who) if who else {})
    assert r.status_code == status


def test_an_unknown_item_or_provider_is_a_clear_error(client, session):
    bind_entity(session, "bidder.gy", 501)
    h = token(client, "bidder.gy")
    r = client.post("/api/v1/ca-fees", json=PAYMENT | {"item": "gold_plating"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "cafees.unknown_item"
    assert client.post("/api/v1/ca-fees", json=PAYMENT | {"provider": "NOPE"}, headers=h).status_code == 404


def test_a_schedule_with_a_bad_item_writes_nothing(client, session):
    count = session.execute(select(func.count()).select_from(CaFeeSchedule)).scalar_one()
    items = [{"item": "cert_issue", "amount_fen": 100}, {"item": "bogus", "amount_fen": 100}]
    r = client.post(
        "/api/v1/ca-providers/GZCA/schedules",
        json={"effective_from": "2026-12-01", "items": items},
        headers=token(client, "admin"),
    )
    assert r.status_code == 422
    assert session.execute(select(func.count()).select_from(CaFeeSchedule)).scalar_one() == count


def test_amounts_are_checked_as_integers_never_floats():
    assert fees.check_amount(26000, allow_zero=False) == 26000
    for bad in (260.0, True, "26000"):
        with pytest.raises(ValidationFailed):
            fees.check_amount(bad, allow_zero=True)
    assert fees.yuan_text(1) == "0.01" and fees.yuan_text(123456789) == "1234567.89"


def test_seeding_the_demo_twice_adds_no_provider(session):
    from ggzy.kit.actor import SYSTEM
    from ggzy.pki.fee_seed import seed_demo_ca_fees

    assert seed_demo_ca_fees(session, actor=SYSTEM, now=dt.datetime(2026, 11, 2, tzinfo=dt.UTC)) == 0
