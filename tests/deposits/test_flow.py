"""Deposits end to end over HTTP: instructions, the simulated bank's signed notifications, reconciliation,
e-guarantees, refunds by the chronograph."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from ggzy.deposits import service as deposits
from ggzy.deposits.models import Payment, Refund, TransferInstruction
from ggzy.kit.actor import Actor
from ggzy.kit.clock import SHANGHAI
from ggzy.kit.errors import ValidationFailed
from ggzy.projects import service as projects
from ggzy.projects.rulesets import DepositForm
from support import DEADLINE, entity_of, token

from .bank import make_cert
from .conftest import DEPOSIT, publish_tender


def _account(client, headers, tender, who="bidder.zy") -> str:
    r = client.get(f"/api/v1/sections/{tender.section.code}/deposit", headers=headers(who))
    assert r.status_code == 200, r.text
    return r.json()["account"]["number"]


def _count(session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_bidder_gets_instructions_pays_through_the_bank_and_the_deposit_is_received(
    client, session, headers, tender, bank
):
    first = client.get(f"/api/v1/sections/{tender.section.code}/deposit", headers=headers("bidder.zy")).json()
    assert first["status"] == "pending" and first["amount_fen"] == DEPOSIT
    assert set(first["forms"]) == {"cash", "bank_guarantee", "insurance_guarantee"}
    assert first["account"]["bank"] == bank.code and first["account"]["number"].startswith(bank.prefix)
    again = client.get(f"/api/v1/sections/{tender.section.code}/deposit", headers=headers("bidder.zy")).json()
    assert again["account"] == first["account"]  # idempotent: one sub-account per bidder × section
    r = bank.notify(first["account"]["number"], DEPOSIT)
    assert r.status_code == 201 and r.json()["status"] == "received", r.text
    after = client.get(f"/api/v1/sections/{tender.section.code}/deposit", headers=headers("bidder.zy")).json()
    assert after["status"] == "received" and after["payments"][0]["payer_account"] == "52001234567890000001"
    zy = entity_of(session, "bidder.zy")
    assert deposits.deposit_status(session, tender.section.id, zy.id) == "received"
    assert deposits.deposit_status(session, tender.section.id, entity_of(session, "bidder.gy").id) == "none"


def test_a_replayed_notification_is_answered_as_before_and_pays_nothing_twice(client, session, headers, tender, bank):
    number = _account(client, headers, tender)
    body = bank.body(number, DEPOSIT, notification_id="N-0001")
    assert bank.post(body).status_code == 201
    replay = bank.post(body)
    assert replay.status_code == 200 and replay.json() == {
        "notification_id": "N-0001",
        "status": "received",
        "amount_fen": DEPOSIT,
        "replayed": True,
    }
    assert _count(session, Payment) == 1
    other = bank.post(bank.body(number, DEPOSIT * 2, notification_id="N-0001"))
    assert other.status_code == 409 and other.json()["code"] == "deposits.notification_reused"
    assert _count(session, Payment) == 1


def test_unsigned_forged_tampered_unknown_or_stale_notifications_are_refused(
    client, session, clock, headers, tender, bank
):
    number = _account(client, headers, tender)
    body = bank.body(number, DEPOSIT)
    unsigned = bank.post(body, signature=None)
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "deposits.unsigned"
    assert bank.post(body, bank_id=False).status_code == 401
    forger_key, _ = make_cert("伪造者", clock.now())
    forged = bank.post(body, signature=bank.sign(body, forger_key))
    assert forged.status_code == 403 and forged.json()["code"] == "deposits.bad_signature"
    tampered = bank.post(body.replace(str(DEPOSIT).encode(), b"1"), signature=bank.sign(body))
    assert tampered.status_code == 403
    unknown = bank.post(body, bank_id="NOBANK")
    assert unknown.status_code == 401 and unknown.json()["code"] == "deposits.unknown_bank"
    stale = bank.notify(number, DEPOSIT, sent_at=(clock.now() - dt.timedelta(minutes=11)).isoformat())
    assert stale.status_code == 422 and stale.json()["code"] == "deposits.stale_notification"
    early = bank.notify(number, DEPOSIT, sent_at=(clock.now() + dt.timedelta(minutes=11)).isoformat())
    assert early.status_code == 422
    assert bank.notify(number, "200000").status_code == 422  # amounts are integer fen, never strings or floats
    assert _count(session, Payment) == 0


def test_a_wrong_amount_is_a_mismatch_the_bidder_is_told_and_staff_see_it_without_the_bidder(
    client, session, headers, tender, bank
):
    number = _account(client, headers, tender)
    r = bank.notify(number, DEPOSIT - 1, payer_name="某某贸易有限公司")
    assert r.json()["status"] == "mismatch"
    mine = client.get(f"/api/v1/sections/{tender.section.code}/deposit", headers=headers("bidder.zy")).json()
    assert mine["status"] == "mismatch"
    items = client.get("/api/v1/deposits/reconciliation", headers=headers("gy.staff")).json()["items"]
    (item,) = [i for i in items if i["account_number"] == number]
    assert item["status"] == "mismatch" and item["payer_name_differs"] and item["section"] == tender.section.code
    assert "entity" not in item and "汇川示范路桥" not in str(items)
    # A center that does not run the section sees nothing of it.
    assert number not in client.get("/api/v1/deposits/reconciliation", headers=headers("zy.staff")).text
    from ggzy.projects.models import Notification

    told = session.execute(
        select(Notification).where(Notification.entity_id == entity_of(session, "bidder.zy").id)
    ).scalars()
    assert any("金额不符" in n.title for n in told)


def test_an_unknown_account_is_unmatched_and_listed_for_reconciliation_until_resolved(client, headers, tender, bank):
    r = bank.notify("6217009999999999999990", 12345, payer_name="不明付款人")
    assert r.status_code == 201 and r.json()["status"] == "unmatched"
    items = client.get("/api/v1/deposits/reconciliation", headers=headers("gy.staff")).json()["items"]
    (item,) = [i for i in items if i["status"] == "unmatched"]
    assert item["section"] is None and item["payer_name"] == "不明付款人"
    page = client.get("/deposits/reconciliation", headers=headers("gy.staff"))
    assert page.status_code == 200 and "不明付款人" in page.text and "未匹配" in page.text
    done = client.post(
        f"/api/v1/deposits/reconciliation/{item['id']}/resolve",
        headers=headers("gy.staff"),
        json={"note": "已原路退回付款账户"},
    )
    assert done.status_code == 200
    assert client.get("/api/v1/deposits/reconciliation", headers=headers("gy.staff")).json()["items"] == []


def test_a_received_deposit_is_not_listed_for_reconciliation(client, headers, tender, bank):
    bank.notify(_account(client, headers, tender), DEPOSIT)
    assert client.get("/api/v1/deposits/reconciliation", headers=headers("gy.staff")).json()["items"] == []


def test_a_payment_after_the_deadline_is_late_and_does_not_count(client, clock, session, headers, tender, bank):
    number = _account(client, headers, tender)
    clock.set(DEADLINE + dt.timedelta(minutes=1))
    assert bank.notify(number, DEPOSIT).json()["status"] == "late"
    assert deposits.deposit_status(session, tender.section.id, entity_of(session, "bidder.zy").id) == "late"


def test_a_valid_e_guarantee_is_received_and_an_invalid_one_is_refused_with_its_reason(
    client, session, headers, tender, insurer
):
    zy = entity_of(session, "bidder.zy")
    until = DEADLINE + dt.timedelta(days=120)
    insurer.issue("BH-1", applicant=zy.name, section=tender.section.code, amount_fen=DEPOSIT, until=until)
    insurer.issue("BH-2", applicant=zy.name, section=tender.section.code, amount_fen=DEPOSIT - 1, until=until)
    insurer.issue("BH-3", applicant="别的公司", section=tender.section.code, amount_fen=DEPOSIT, until=until)
    insurer.issue(
        "BH-4", applicant=zy.name, section=tender.section.code, amount_fen=DEPOSIT, until=until, state="revoked"
    )
    url = f"/api/v1/sections/{tender.section.code}/guarantees"
    for no, amount, code in (
        ("BH-0", DEPOSIT, "deposits.guarantee_unknown"),
        ("BH-1", DEPOSIT + 1, "deposits.guarantee_amount_differs"),
        ("BH-2", DEPOSIT - 1, "deposits.guarantee_amount_low"),
        ("BH-3", DEPOSIT, "deposits.guarantee_applicant"),
        ("BH-4", DEPOSIT, "deposits.guarantee_not_valid"),
    ):
        r = client.post(
            url,
            headers=headers("bidder.zy"),
            json={"issuer_code": insurer.code, "guarantee_no": no, "amount_fen": amount},
        )
        assert r.status_code == 422 and r.json()["code"] == code and "保函未通过核验" in r.json()["message"], r.text
    assert deposits.deposit_status(session, tender.section.id, zy.id) == "none"
    ok = client.post(
        url,
        headers=headers("bidder.zy"),
        json={"issuer_code": insurer.code, "guarantee_no": "BH-1", "amount_fen": DEPOSIT},
    )
    assert ok.status_code == 201 and ok.json()["status"] == "received"
    assert deposits.deposit_status(session, tender.section.id, zy.id) == "received"
    reused = client.post(
        url,
        headers=headers("bidder.gy"),
        json={"issuer_code": insurer.code, "guarantee_no": "BH-1", "amount_fen": DEPOSIT},
    )
    assert reused.status_code == 409


def test_government_procurement_refuses_cash(client, session, clock, platform, headers, bank):
    gp = publish_tender(
        session,
        clock,
        platform,
        rule_set_key="procurement.open_tender/2017",
        forms={DepositForm.BANK_GUARANTEE, DepositForm.INSURANCE_GUARANTEE},
        kind="procurement",
    )
    info = client.get(f"/api/v1/sections/{gp.section.code}/deposit", headers=headers("bidder.gy")).json()
    assert info["account"] is None and "cash" not in info["forms"] and info["rule"]["id"] == "G-6"
    from ggzy.projects.models import TenderProject

    tp = session.get(TenderProject, gp.section.tender_project_id)
    with pytest.raises(ValidationFailed) as e:
        deposits.open_sub_account(
            session,
            actor=Actor(None, "x", "bidder"),
            now=clock.now(),
            entity_id=entity_of(session, "bidder.gy").id,
            section=gp.section,
            tp=tp,
        )
    assert e.value.code == "deposits.cash_not_allowed" and "G-6" in e.value.message


def test_a_deposit_above_the_cap_is_refused_in_the_announcement(session, clock, platform):
    with pytest.raises(ValidationFailed) as e:
        from . import conftest

        old = conftest.DEPOSIT
        conftest.DEPOSIT = 50_000_000_00 * 2 // 100 + 1
        try:
            publish_tender(session, clock, platform, rule_set_key="construction.open/2019", forms={DepositForm.CASH})
        finally:
            conftest.DEPOSIT = old
    assert e.value.code == "deposits.above_cap" and "T-8" in e.value.message


def test_termination_schedules_refunds_with_interest_and_the_chronograph_instructs_each_once(
    client, session, clock, platform, headers, tender, bank
):
    number = _account(client, headers, tender)
    wrong = _account(client, headers, tender, "bidder.gy")
    bank.notify(number, DEPOSIT)
    bank.notify(wrong, DEPOSIT + 100, payer_name="贵州黔筑示范建设工程有限公司")
    clock.advance(days=3)
    t = tender.tenderee
    projects.terminate_section(
        session,
        actor=Actor(None, "招标人", "tenderee"),
        now=clock.now(),
        entity_id=t.id,
        section_code=tender.section.code,
        reason="项目取消",
    )
    session.commit()
    refunds = list(session.execute(select(Refund).order_by(Refund.amount_fen)).scalars())
    assert [r.rule_id for r in refunds] == ["T-11", "T-11"] and all(r.status == "scheduled" for r in refunds)
    # 200,000.00 元 × 0.35 % a year × 3 days / 360, rounded down to the fen.
    assert refunds[0].interest_fen == DEPOSIT * 35 * 3 // (10_000 * 360) > 0
    assert refunds[0].due_by > clock.now()
    first = platform.chronograph.tick()
    assert first.ran.get("deposits.refunds") == 2
    second = platform.chronograph.tick()
    assert "deposits.refunds" not in second.ran
    session.expire_all()
    outbox = list(session.execute(select(TransferInstruction)).scalars())
    assert len(outbox) == 2 and {o.key for o in outbox} == {f"deposit-refund:{r.id}" for r in refunds}
    assert {o.payee_account for o in outbox} == {"52001234567890000001"}
    # Instructed, not yet settled by the bank (tests/deposits/test_settlement.py): still being refunded.
    assert deposits.deposit_status(session, tender.section.id, entity_of(session, "bidder.zy").id) == "refunding"
    r = client.get("/api/v1/deposits/refunds", headers=token(client, "bidder.zy"))  # the clock moved: a new token
    assert r.status_code == 200, r.text
    mine = r.json()["items"]
    assert len(mine) == 1 and mine[0]["status"] == "instructed" and mine[0]["rule"] == "T-11"
    # Scheduling again (a retried call) adds nothing.
    assert deposits.schedule_refunds(session, tender.section, "termination", clock.now()) == []


def test_award_refunds_the_losers_and_keeps_the_winners_until_the_contract(
    client, session, clock, headers, tender, bank
):
    bank.notify(_account(client, headers, tender), DEPOSIT)
    bank.notify(_account(client, headers, tender, "bidder.gy"), DEPOSIT, payer_name="贵州黔筑示范建设工程有限公司")
    winner = entity_of(session, "bidder.gy")
    losers = deposits.schedule_refunds(session, tender.section, "award", clock.now(), winner_entity_id=winner.id)
    assert [r.entity_id for r in losers] == [entity_of(session, "bidder.zy").id]
    # 5 days from Monday 2 Nov end on Saturday 7 Nov; a period ending on a rest day ends on the next working day.
    assert losers[0].rule_id == "T-19" and losers[0].due_by.astimezone(SHANGHAI).date() == dt.date(2026, 11, 9)
    won = deposits.schedule_refunds(session, tender.section, "contract", clock.now(), winner_entity_id=winner.id)
    assert [r.entity_id for r in won] == [winner.id]


def test_the_bidder_deposit_page_shows_the_sub_account_and_takes_a_guarantee(client, session, headers, tender, bank):
    html = client.get(f"/sections/{tender.section.code}/deposit", headers=headers("bidder.zy"))
    assert html.status_code == 200 and "虚拟子账号" in html.text and "待到账" in html.text
    number = _account(client, headers, tender)
    assert number in html.text
