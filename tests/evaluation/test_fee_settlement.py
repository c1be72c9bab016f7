"""Expert fees are paid through the platform (issue 6): the fee order goes to the settlement bank, which fetches it
and confirms its settlement; an expert without a payee account has their order held until they fill one in."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from ggzy.audit.models import AuditEvent
from ggzy.deposits import service as deposits
from ggzy.deposits.bank_simulator import SETTLE_PATH, SimulatedBank
from ggzy.deposits.policies import FETCH_PATH
from ggzy.evaluation import fees
from ggzy.evaluation import service as pool
from ggzy.evaluation import session as ev
from ggzy.evaluation.session_models import ExpertFeePayment
from ggzy.kit.actor import SYSTEM
from ggzy.kit.errors import ValidationFailed
from opening.conftest import headers

from .session_helpers import committee, declare_all, expert_actor, link_account, review_all, score_all, sign_all

ACCOUNT = "6217 0000 1234 5678 901"


def _bank(session, clock, tmp_path, code: str = "FEEBANK") -> SimulatedBank:
    bank = SimulatedBank(tmp_path / code, now=clock.now(), code=code)
    deposits.register_bank(
        session,
        actor=SYSTEM,
        now=clock.now(),
        code=code,
        name=f"{code} 模拟银行",
        account_prefix="621799",
        cert_pem=bank.cert_pem,
    )
    return bank


def _report(session, clock, c) -> None:
    declare_all(session, clock, c)
    review_all(session, clock, c)
    score_all(session, clock, c)
    sign_all(session, clock, c)
    session.commit()


def _orders(client, bank: SimulatedBank, clock, platform) -> list[dict]:
    from cryptography.hazmat.primitives.serialization import Encoding

    r = client.get(FETCH_PATH, headers=bank.fetch_headers(clock.now()))
    assert r.status_code == 200, r.text
    cert = platform.key.certificate.public_bytes(Encoding.PEM)
    return bank.read_orders(r.content, r.headers["x-signature"], cert, clock.now())


def _payments(session) -> dict[int, ExpertFeePayment]:
    session.expire_all()
    return {p.expert_id: p for p in session.execute(select(ExpertFeePayment)).scalars()}


def _tags(session, prefix: str) -> list[str]:
    session.expire_all()
    rows = session.execute(select(AuditEvent.tag).where(AuditEvent.tag.like(prefix + "%"))).scalars()
    return list(rows)


@pytest.fixture
def reported(client, session, platform, clock, tmp_path):
    """A settlement bank; a committee whose second expert gave a payee account before the report, the others not;
    the report signed, so every expert has a fee order. expert.one is the first expert's login."""
    bank = _bank(session, clock, tmp_path)
    c = committee(client, session, platform, clock, tmp_path)
    link_account(session, c.experts[0], "expert.one")
    e1 = c.experts[1]
    pool.update_profile(
        session,
        actor=expert_actor(e1),
        now=clock.now(),
        expert=e1,
        changes={"bank_name": "示范银行（模拟）", "bank_account": "62170000000000000011"},
    )
    _report(session, clock, c)
    return c, bank


def test_a_fee_order_without_the_experts_account_is_held_and_released_when_the_expert_fills_it_in(
    client, session, clock, platform, reported
):
    c, bank = reported
    e0, e1 = c.experts[0], c.experts[1]
    payments = _payments(session)
    assert len(payments) == 5 and {p.bank_id for p in payments.values()} == {
        deposits.repository.bank_by_code(session, "FEEBANK").id
    }
    assert payments[e1.id].payee_account == "62170000000000000011"
    assert all(p.payee_account is None and fees.state_of(p) == "held" for k, p in payments.items() if k != e1.id)
    # Only the released order goes to the bank.
    [order] = _orders(client, bank, clock, platform)
    assert order == {
        "key": payments[e1.id].key,
        "kind": "expert_fee",
        "amount_fen": payments[e1.id].amount_fen,
        "interest_fen": 0,
        "total_fen": payments[e1.id].amount_fen,
        "from_account": None,
        "from_name": "公共资源交易中心专家劳务费结算账户",
        "payee_name": e1.name,
        "payee_account": "62170000000000000011",
        "created_at": order["created_at"],
    }
    h = headers(client, "expert.one")
    room = client.get(f"/evaluation/{c.code}", headers=h).text
    assert "待专家填写收款账户" in room
    # A bad account is refused with what to fix, and releases nothing.
    r = client.patch("/api/v1/experts/me", headers=h, json={"bank_name": "工行", "bank_account": "6217-0000"})
    assert r.status_code == 422 and r.json()["code"] == "evaluation.bad_bank_account" and "12–30 位数字" in r.text
    r = client.patch("/api/v1/experts/me", headers=h, json={"bank_account": ACCOUNT})
    assert r.status_code == 422 and r.json()["code"] == "evaluation.bad_bank_name", r.text
    assert _payments(session)[e0.id].payee_account is None
    # The expert fills it in on the profile page: the held order is released, with one event.
    r = client.post(
        "/expert/profile/bank",
        headers=h,
        data={"bank_name": "中国工商银行贵阳中华路支行", "bank_account": ACCOUNT},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    released = _payments(session)[e0.id]
    assert released.payee_account == "6217000012345678901" and fees.state_of(released) == "instructed"
    assert _tags(session, "evaluation:fee_payment:") == ["evaluation:fee_payment:released"]
    me = client.get("/api/v1/experts/me", headers=h).json()
    assert (me["bank_name"], me["bank_account"]) == ("中国工商银行贵阳中华路支行", "6217000012345678901")
    clock.advance(minutes=1)
    keys = {o["key"]: o for o in _orders(client, bank, clock, platform)}
    assert set(keys) == {released.key, payments[e1.id].key}
    assert keys[released.key]["payee_account"] == "6217000012345678901"
    # Once fetched, a later change of account no longer touches the order the bank is paying.
    r = client.patch("/api/v1/experts/me", headers=h, json={"bank_account": "621700001234567890123"})
    assert r.status_code == 200 and _payments(session)[e0.id].payee_account == "6217000012345678901"


def test_the_bank_settles_a_fee_and_the_expert_sees_it_paid_with_the_reference(
    client, session, clock, platform, reported
):
    c, bank = reported
    e1 = c.experts[1]
    link_account(session, e1, "expert.one")
    session.commit()
    [order] = _orders(client, bank, clock, platform)
    body, h = bank.settlement(key=order["key"], amount_fen=order["total_fen"], now=clock.now(), bank_reference="FEE-1")
    r = client.post(SETTLE_PATH, content=body, headers=h)
    assert r.status_code == 201 and r.json()["status"] == "settled", r.text
    assert client.post(SETTLE_PATH, content=body, headers=h).json()["replayed"] is True
    p = _payments(session)[e1.id]
    assert (p.status, p.bank_reference, p.settled_at) == ("settled", "FEE-1", clock.now())
    assert _tags(session, "deposits:transfer:") == ["deposits:transfer:fetched", "deposits:transfer:settled"]
    event = session.execute(select(AuditEvent).where(AuditEvent.tag == "deposits:transfer:settled")).scalar_one()
    assert json.loads(event.payload)["expert"] == e1.id and json.loads(event.payload)["kind"] == "expert_fee"
    eh = headers(client, "expert.one")
    assert ev.room(session, section_code=c.code, expert=e1)["fee"]["state_label"] == "已支付"
    room = client.get(f"/evaluation/{c.code}", headers=eh).text
    assert "已支付" in room and "FEE-1" in room
    [mine] = client.get("/api/v1/experts/me/fees", headers=eh).json()["items"]
    assert (mine["section"], mine["state"], mine["bank_reference"]) == (c.code, "settled", "FEE-1")
    profile = client.get("/expert/profile", headers=eh).text
    assert "已支付" in profile and "FEE-1" in profile
    # The bank cannot settle an order still held for want of an account: it never received it.
    held = _payments(session)[c.experts[2].id]
    body, h = bank.settlement(key=held.key, amount_fen=held.amount_fen, now=clock.now())
    assert client.post(SETTLE_PATH, content=body, headers=h).json()["code"] == "deposits.order_not_fetched"


def test_a_failed_fee_payment_is_listed_for_the_center_staff(client, session, clock, platform, reported):
    c, bank = reported
    [order] = _orders(client, bank, clock, platform)
    body, h = bank.settlement(key=order["key"], amount_fen=order["total_fen"], now=clock.now(), failure="账户冻结")
    assert client.post(SETTLE_PATH, content=body, headers=h).json()["status"] == "failed"
    listed = client.get("/api/v1/deposits/reconciliation", headers=headers(client, "gy.staff")).json()
    [failed] = listed["failed_transfers"]
    assert (failed["key"], failed["kind"], failed["failure"], failed["section"]) == (
        order["key"],
        "expert_fee",
        "账户冻结",
        c.code,
    )
    assert "账户冻结" in client.get("/deposits/reconciliation", headers=headers(client, "gy.staff")).text
    assert _payments(session)[c.experts[1].id].status == "failed"
    assert _tags(session, "deposits:transfer:failed") == ["deposits:transfer:failed"]


def test_fee_orders_made_before_any_bank_was_registered_go_to_the_settlement_bank_that_fetches(
    client, session, clock, platform, tmp_path
):
    c = committee(client, session, platform, clock, tmp_path)
    for e in c.experts:
        account = {"bank_name": "示范银行", "bank_account": f"6217000000000000{e.id % 10_000:04d}"}
        pool.update_profile(session, actor=expert_actor(e), now=clock.now(), expert=e, changes=account)
    _report(session, clock, c)
    assert {p.bank_id for p in _payments(session).values()} == {None}
    bank = _bank(session, clock, tmp_path, code="LATEBANK")
    session.commit()
    assert len(_orders(client, bank, clock, platform)) == 5
    assert {p.bank_id for p in _payments(session).values()} == {
        deposits.repository.bank_by_code(session, "LATEBANK").id
    }


def test_the_payee_account_check_says_what_to_fix():
    assert fees.payee_account(" 工行 ", "6217 0000 1234 5678") == ("工行", "6217000012345678")
    assert fees.payee_account("", "  ") == ("", "")
    for number in (
        "62170000123",
        "6" * 31,
        "6217-0000-1234-5678",
        "6217O00012345678",
        "６２１７０００１２３４５６７８",
    ):
        with pytest.raises(ValidationFailed) as e:
            fees.payee_account("工行", number)
        assert e.value.code == "evaluation.bad_bank_account" and "12–30 位数字" in e.value.message
    with pytest.raises(ValidationFailed) as e:
        fees.payee_account("", "621700001234567890")
    assert e.value.code == "evaluation.bad_bank_name"
