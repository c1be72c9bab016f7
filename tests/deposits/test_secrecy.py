"""The tenderee and its agency learn neither who nor how many paid a deposit, by any route or page
(招标投标法 第二十二条); sub-account numbers say nothing of the bidder."""

from __future__ import annotations

import pytest

from ggzy.deposits import policies
from support import entity_account, entity_of, new_entity

from .conftest import DEPOSIT


@pytest.fixture
def agency_account(session, clock):
    gy = entity_of(session, "tenderee.gy").center_id
    e = new_entity(session, clock.now(), "贵州示例招标代理有限公司", gy, roles=",agency,")
    entity_account(session, clock.now(), e, "agency.gy", role="agency", display_name="代理经办")
    session.commit()
    return "agency.gy"


def _paid(client, headers, tender, bank, insurer, session):
    for who in ("bidder.zy", "bidder.gy"):
        r = client.get(f"/api/v1/sections/{tender.section.code}/deposit", headers=headers(who))
        bank.notify(r.json()["account"]["number"], DEPOSIT - (1 if who == "bidder.gy" else 0))
    gy = entity_of(session, "bidder.gy")
    insurer.issue(
        "BH-9",
        applicant=gy.name,
        section=tender.section.code,
        amount_fen=DEPOSIT,
        until=tender.section.bid_deadline.replace(year=2027),
    )
    r = client.post(
        f"/api/v1/sections/{tender.section.code}/guarantees",
        headers=headers("bidder.gy"),
        json={"issuer_code": insurer.code, "guarantee_no": "BH-9", "amount_fen": DEPOSIT},
    )
    assert r.status_code == 201


def test_the_tenderee_and_agency_learn_neither_who_nor_how_many_paid(
    client, session, headers, tender, bank, insurer, agency_account
):
    _paid(client, headers, tender, bank, insurer, session)
    code = tender.section.code
    secrets_ = [entity_of(session, u) for u in ("bidder.zy", "bidder.gy")]
    needles = [e.name for e in secrets_] + [e.uscc for e in secrets_ if e.uscc] + ["汇川示范路桥", "BH-9"]
    for who in ("tenderee.gy", agency_account):
        h = headers(who)
        for method, path, body in (
            ("GET", f"/api/v1/sections/{code}/deposit", None),
            (
                "POST",
                f"/api/v1/sections/{code}/guarantees",
                {"issuer_code": "SIMINS", "guarantee_no": "BH-9", "amount_fen": DEPOSIT},
            ),
            ("GET", "/api/v1/deposits/refunds", None),
            ("GET", "/api/v1/deposits/reconciliation", None),
            ("POST", "/api/v1/deposits/reconciliation/1/resolve", {"note": "x"}),
            ("GET", "/api/v1/admin/banks", None),
            ("GET", "/api/v1/admin/guarantee-issuers", None),
            ("GET", f"/sections/{code}/deposit", None),
            ("GET", "/deposits/reconciliation", None),
            ("GET", "/api/v1/audit/events?limit=500", None),
            ("GET", "/api/v1/audit/events?limit=500&tag_prefix=deposits", None),
        ):
            r = client.request(method, path, headers=h, json=body)
            assert r.status_code in (401, 403), (who, path, r.status_code, r.text[:200])
            assert not any(n in r.text for n in needles), (who, path)


def test_the_audit_api_never_serves_deposit_events_that_name_a_bidder(client, session, headers, tender, bank, insurer):
    _paid(client, headers, tender, bank, insurer, session)
    numbers = [
        client.get(f"/api/v1/sections/{tender.section.code}/deposit", headers=headers(who)).json()["account"]["number"]
        for who in ("bidder.zy", "bidder.gy")
    ]
    for who in ("gy.staff", "admin", "reg.housing"):
        events = client.get("/api/v1/audit/events?limit=500", headers=headers(who)).json()["items"]
        tags = {e["tag"] for e in events}
        assert "deposits:bank:registered" in tags or who != "admin"
        assert not any(
            t.startswith(("deposits:payment", "deposits:sub_account", "deposits:guarantee:accepted")) for t in tags
        ), who
        # Entity names are public in the registry; what must not appear is their link to a deposit.
        assert not any(n in str(events) for n in [*numbers, "BH-9"]), who


def test_the_sub_account_number_does_not_reveal_the_bidder(client, session, headers, tender, bank):
    numbers = {}
    for who in ("bidder.zy", "bidder.gy"):
        r = client.get(f"/api/v1/sections/{tender.section.code}/deposit", headers=headers(who))
        numbers[who] = r.json()["account"]["number"]
    for who, number in numbers.items():
        e = entity_of(session, who)
        body = number[len(bank.prefix) : -1]
        assert len(body) == policies.RANDOM_DIGITS and policies.valid_account_number(number)
        assert (e.uscc or "@") not in number and body != f"{e.id:0{policies.RANDOM_DIGITS}d}"
        assert str(e.id).zfill(6) not in body
    assert numbers["bidder.zy"] != numbers["bidder.gy"]


def test_a_bidder_cannot_read_another_bidders_deposit(client, session, headers, tender, bank):
    zy = client.get(f"/api/v1/sections/{tender.section.code}/deposit", headers=headers("bidder.zy")).json()
    bank.notify(zy["account"]["number"], DEPOSIT)
    gy = client.get(f"/api/v1/sections/{tender.section.code}/deposit", headers=headers("bidder.gy")).json()
    assert gy["status"] == "pending" and gy["payments"] == [] and gy["account"]["number"] != zy["account"]["number"]


def test_anonymous_callers_get_401_on_every_deposit_route(client, tender):
    for method, path in (
        ("GET", f"/api/v1/sections/{tender.section.code}/deposit"),
        ("POST", f"/api/v1/sections/{tender.section.code}/guarantees"),
        ("GET", "/api/v1/deposits/refunds"),
        ("GET", "/api/v1/deposits/reconciliation"),
        ("GET", "/api/v1/admin/banks"),
        ("POST", "/api/v1/admin/banks"),
    ):
        assert client.request(method, path, json={}).status_code in (401, 422), path
