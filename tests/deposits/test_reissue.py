"""After the bank reports a transfer failed, the staff of the order's center re-issue it: a new order (new key,
``<key>:r1``) with the corrected account goes to the bank, which fetches and settles it as usual; the failed order is
``reissued`` and never sent again. Once per failed order; only by that center's staff; with a reason."""

# The refund fixtures (teller, refunds, staff) come from test_settlement: test parameters share their names.
# ruff: noqa: F811

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from evaluation.session_helpers import (
    committee,
    declare_all,
    expert_actor,
    link_account,
    review_all,
    score_all,
    sign_all,
)
from ggzy.audit.models import AuditEvent
from ggzy.demo import DEMO_PASSWORD
from ggzy.deposits import service as deposits
from ggzy.deposits.bank_simulator import SETTLE_PATH, SimulatedBank
from ggzy.deposits.models import Refund, TransferInstruction
from ggzy.evaluation import service as pool
from ggzy.evaluation import session as ev
from ggzy.evaluation.session_models import ExpertFeePayment
from ggzy.kit.actor import SYSTEM
from ggzy.projects.models import Notification
from support import entity_of

from .conftest import DEPOSIT
from .test_settlement import INTEREST, Teller, _events, _order, refunds, staff, teller  # noqa: F401 (fixtures)

NEW_ACCOUNT = "6222 0000 1111 2222 333"
REASON = "投标人提供了新的基本账户开户许可"


def _url(key: str) -> str:
    return f"/api/v1/deposits/transfers/{key}/reissue"


@pytest.fixture
def failed(teller, refunds, platform) -> str:
    """The bank fetched both refund orders and reported bidder.gy's failed. Returns that order's key."""
    orders = {o["key"]: o for o in teller.orders(platform)}
    key = refunds["bidder.gy"]
    r = teller.settle(orders[key], failure="收款账户已销户", settlement_id="STL-F")
    assert r.status_code == 201 and r.json()["status"] == "failed", r.text
    return key


def _reissue_events(session) -> list[str]:
    session.expire_all()
    tags = session.execute(
        select(AuditEvent.tag).where(AuditEvent.tag.like("%:reissued")).order_by(AuditEvent.seq)
    ).scalars()
    return list(tags)


def test_a_failed_refund_is_reissued_to_the_corrected_account_and_the_bank_settles_the_new_order(
    client, session, clock, platform, staff, tender, teller, refunds, failed
):
    clock.advance(hours=1)
    r = client.post(_url(failed), headers=staff("gy.staff"), json={"payee_account": NEW_ACCOUNT, "reason": REASON})
    assert r.status_code == 201, r.text
    new_key = f"{failed}:r1"
    assert r.json() == {
        "key": new_key,
        "replaces": failed,
        "kind": "deposit_refund",
        "status": "instructed",
        "state": "instructed",
        "payee_name": "贵州黔筑示范建设工程有限公司",
        "payee_account": "6222000011112222333",
        "total_fen": DEPOSIT + INTEREST,
    }
    old, new = _order(session, failed), _order(session, new_key)
    assert old.status == "reissued" and old.failure == "收款账户已销户"
    assert (new.refund_id, new.from_account, new.amount_fen, new.interest_fen) == (
        old.refund_id,
        old.from_account,
        DEPOSIT,
        INTEREST,
    )
    refund = session.get_one(Refund, old.refund_id)
    assert refund.status == "instructed" and refund.instructed_at == clock.now()
    # One event per change, by the staff member, with the reason; the bidder is told.
    [moved] = _events(session, "deposits:transfer:reissued")
    payload = json.loads(moved.payload)
    assert (moved.subject_id, moved.role, payload["new_key"], payload["reason"]) == (
        failed,
        "center_staff",
        new_key,
        REASON,
    )
    assert (payload["payee_account_before"], payload["payee_account"]) == (
        "52009876543210000002",
        "6222000011112222333",
    )
    [again] = _events(session, "deposits:refund:reissued")
    assert again.subject_id == str(refund.id) and json.loads(again.payload)["replaces"] == failed
    # Confidential, like the other transfer events: they name the bidder.
    for who in ("gy.staff", "admin"):
        items = client.get("/api/v1/audit/events?limit=500", headers=staff(who)).json()["items"]
        assert not any(e["tag"].endswith(":reissued") for e in items), who
    gy = entity_of(session, "bidder.gy")
    told = session.execute(select(Notification).where(Notification.entity_id == gy.id)).scalars().all()
    assert any(n.title == "【保证金】已重新办理退还" and "6222000011112222333" in n.body for n in told)
    # Off the failures list; the bidder sees the refund under way again.
    listed = client.get("/api/v1/deposits/reconciliation", headers=staff("gy.staff")).json()["failed_transfers"]
    assert listed == []
    [mine] = client.get("/api/v1/deposits/refunds", headers=staff("bidder.gy")).json()["items"]
    assert (mine["status"], mine["transfer"], mine["failure"]) == ("instructed", "instructed", None)
    assert deposits.deposit_status(session, tender.section.id, gy.id) == "refunding"
    # The bank fetches the new order (never the old one again) and settles it.
    clock.advance(minutes=5)
    orders = {o["key"]: o for o in teller.orders(platform)}
    assert set(orders) == {refunds["bidder.zy"], new_key}
    assert (orders[new_key]["payee_account"], orders[new_key]["total_fen"]) == (
        "6222000011112222333",
        DEPOSIT + INTEREST,
    )
    r = teller.settle(orders[new_key], bank_reference="SIM-R1")
    assert r.status_code == 201 and r.json()["status"] == "settled", r.text
    session.expire_all()
    assert session.get_one(Refund, old.refund_id).status == "settled"
    [mine] = client.get("/api/v1/deposits/refunds", headers=staff("bidder.gy")).json()["items"]
    assert (mine["status"], mine["bank_reference"]) == ("settled", "SIM-R1")
    assert deposits.deposit_status(session, tender.section.id, gy.id) == "refunded"
    page = client.get(f"/sections/{tender.section.code}/deposit", headers=staff("bidder.gy")).text
    assert "已退还" in page and "SIM-R1" in page


def test_the_failed_orders_settlement_still_gets_its_answer_and_the_old_order_is_never_settled(
    client, session, clock, platform, staff, teller, refunds, failed
):
    body, headers = teller.settlement(
        {"key": failed, "total_fen": DEPOSIT + INTEREST}, failure="收款账户已销户", settlement_id="STL-F"
    )
    assert client.post(_url(failed), headers=staff("gy.staff"), json={"reason": REASON}).status_code == 201
    # The first body, sent again after the re-issue: the same answer as before.
    replay = client.post(SETTLE_PATH, content=body, headers=headers)
    assert replay.status_code == 200 and replay.json()["status"] == "failed" and replay.json()["replayed"] is True
    r = teller.settle({"key": failed, "total_fen": DEPOSIT + INTEREST}, bank_reference="LATE-1")
    assert r.status_code == 409 and r.json()["code"] == "deposits.settlement_reused", r.text
    assert _order(session, failed).status == "reissued"
    # No account given: the refund goes to the same account again.
    assert _order(session, f"{failed}:r1").payee_account == "52009876543210000002"


def test_an_order_not_failed_cannot_be_reissued(client, session, clock, platform, staff, teller, refunds):
    h = staff("gy.staff")
    zy, gy = refunds["bidder.zy"], refunds["bidder.gy"]
    r = client.post(_url(zy), headers=h, json={"reason": REASON})  # instructed, not fetched yet
    assert (r.status_code, r.json()["code"]) == (409, "deposits.order_not_failed"), r.text
    assert "只有银行答复支付失败的指令才能重新发出" in r.json()["message"]
    orders = {o["key"]: o for o in teller.orders(platform)}
    assert client.post(_url(gy), headers=h, json={"reason": REASON}).json()["code"] == "deposits.order_not_failed"
    assert teller.settle(orders[zy]).status_code == 201
    r = client.post(_url(zy), headers=h, json={"reason": REASON})
    assert (r.status_code, r.json()["code"]) == (409, "deposits.order_not_failed")
    r = client.post(_url("deposit-refund:999999"), headers=h, json={"reason": REASON})
    assert (r.status_code, r.json()["code"]) == (404, "deposits.unknown_order")
    assert {_order(session, k).status for k in (zy, gy)} == {"settled", "fetched"}
    assert _reissue_events(session) == []


def test_a_failed_order_is_reissued_once_and_a_failed_reissue_in_its_turn(
    client, session, clock, platform, staff, teller, refunds, failed
):
    h = staff("gy.staff")
    assert client.post(_url(failed), headers=h, json={"reason": REASON}).status_code == 201
    r = client.post(_url(failed), headers=h, json={"payee_account": NEW_ACCOUNT, "reason": "再来一次"})
    assert (r.status_code, r.json()["code"]) == (409, "deposits.already_reissued"), r.text
    assert f"{failed}:r1" in r.json()["message"]
    # The new order is not failed: it cannot be re-issued either, until the bank reports it failed.
    r = client.post(_url(f"{failed}:r1"), headers=h, json={"reason": REASON})
    assert r.json()["code"] == "deposits.order_not_failed"
    assert len(session.execute(select(TransferInstruction)).scalars().all()) == 3
    assert _reissue_events(session) == ["deposits:transfer:reissued", "deposits:refund:reissued"]
    orders = {o["key"]: o for o in teller.orders(platform)}
    assert teller.settle(orders[f"{failed}:r1"], failure="户名不符").status_code == 201
    r = client.post(_url(f"{failed}:r1"), headers=h, json={"payee_account": NEW_ACCOUNT, "reason": "户名已核实"})
    assert r.status_code == 201 and r.json()["key"] == f"{failed}:r2", r.text
    live = [o for o in session.execute(select(TransferInstruction)).scalars() if o.status != "reissued"]
    assert sorted(o.key for o in live) == sorted([refunds["bidder.zy"], f"{failed}:r2"])


def test_only_the_staff_of_the_orders_center_may_reissue_it(client, session, staff, failed):
    body = {"payee_account": NEW_ACCOUNT, "reason": REASON}
    for who, status, code in (
        ("zy.staff", 403, "deposits.not_your_center"),
        ("tenderee.gy", 403, "auth.forbidden"),
        ("bidder.gy", 403, "auth.forbidden"),
        (None, 401, "auth.required"),
    ):
        r = client.post(_url(failed), headers=staff(who), json=body)
        assert (r.status_code, r.json()["code"]) == (status, code), (who, r.text)
    assert _order(session, failed).status == "failed"
    assert _reissue_events(session) == []


def test_a_bad_account_or_a_missing_reason_is_refused_with_what_to_fix(client, session, staff, failed):
    h = staff("gy.staff")
    for account in (
        "6222-0000-1111-2222",
        "62220000111",
        "6" * 31,
        "6222O00011112222",
        "６２２２０００１１１１２２２２",
    ):
        r = client.post(_url(failed), headers=h, json={"payee_account": account, "reason": REASON})
        assert (r.status_code, r.json()["code"]) == (422, "deposits.bad_payee_account"), (account, r.text)
        assert "12–30 位数字" in r.json()["message"] and "留空" in r.json()["message"]
    for reason in ("", "   ", "理" * 501):
        r = client.post(_url(failed), headers=h, json={"payee_account": NEW_ACCOUNT, "reason": reason})
        assert (r.status_code, r.json()["code"]) == (422, "deposits.reissue_reason_required"), r.text
        assert "请写明重新发出的原因" in r.json()["message"]
    assert client.post(_url(failed), headers=h, json={"payee_account": NEW_ACCOUNT}).status_code == 422
    assert _order(session, failed).status == "failed"
    assert _reissue_events(session) == []


def test_the_staff_reissue_from_the_reconciliation_page(client, session, failed):
    client.get("/login")
    csrf = client.cookies.get("ggzy_csrf")
    r = client.post("/login", data={"username": "gy.staff", "password": DEMO_PASSWORD, "csrf_token": csrf})
    assert r.status_code in (200, 303), r.text
    page = client.get("/deposits/reconciliation").text
    action = f"/deposits/reconciliation/transfers/{failed.replace(':', '%3A')}/reissue"
    assert f'action="{action}"' in page and 'name="payee_account"' in page and 'name="reason"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"payee_account": "6222-0000", "reason": REASON}
    assert client.post(action, data=form, follow_redirects=False).status_code == 403  # no CSRF token
    r = client.post(action, data={**form, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 422 and "12–30 位数字" in r.text and REASON in r.text and "6222-0000" in r.text
    assert _order(session, failed).status == "failed"
    r = client.post(action, data={**form, "payee_account": NEW_ACCOUNT, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/deposits/reconciliation", r.text
    assert _order(session, failed).status == "reissued"
    assert _order(session, f"{failed}:r1").payee_account == "6222000011112222333"
    assert failed not in client.get("/deposits/reconciliation").text


# --- expert fees ------------------------------------------------------------------------------------------


@pytest.fixture
def fee_failed(client, session, platform, clock, tmp_path):
    """A settlement bank; a committee whose second expert gave a payee account (the others not) and signed the
    report; the bank fetched that expert's fee order and reported it failed. expert.one is that expert's login."""
    bank = SimulatedBank(tmp_path / "FEEBANK", now=clock.now(), code="FEEBANK")
    deposits.register_bank(
        session,
        actor=SYSTEM,
        now=clock.now(),
        code="FEEBANK",
        name="FEEBANK 模拟银行",
        account_prefix="621799",
        cert_pem=bank.cert_pem,
    )
    c = committee(client, session, platform, clock, tmp_path)
    e1 = c.experts[1]
    account = {"bank_name": "示范银行（模拟）", "bank_account": "62170000000000000011"}
    pool.update_profile(session, actor=expert_actor(e1), now=clock.now(), expert=e1, changes=account)
    link_account(session, e1, "expert.one")
    for step in (declare_all, review_all, score_all, sign_all):
        step(session, clock, c)
    session.commit()
    teller = _FeeTeller(client, clock, bank, platform)
    [order] = teller.orders()
    r = teller.settle(order, failure="户名与账号不符")
    assert r.status_code == 201 and r.json()["status"] == "failed", r.text
    return c, teller, order["key"]


class _FeeTeller:
    def __init__(self, client, clock, bank: SimulatedBank, platform):
        self.client, self.clock, self.bank, self.platform = client, clock, bank, platform

    def orders(self) -> list[dict]:
        from cryptography.hazmat.primitives.serialization import Encoding

        r = self.client.get("/api/v1/bank/transfer-orders", headers=self.bank.fetch_headers(self.clock.now()))
        assert r.status_code == 200, r.text
        cert = self.platform.key.certificate.public_bytes(Encoding.PEM)
        return self.bank.read_orders(r.content, r.headers["x-signature"], cert, self.clock.now())

    def settle(self, order: dict, **over):
        body, h = self.bank.settlement(key=order["key"], amount_fen=order["total_fen"], now=self.clock.now(), **over)
        return self.client.post(SETTLE_PATH, content=body, headers=h)


def _fee_orders(session, expert_id: int) -> dict[str, ExpertFeePayment]:
    session.expire_all()
    rows = session.execute(select(ExpertFeePayment).where(ExpertFeePayment.expert_id == expert_id)).scalars()
    return {p.key: p for p in rows}


def test_a_failed_expert_fee_is_reissued_to_the_experts_current_account_and_paid(
    client, session, clock, staff, fee_failed
):
    c, teller, key = fee_failed
    e1 = c.experts[1]
    eh = staff("expert.one")
    listed = client.get("/api/v1/deposits/reconciliation", headers=staff("gy.staff")).json()["failed_transfers"]
    assert [(f["key"], f["kind"]) for f in listed] == [(key, "expert_fee")]
    # The expert corrects their own account; the staff re-issue without giving one: the profile's account is taken.
    r = client.patch("/api/v1/experts/me", headers=eh, json={"bank_account": "6217 0000 0000 0000 099"})
    assert r.status_code == 200, r.text
    assert _fee_orders(session, e1.id)[key].payee_account == "62170000000000000011"  # the failed order keeps it
    assert client.post(_url(key), headers=staff("zy.staff"), json={"reason": REASON}).status_code == 403
    r = client.post(_url(key), headers=staff("gy.staff"), json={"reason": "专家已更正收款账号"})
    assert r.status_code == 201, r.text
    assert (r.json()["key"], r.json()["kind"], r.json()["state"]) == (f"{key}:r1", "expert_fee", "instructed")
    assert r.json()["payee_account"] == "6217000000000000099"
    orders = _fee_orders(session, e1.id)
    assert (orders[key].status, orders[f"{key}:r1"].fee_id) == ("reissued", orders[key].fee_id)
    [event] = _events(session, "deposits:transfer:reissued")
    assert json.loads(event.payload)["expert"] == e1.id and json.loads(event.payload)["kind"] == "expert_fee"
    assert _events(session, "deposits:refund:reissued") == []
    # The bank fetches and pays the new order; the expert sees it paid.
    clock.advance(minutes=5)
    [order] = teller.orders()
    assert (order["key"], order["payee_account"]) == (f"{key}:r1", "6217000000000000099")
    assert teller.settle(order, bank_reference="FEE-R1").status_code == 201
    assert ev.room(session, section_code=c.code, expert=e1)["fee"]["state_label"] == "已支付"
    mine = client.get("/api/v1/experts/me/fees", headers=eh).json()["items"]
    assert sorted((m["key"], m["state"], m["bank_reference"]) for m in mine) == [
        (key, "reissued", None),
        (f"{key}:r1", "settled", "FEE-R1"),
    ]
    assert "FEE-R1" in client.get(f"/evaluation/{c.code}", headers=eh).text


def test_a_reissued_fee_for_an_expert_without_an_account_is_held_until_they_give_one(
    client, session, clock, staff, fee_failed
):
    c, teller, key = fee_failed
    eh = staff("expert.one")
    assert client.patch("/api/v1/experts/me", headers=eh, json={"bank_name": "", "bank_account": ""}).status_code == 200
    r = client.post(_url(key), headers=staff("gy.staff"), json={"reason": "专家账户已销户，待其提供新账户"})
    assert r.status_code == 201 and r.json()["state"] == "held" and r.json()["payee_account"] is None, r.text
    assert teller.orders() == []  # held: not released to the bank
    r = client.patch("/api/v1/experts/me", headers=eh, json={"bank_name": "工行", "bank_account": "621700000000000077"})
    assert r.status_code == 200, r.text
    [order] = teller.orders()
    assert (order["key"], order["payee_account"]) == (f"{key}:r1", "621700000000000077")
