"""Refunds leave the platform through the bank, pull model: the deposit bank fetches its transfer orders with a
signed request, gets them as one document signed by the platform, and confirms each settlement with a signed
notice — the bidder then sees the deposit returned with the bank's reference; a failure goes to the staff."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import func, select

from ggzy.audit.models import AuditEvent
from ggzy.deposits import service as deposits
from ggzy.deposits.bank_simulator import SETTLE_PATH, SimulatedBank
from ggzy.deposits.models import Refund, TransferInstruction
from ggzy.deposits.policies import FETCH_PATH, fetch_message
from ggzy.kit.actor import Actor
from ggzy.pki.documents import verify_document
from ggzy.projects import service as projects
from ggzy.projects.models import Notification
from support import entity_of, logins

from .bank import make_cert
from .conftest import DEPOSIT

PAYERS = {"bidder.zy": ("遵义汇川示范路桥工程有限公司", "52001234567890000001")}
INTEREST = DEPOSIT * 35 * 3 // (10_000 * 360)  # 0.35 % a year for the 3 days from payment to termination


class Teller:
    """The product's simulated bank (ggzy.deposits.bank_simulator), registered by the admin, over the TestClient."""

    def __init__(self, client, clock, folder, admin: dict[str, str], code: str = "SIMBANK", prefix: str = "621700"):
        self.client, self.clock = client, clock
        self.bank = SimulatedBank(folder, now=clock.now(), code=code)
        r = client.post(
            "/api/v1/admin/banks",
            headers=admin,
            json={
                "code": code,
                "name": f"{code} 模拟银行",
                "account_prefix": prefix,
                "cert_pem": self.bank.cert_pem,
                "demand_rate_bp": 35,
            },
        )
        assert r.status_code == 201, r.text

    @property
    def code(self) -> str:
        return self.bank.code

    def pay(self, number: str, payer: str, account: str):
        body, headers = self.bank.notification(
            account_number=number, amount_fen=DEPOSIT, payer_name=payer, payer_account=account, now=self.clock.now()
        )
        r = self.client.post("/api/v1/bank/notifications", content=body, headers=headers)
        assert r.status_code == 201, r.text

    def fetch(self, headers: dict[str, str] | None = None):
        return self.client.get(
            FETCH_PATH, headers=self.bank.fetch_headers(self.clock.now()) if headers is None else headers
        )

    def orders(self, platform) -> list[dict]:
        r = self.fetch()
        assert r.status_code == 200, r.text
        cert = platform.key.certificate.public_bytes(Encoding.PEM)
        return self.bank.read_orders(r.content, r.headers["x-signature"], cert, self.clock.now())

    def settle(self, order: dict, **over):
        body, headers = self.settlement(order, **over)
        return self.client.post(SETTLE_PATH, content=body, headers=headers)

    def settlement(self, order: dict, **over) -> tuple[bytes, dict[str, str]]:
        kw = {"key": order["key"], "amount_fen": order["total_fen"], "now": self.clock.now(), **over}
        return self.bank.settlement(**kw)


@pytest.fixture
def staff(client):
    return logins(client, cached=False)


@pytest.fixture
def teller(client, clock, staff, tmp_path) -> Teller:
    return Teller(client, clock, tmp_path / "bank", staff("admin"))


@pytest.fixture
def refunds(client, session, clock, platform, staff, tender, teller) -> dict[str, str]:
    """Two bidders paid through the teller; the section was terminated 3 days later; the chronograph put both
    refunds in the outbox. Returns the order key of each bidder."""
    for who, (payer, account) in {
        **PAYERS,
        "bidder.gy": ("贵州黔筑示范建设工程有限公司", "52009876543210000002"),
    }.items():
        r = client.get(f"/api/v1/sections/{tender.section.code}/deposit", headers=staff(who))
        teller.pay(r.json()["account"]["number"], payer, account)
    clock.advance(days=3)
    projects.terminate_section(
        session,
        actor=Actor(None, "招标人", "tenderee"),
        now=clock.now(),
        entity_id=tender.tenderee.id,
        section_code=tender.section.code,
        reason="项目取消",
    )
    session.commit()
    assert platform.chronograph.tick().ran.get("deposits.refunds") == 2
    session.expire_all()
    keys = {}
    for r in session.execute(select(Refund)).scalars():
        username = next(u for u in ("bidder.zy", "bidder.gy") if entity_of(session, u).id == r.entity_id)
        keys[username] = f"deposit-refund:{r.id}"
    return keys


def _events(session, tag: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.execute(select(AuditEvent).where(AuditEvent.tag == tag)).scalars())


def _order(session, key: str) -> TransferInstruction:
    session.expire_all()
    return session.execute(select(TransferInstruction).where(TransferInstruction.key == key)).scalar_one()


def _sign(key: ec.EllipticCurvePrivateKey, data: bytes) -> str:
    return base64.b64encode(key.sign(data, ec.ECDSA(hashes.SHA256()))).decode()


def test_a_fetch_unsigned_stale_forged_or_for_another_request_is_refused_and_moves_nothing(
    session, clock, teller, refunds
):
    good = teller.bank.fetch_headers(clock.now())
    ts = good["X-Bank-Timestamp"]
    forger, _ = make_cert("伪造者", clock.now())
    cases = {
        "no headers": ({}, 401, "deposits.unsigned"),
        "no timestamp": ({k: v for k, v in good.items() if k != "X-Bank-Timestamp"}, 401, "deposits.unsigned"),
        "no signature": ({k: v for k, v in good.items() if k != "X-Bank-Signature"}, 401, "deposits.unsigned"),
        "naive time": ({**good, "X-Bank-Timestamp": ts[:19]}, 401, "deposits.unsigned"),
        "stale": (teller.bank.fetch_headers(clock.now() - dt.timedelta(minutes=6)), 401, "deposits.stale_request"),
        "future": (teller.bank.fetch_headers(clock.now() + dt.timedelta(minutes=6)), 401, "deposits.stale_request"),
        "forged": ({**good, "X-Bank-Signature": _sign(forger, fetch_message(ts))}, 403, "deposits.bad_signature"),
        "replayed for now": (
            {**good, "X-Bank-Timestamp": (clock.now() + dt.timedelta(seconds=1)).isoformat()},
            403,
            "deposits.bad_signature",
        ),
        "other path": (
            {**good, "X-Bank-Signature": _sign(teller.bank.key, f"GET\n/api/v1/other\n{ts}".encode())},
            403,
            "deposits.bad_signature",
        ),
        "unknown bank": ({**good, "X-Bank-Id": "NOBANK"}, 401, "deposits.unknown_bank"),
        "not base64": ({**good, "X-Bank-Signature": "%%%"}, 401, "deposits.unsigned"),
    }
    for name, (headers, status, code) in cases.items():
        r = teller.fetch(headers)
        assert (r.status_code, r.json()["code"]) == (status, code), (name, r.text)
        assert "x-signature" not in r.headers and "deposit-refund" not in r.text, name
    assert {_order(session, k).status for k in refunds.values()} == {"instructed"}
    assert _events(session, "deposits:transfer:fetched") == []


def test_the_bank_fetches_its_orders_as_one_document_the_platform_signed_and_each_first_fetch_is_audited(
    session, clock, platform, teller, refunds, tmp_path, staff, client
):
    r = teller.fetch()
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    signature = base64.b64decode(r.headers["x-signature"])
    assert verify_document(r.content, signature, platform.key, now=clock.now()).valid
    doc = json.loads(r.content)
    assert doc["bank"] == teller.code and doc["issued_at"] == clock.now().isoformat()
    zy = next(o for o in doc["orders"] if o["key"] == refunds["bidder.zy"])
    assert zy == {
        "key": refunds["bidder.zy"],
        "kind": "deposit_refund",
        "amount_fen": DEPOSIT,
        "interest_fen": INTEREST,
        "total_fen": DEPOSIT + INTEREST,
        "from_account": zy["from_account"],
        "from_name": deposits.ESCROW_ACCOUNT_NAME,
        "payee_name": PAYERS["bidder.zy"][0],
        "payee_account": PAYERS["bidder.zy"][1],
        "created_at": zy["created_at"],
    }
    assert zy["from_account"].startswith("621700") and INTEREST > 0
    assert {o["key"] for o in doc["orders"]} == set(refunds.values())
    # A tampered document does not verify with the platform certificate.
    assert not verify_document(r.content.replace(b"52001234", b"52001299"), signature, platform.key, now=clock.now())
    assert {_order(session, k).status for k in refunds.values()} == {"fetched"}
    fetched = _events(session, "deposits:transfer:fetched")
    assert sorted(e.subject_id for e in fetched) == sorted(refunds.values())
    # Fetching again returns the open orders (a lost answer costs nothing) and records nothing new.
    clock.advance(minutes=1)
    again = teller.orders(platform)
    assert {o["key"] for o in again} == set(refunds.values())
    assert len(_events(session, "deposits:transfer:fetched")) == 2
    # Another registered bank gets none of them.
    other = Teller(client, clock, tmp_path / "other", staff("admin"), code="OTHERBK", prefix="622200")
    assert other.orders(platform) == []


def test_a_settlement_returns_the_deposit_and_the_bidder_sees_it_with_the_bank_reference(
    client, session, clock, platform, staff, tender, teller, refunds
):
    orders = {o["key"]: o for o in teller.orders(platform)}
    key = refunds["bidder.zy"]
    clock.advance(hours=2)
    r = teller.settle(orders[key], bank_reference="SIM20261105000123", settlement_id="STL-1")
    assert r.status_code == 201, r.text
    answer = r.json()
    assert answer == {
        "settlement_id": "STL-1",
        "key": key,
        "status": "settled",
        "amount_fen": DEPOSIT + INTEREST,
        "bank_reference": "SIM20261105000123",
        "replayed": False,
    }
    order = _order(session, key)
    assert order.status == "settled" and order.bank_reference == "SIM20261105000123"
    assert order.settled_at == clock.now() and len(order.settlement_sha256) == 64
    refund = session.get_one(Refund, order.refund_id)
    assert refund.status == "settled"
    zy, gy = entity_of(session, "bidder.zy"), entity_of(session, "bidder.gy")
    assert deposits.deposit_status(session, tender.section.id, zy.id) == "refunded"
    assert deposits.deposit_status(session, tender.section.id, gy.id) == "refunding"  # not settled yet
    [event] = _events(session, "deposits:transfer:settled")
    assert event.subject_id == key and json.loads(event.payload)["bank_reference"] == "SIM20261105000123"
    assert json.loads(event.payload)["entity"] == zy.id and event.role == "bank"
    told = session.execute(select(Notification).where(Notification.entity_id == zy.id)).scalars().all()
    assert any(n.title == "【保证金】已退还" and "SIM20261105000123" in n.body for n in told)
    mine = client.get("/api/v1/deposits/refunds", headers=staff("bidder.zy")).json()["items"]
    assert [(m["status"], m["bank_reference"]) for m in mine] == [("settled", "SIM20261105000123")]
    page = client.get(f"/sections/{tender.section.code}/deposit", headers=staff("bidder.zy")).text
    assert "已退还" in page and "SIM20261105000123" in page
    other = client.get(f"/sections/{tender.section.code}/deposit", headers=staff("bidder.gy")).text
    assert "SIM20261105000123" not in other and "退还中" in other


def test_the_same_settlement_again_gets_the_same_answer_and_another_body_is_a_conflict(
    session, clock, platform, teller, refunds
):
    order = next(o for o in teller.orders(platform) if o["key"] == refunds["bidder.zy"])
    body, headers = teller.settlement(order, bank_reference="REF-1", settlement_id="STL-9")
    first = teller.client.post(SETTLE_PATH, content=body, headers=headers)
    clock.advance(hours=1)
    replay = teller.client.post(SETTLE_PATH, content=body, headers=headers)
    assert first.status_code == 201 and replay.status_code == 200
    assert {**first.json(), "replayed": True} == replay.json()
    # The same settlement id with another body, or another settlement of the settled order: refused.
    for over in ({"bank_reference": "REF-2", "settlement_id": "STL-9"}, {"bank_reference": "REF-1"}):
        r = teller.settle(order, **over)
        assert r.status_code == 409 and r.json()["code"] == "deposits.settlement_reused", r.text
    r = teller.settle(order, failure="账户已销户", settlement_id="STL-9")
    assert r.status_code == 409 and r.json()["code"] == "deposits.settlement_reused"
    assert _order(session, refunds["bidder.zy"]).bank_reference == "REF-1"
    assert len(_events(session, "deposits:transfer:settled")) == 1
    assert _events(session, "deposits:transfer:failed") == []


def test_a_wrong_amount_unknown_key_unfetched_order_or_unsigned_settlement_is_refused(
    session, clock, platform, client, staff, teller, refunds, tmp_path
):
    zy_key = refunds["bidder.zy"]
    order = {"key": zy_key, "total_fen": DEPOSIT + INTEREST}
    r = teller.settle(order)
    assert r.status_code == 409 and r.json()["code"] == "deposits.order_not_fetched", r.text
    teller.orders(platform)
    for over, status, code in (
        ({"amount_fen": DEPOSIT}, 422, "deposits.settlement_amount"),
        ({"amount_fen": DEPOSIT + INTEREST + 1}, 422, "deposits.settlement_amount"),
        ({"key": "deposit-refund:999999"}, 404, "deposits.unknown_order"),
        ({"key": "fee-nosuch-1"}, 404, "deposits.unknown_order"),
        ({"now": clock.now() + dt.timedelta(hours=1)}, 422, "deposits.bad_settlement"),
    ):
        r = teller.settle(order, **over)
        assert (r.status_code, r.json()["code"]) == (status, code), (over, r.text)
    body, headers = teller.settlement(order)
    forger, _ = make_cert("伪造者", clock.now())
    for h, status, code in (
        ({"content-type": "application/json"}, 401, "deposits.unsigned"),
        ({**headers, "X-Bank-Signature": _sign(forger, body)}, 403, "deposits.bad_signature"),
        ({**headers, "X-Bank-Id": "NOBANK"}, 401, "deposits.unknown_bank"),
    ):
        r = client.post(SETTLE_PATH, content=body, headers=h)
        assert (r.status_code, r.json()["code"]) == (status, code), r.text
    bad = json.dumps({"settlement_id": "x", "key": zy_key, "status": "paid", "amount_fen": 1}).encode()
    r = client.post(SETTLE_PATH, content=bad, headers={**headers, "X-Bank-Signature": _sign(teller.bank.key, bad)})
    assert (r.status_code, r.json()["code"]) == (422, "deposits.bad_settlement")
    # Another registered bank cannot settle our bank's order, even signed with its own registered key.
    other = Teller(client, clock, tmp_path / "other", staff("admin"), code="OTHERBK", prefix="622200")
    assert other.settle(order).status_code == 404
    assert _order(session, zy_key).status == "fetched"
    assert _events(session, "deposits:transfer:settled") == []


def test_a_failed_settlement_is_shown_to_the_center_staff_and_the_bidder_is_told(
    client, session, clock, platform, staff, tender, teller, refunds
):
    orders = {o["key"]: o for o in teller.orders(platform)}
    key = refunds["bidder.gy"]
    r = teller.settle(orders[key], failure="收款账户已销户", settlement_id="STL-F")
    assert r.status_code == 201 and r.json()["status"] == "failed", r.text
    order = _order(session, key)
    assert order.status == "failed" and order.failure == "收款账户已销户" and order.bank_reference is None
    assert session.get_one(Refund, order.refund_id).status == "failed"
    [event] = _events(session, "deposits:transfer:failed")
    assert event.subject_id == key and json.loads(event.payload)["failure"] == "收款账户已销户"
    listed = client.get("/api/v1/deposits/reconciliation", headers=staff("gy.staff")).json()["failed_transfers"]
    assert [(f["key"], f["failure"], f["total_fen"]) for f in listed] == [(key, "收款账户已销户", DEPOSIT + INTEREST)]
    assert listed[0]["section"] == tender.section.code and listed[0]["kind"] == "deposit_refund"
    page = client.get("/deposits/reconciliation", headers=staff("gy.staff")).text
    assert "收款账户已销户" in page and key in page
    # Staff of another center do not see it.
    assert client.get("/api/v1/deposits/reconciliation", headers=staff("zy.staff")).json()["failed_transfers"] == []
    bidder = client.get(f"/sections/{tender.section.code}/deposit", headers=staff("bidder.gy")).text
    assert "退还未成功" in bidder and "收款账户已销户" in bidder
    gy = entity_of(session, "bidder.gy")
    assert deposits.deposit_status(session, tender.section.id, gy.id) == "refunding"


def test_the_tenderee_learns_nothing_of_the_bidders_from_refunds_going_out(
    client, session, clock, platform, staff, tender, teller, refunds
):
    orders = {o["key"]: o for o in teller.orders(platform)}
    assert teller.settle(orders[refunds["bidder.zy"]], bank_reference="REF-ZY").status_code == 201
    assert teller.settle(orders[refunds["bidder.gy"]], failure="户名不符").status_code == 201
    needles = [
        *(entity_of(session, u).name for u in ("bidder.zy", "bidder.gy")),
        *refunds.values(),
        "REF-ZY",
        "户名不符",
        "52001234567890000001",
    ]
    h = staff("tenderee.gy")
    code = tender.section.code
    for method, path in (
        ("GET", FETCH_PATH),
        ("POST", SETTLE_PATH),
        ("GET", f"/api/v1/sections/{code}/deposit"),
        ("GET", "/api/v1/deposits/refunds"),
        ("GET", "/api/v1/deposits/reconciliation"),
        ("GET", f"/sections/{code}/deposit"),
        ("GET", "/deposits/reconciliation"),
        ("GET", "/api/v1/audit/events?limit=500&tag_prefix=deposits"),
    ):
        r = client.request(method, path, headers=h)
        assert r.status_code in (200, 401, 403, 404), (path, r.status_code)
        assert not any(n in r.text for n in needles), path
    for who in ("gy.staff", "admin", "reg.housing"):
        events = client.get("/api/v1/audit/events?limit=500", headers=staff(who)).json()["items"]
        assert not any(e["tag"].startswith("deposits:transfer") for e in events), who
    assert session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.tag.like("deposits:transfer:%"))
    )
