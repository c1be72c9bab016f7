"""The audit read API does not let a reader count the confidential events it hides (招标投标法 第二十二条).

Served events carry no chain ``seq``, no hash and no previous hash, and the paging cursor is opaque: two
served events look the same whether 0 or 5 hidden bids lie between them."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from ggzy.audit import cursor as cursors
from ggzy.audit import service as audit
from ggzy.audit.service import AuditConfig
from ggzy.centers.service import get_center
from ggzy.kit.actor import Actor
from ggzy.kit.errors import ConfigError
from ggzy.kit.paging import encode_cursor
from support import token

HIDDEN = "auditleak:bid:submitted"
audit.register_confidential(HIDDEN)
STAFF = Actor(7, "张三", "center_staff", None, "10.0.0.1")
BIDDER = Actor(8, "投标人甲", "bidder", None, "10.0.0.2")
READERS = ["admin", "gy.staff", "reg.gy.finance"]  # province-wide, one center, one region
CHAIN_FIELDS = {"seq", "hash", "prev_hash", "hash_alg"}


def _gy(session) -> int:
    return get_center(session, "GY").id


def _served_pair(session, clock, *, source: str, hidden: int) -> None:
    """Two served events of ``source`` with ``hidden`` confidential events between them, at fixed times."""
    t0, center = clock.now(), _gy(session)
    for n, at in ((1, t0 + dt.timedelta(seconds=1)), (2, t0 + dt.timedelta(seconds=3))):
        if n == 2:
            for k in range(hidden):
                audit.record(
                    session,
                    tag=HIDDEN,
                    actor=BIDDER,
                    now=t0 + dt.timedelta(seconds=2),
                    payload={"k": k},
                    center_id=center,
                )
        audit.record(
            session,
            tag=f"{source}:section:changed",
            actor=STAFF,
            now=at,
            payload={"n": n},
            subject_id="GY-2026-001-001",
            center_id=center,
        )


def _pages(client, headers, prefix: str, limit: int) -> list[dict]:
    out, cursor = [], None
    while True:
        params = {"limit": limit, "tag_prefix": prefix} | ({"cursor": cursor} if cursor else {})
        r = client.get("/api/v1/audit/events", params=params, headers=headers)
        assert r.status_code == 200, r.text
        out.append(r.json())
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return out


def _without_content_of(pages: list[dict], source: str) -> list[dict]:
    """The pages with the scenario's own tag neutralised and each cursor reduced to its length."""
    return [
        {
            "items": [{**e, "tag": e["tag"].replace(source, "x")} for e in p["items"]],
            "next_cursor": None if p["next_cursor"] is None else len(p["next_cursor"]),
        }
        for p in pages
    ]


@pytest.mark.parametrize("reader", READERS)
def test_two_served_events_look_the_same_with_no_or_five_hidden_bids_between_them(client, session, clock, reader):
    _served_pair(session, clock, source="gapnone", hidden=0)
    _served_pair(session, clock, source="gapfive", hidden=5)
    session.commit()
    h = token(client, reader)
    none, five = _pages(client, h, "gapnone:", 1), _pages(client, h, "gapfive:", 1)
    assert len(none) == len(five) == 2
    assert _without_content_of(none, "gapnone") == _without_content_of(five, "gapfive")
    for p in none + five:
        assert not [e for e in p["items"] if CHAIN_FIELDS & set(e)], p
        assert "seq" not in p and "position" not in p


def test_the_served_events_carry_no_chain_position_for_any_reader(client, session, clock):
    _served_pair(session, clock, source="gapfive", hidden=5)
    session.commit()
    for reader in READERS:
        items = client.get("/api/v1/audit/events?limit=500", headers=token(client, reader)).json()["items"]
        assert items and not [e for e in items if CHAIN_FIELDS & set(e)], reader
        assert HIDDEN not in {e["tag"] for e in items}, reader


def test_the_cursor_is_opaque_and_new_on_every_call(client, session, clock, platform_key):
    _served_pair(session, clock, source="gapfive", hidden=5)
    session.commit()
    h = token(client, "gy.staff")
    url, query = "/api/v1/audit/events", {"limit": 1, "tag_prefix": "gapfive:"}
    a, b = (client.get(url, params=query, headers=h).json()["next_cursor"] for _ in range(2))
    assert a != b and len(a) == len(b)
    seq = cursors.unseal(a, cursors.cursor_key(platform_key))
    assert str(seq) not in a and encode_cursor({"seq": seq}) != a
    seconds = [client.get(url, params=query | {"cursor": c}, headers=h).json() for c in (a, b)]
    assert seconds[0] == seconds[1] and [e["payload"] for e in seconds[0]["items"]] == [{"n": 2}]


def test_paging_serves_every_visible_event_once_and_in_order_around_hidden_ones(client, session, clock):
    center, rng = _gy(session), random.Random(22)
    for i in range(10):
        for _ in range(rng.randint(0, 3)):
            clock.advance(seconds=1)
            audit.record(session, tag=HIDDEN, actor=BIDDER, now=clock.now(), center_id=center)
        clock.advance(seconds=1)
        audit.record(
            session, tag="gappaged:section:changed", actor=STAFF, now=clock.now(), payload={"i": i}, center_id=center
        )
    session.commit()
    for reader in ("admin", "reg.gy.finance"):
        h = token(client, reader)
        for limit in (1, 3, 4, 10, 11):
            pages = _pages(client, h, "gappaged:", limit)
            assert [e["payload"]["i"] for p in pages for e in p["items"]] == list(range(10)), (reader, limit)
            assert all(p["items"] for p in pages)


@pytest.mark.parametrize("how", ["garbage", "plain seq", "tampered", "other key", "truncated"])
def test_a_forged_cursor_is_refused_with_a_stable_code(client, session, clock, how):
    _served_pair(session, clock, source="gapfive", hidden=5)
    session.commit()
    h = token(client, "admin")
    genuine = client.get("/api/v1/audit/events?limit=1&tag_prefix=gapfive:", headers=h).json()["next_cursor"]
    forged = {
        "garbage": "@@@",
        "plain seq": encode_cursor({"seq": 1}),
        "tampered": genuine[:20] + ("A" if genuine[20] != "A" else "B") + genuine[21:],
        "other key": cursors.seal(1, bytes(32)),
        "truncated": genuine[:-2],
    }[how]
    r = client.get("/api/v1/audit/events", params={"cursor": forged}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "audit.bad_cursor"
    assert "游标" in r.json()["message"] and "next_cursor" in r.json()["message"]


def test_a_cursor_cannot_be_read_without_the_platform_key(session, clock):
    _served_pair(session, clock, source="gapfive", hidden=0)
    cursor = audit.list_events(session, limit=1, tag_prefix="gapfive:").next_cursor
    session.info["audit"] = AuditConfig()
    with pytest.raises(ConfigError):
        audit.list_events(session, cursor=cursor, limit=1, tag_prefix="gapfive:")


def test_the_audit_page_counts_events_only_at_the_signed_checkpoint(client, session, clock, platform_key):
    _served_pair(session, clock, source="gapnone", hidden=0)
    cp = audit.checkpoint(session, now=clock.now(), key=platform_key)
    session.commit()
    line = f"链上事件总数（截至最新签名检查点）：<strong>{cp.seq}</strong>"
    assert line in client.get("/audit").text
    _served_pair(session, clock, source="gapfive", hidden=5)
    session.commit()
    html = client.get("/audit").text
    assert line in html and f"<strong>{cp.seq + 7}</strong>" not in html
