"""A bank's settlement id is used once, across all its orders — like the id of an arrival notification: the same
settlement notice again gets the same answer; the same id with another body is refused, whatever order it names,
and changes nothing. Every accepted settlement is kept (deposit_bank_settlements, migration 0016)."""

# The refund fixtures (teller, refunds, staff) come from test_settlement: test parameters share their names.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from ggzy.deposits.bank_simulator import SETTLE_PATH
from ggzy.deposits.models import BankSettlement, Refund
from ggzy.models import metadata

from .conftest import DEPOSIT
from .test_settlement import INTEREST, Teller, _events, _order, refunds, staff, teller  # noqa: F401 (fixtures)


def _kept(session) -> list[BankSettlement]:
    session.expire_all()
    return list(session.execute(select(BankSettlement).order_by(BankSettlement.id)).scalars())


def test_a_settlement_id_reused_for_another_order_is_refused_and_changes_nothing(
    session, clock, platform, teller, refunds
):
    orders = {o["key"]: o for o in teller.orders(platform)}
    zy, gy = refunds["bidder.zy"], refunds["bidder.gy"]
    assert teller.settle(orders[zy], bank_reference="REF-ZY", settlement_id="STL-1").status_code == 201
    clock.advance(minutes=5)
    for over in ({"bank_reference": "REF-GY"}, {"failure": "账户已销户"}):
        r = teller.settle(orders[gy], settlement_id="STL-1", **over)
        assert r.status_code == 409 and r.json()["code"] == "deposits.settlement_reused", r.text
        assert "结算编号 STL-1" in r.json()["message"] and zy in r.json()["message"]
    other = _order(session, gy)
    assert (other.status, other.bank_reference, other.settlement_sha256) == ("fetched", None, None)
    assert session.get_one(Refund, other.refund_id).status == "instructed"
    assert [(k.settlement_id, k.order_key) for k in _kept(session)] == [("STL-1", zy)]
    assert len(_events(session, "deposits:transfer:settled")) == 1
    assert _events(session, "deposits:transfer:failed") == []
    # With an id of its own, the other order settles.
    r = teller.settle(orders[gy], bank_reference="REF-GY", settlement_id="STL-2")
    assert r.status_code == 201 and r.json()["status"] == "settled", r.text
    assert [k.settlement_id for k in _kept(session)] == ["STL-1", "STL-2"]


def test_the_same_settlement_again_gets_the_same_answer_and_is_kept_once(session, clock, platform, teller, refunds):
    order = next(o for o in teller.orders(platform) if o["key"] == refunds["bidder.zy"])
    body, headers = teller.settlement(order, bank_reference="REF-1", settlement_id="STL-7")
    first = teller.client.post(SETTLE_PATH, content=body, headers=headers)
    assert first.status_code == 201, first.text
    clock.advance(hours=1)
    replay = teller.client.post(SETTLE_PATH, content=body, headers=headers)
    assert replay.status_code == 200 and replay.json() == {**first.json(), "replayed": True}
    assert replay.json()["amount_fen"] == DEPOSIT + INTEREST
    [kept] = _kept(session)
    settled = _order(session, refunds["bidder.zy"])
    assert (kept.settlement_id, kept.order_key, kept.body_sha256) == ("STL-7", order["key"], settled.settlement_sha256)
    assert kept.received_at == clock.now() - dt.timedelta(hours=1)
    assert len(_events(session, "deposits:transfer:settled")) == 1


def test_the_settlement_id_is_the_banks_own_another_bank_may_use_the_same(
    client, session, clock, platform, staff, teller, refunds, tmp_path
):
    order = next(o for o in teller.orders(platform) if o["key"] == refunds["bidder.zy"])
    assert teller.settle(order, settlement_id="STL-1").status_code == 201
    other = Teller(client, clock, tmp_path / "other", staff("admin"), code="OTHERBK", prefix="622200")
    # Not a reuse: the other bank's STL-1 is its own; it names an order that is not the other bank's.
    r = other.settle({"key": refunds["bidder.gy"], "total_fen": DEPOSIT + INTEREST}, settlement_id="STL-1")
    assert (r.status_code, r.json()["code"]) == (404, "deposits.unknown_order"), r.text
    assert len(_kept(session)) == 1


def test_the_bank_settlements_migration_matches_the_models(migrated):
    tables = ("deposit_bank_settlements", "deposit_transfer_instructions", "evaluation_fee_payments")
    with migrated.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        diffs = compare_metadata(ctx, metadata)
    assert [d for d in diffs if any(t in repr(d) for t in tables)] == []
    inspector = inspect(migrated.engine)
    unique = [u["column_names"] for u in inspector.get_unique_constraints("deposit_bank_settlements")]
    assert ["bank_id", "settlement_id"] in unique
    # A re-issued order names the same refund or fee as the one it replaces.
    assert ["refund_id"] not in [u["column_names"] for u in inspector.get_unique_constraints(tables[1])]
    assert ["fee_id"] not in [u["column_names"] for u in inspector.get_unique_constraints(tables[2])]
