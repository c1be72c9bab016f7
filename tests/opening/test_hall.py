"""The hall per persona (nothing before the deadline; bidders see others' names and prices only after all
decryption; the host side watches progress; the public sees the published record) and the live stream (SSE),
in one process and through Redis."""

from __future__ import annotations

import json
import threading

import pytest

from ggzy.kit.settings import load_settings
from ggzy.platform import Platform
from ggzy.web.app import create_app
from support import serve

from .conftest import bid_with_client, handover, headers, to_deadline, view

PERSONAS = [None, "bidder.gy", "bidder.zy", "tenderee.gy", "gy.staff", "zy.staff", "reg.housing", "expert.one"]


def _events(client, code: str, username: str | None, limit: int) -> list[dict]:
    h = headers(client, username) if username else {}
    with client.stream("GET", f"/api/v1/sections/{code}/opening/events?limit={limit}", headers=h) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


def test_before_the_deadline_every_persona_sees_the_same_nothing(client, hall, tmp_path):
    for name in hall.bidders:
        bid_with_client(client, hall, name, tmp_path)
    views = [view(client, hall, p) for p in PERSONAS]
    assert all(v == views[0] for v in views) and views[0]["started"] is False
    assert [_events(client, hall.code, p, 1) for p in (None, "gy.staff")] == [[views[0]], [views[0]]]
    page = client.get(f"/sections/{hall.code}/opening", headers=headers(client, "tenderee.gy")).text
    assert "开标尚未开始" in page and hall.bidders["bidder.gy"].number not in page


def test_during_decryption_each_persona_sees_what_it_may(client, hall, platform, clock, tmp_path):
    for name in hall.bidders:
        bid_with_client(client, hall, name, tmp_path)
    to_deadline(platform, clock)
    for name in hall.bidders:
        client.post(f"/api/v1/sections/{hall.code}/opening/roll-call", headers=headers(client, name))
    client.post(
        f"/api/v1/sections/{hall.code}/opening/keys",
        headers=headers(client, "bidder.gy"),
        json=handover(hall, "bidder.gy"),
    )
    v = {p: view(client, hall, p) for p in PERSONAS}
    for outsider in (None, "zy.staff", "expert.one"):
        assert set(v[outsider]) <= {"started", "section", "seq", "status", "status_label", "deadline", "published"}
    for host in ("tenderee.gy", "gy.staff", "reg.housing"):
        assert len(v[host]["bids"]) == 3 and {b["bidder"] for b in v[host]["bids"]} >= {"贵州第三示例建设有限公司"}
        assert [b["price_fen"] for b in v[host]["bids"] if b["status"] == "decrypted"] == [48_000_000_00]
    own = v["bidder.gy"]["bids"]
    assert len(own) == 1 and own[0]["own"] and own[0]["price_fen"] == 48_000_000_00
    assert v["bidder.zy"]["bids"] == [
        {
            "bid": hall.bidders["bidder.zy"].number,
            "status": "pending",
            "result": "待解密",
            "own": True,
            "bidder": "遵义示范工程有限公司",
        }
    ] or (len(v["bidder.zy"]["bids"]) == 1 and "48000000" not in json.dumps(v["bidder.zy"]))
    assert v["bidder.zy"]["counts"] == {"bids": 3, "signed_in": 3, "opened": 1, "failed": 0, "pending": 2}
    page = client.get(f"/sections/{hall.code}/opening", headers=headers(client, "bidder.zy")).text
    assert "480,000" not in page and "48000000" not in page
    # objections and answers are for the parties, not for outsiders
    r = client.post(
        f"/api/v1/sections/{hall.code}/opening/objections", headers=headers(client, "tenderee.gy"), json={"text": "x"}
    )
    assert r.status_code == 403
    r = client.post(f"/api/v1/sections/{hall.code}/opening/instruct", headers=headers(client, "zy.staff"))
    assert r.status_code == 403


@pytest.fixture
def live_servers(tmp_path, request):
    """Two real server processes' worth of platform (two uvicorn servers, one SQLite file), optionally on Redis."""
    import httpx

    from ggzy.demo import seed_demo
    from ggzy.kit.actor import SYSTEM
    from ggzy.kit.clock import FrozenClock

    from .conftest import START

    env = {"GGZY_DATA_DIR": str(tmp_path / "data")}
    if request.param:
        env["GGZY_REDIS_URL"] = request.param
    clock = FrozenClock(START)
    first = Platform(load_settings(env), clock=clock)
    first.upgrade()
    with first.db.session(write=True) as s:
        seed_demo(s, actor=SYSTEM, now=clock.now())
    second = Platform(load_settings(env), clock=clock)
    servers = [serve(create_app(p, run_chronograph=False)) for p in (first, second)]
    clients = [httpx.Client(base_url=url, timeout=30) for url, _, _ in servers]
    yield first, clock, clients
    for c in clients:
        c.close()
    for _, srv, thread in servers:
        srv.should_exit = True
        thread.join(timeout=10)
    first.db.dispose()
    second.db.dispose()


def _redis_or_none() -> list:
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping()
        return [None, "redis://127.0.0.1:6379/0"]
    except Exception:  # no Redis here: only the one-process path runs
        return [None]


def _sse_lines(client, code: str, auth: dict, limit: int, first: threading.Event | None = None) -> list[dict]:
    """The stream's ``data:`` events (``limit`` of them); ``first`` is set once the first one has arrived."""
    out = []
    with client.stream("GET", f"/api/v1/sections/{code}/opening/events?limit={limit}", headers=auth) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("data: "):
                out.append(json.loads(line[6:]))
                if first is not None:
                    first.set()
    return out


@pytest.mark.parametrize("live_servers", _redis_or_none(), indirect=True, ids=lambda u: "redis" if u else "local")
def test_the_stream_pushes_each_change_to_a_watching_host(live_servers, tmp_path, request):
    """A staff member watches on server A; a bidder signs in. In one process (local broker) the change is pushed
    at once; with Redis, a sign-in handled by server B reaches the stream on server A."""
    from .conftest import FORMS, certs_for, hall_on, publish_on

    platform, clock, (a, b) = live_servers
    with platform.db.session(write=True) as s:
        certs = certs_for(s, clock, tmp_path)
        hall = hall_on(publish_on(s, clock, platform), certs)
    for name in FORMS:
        bid_with_client(a, hall, name, tmp_path)
    to_deadline(platform, clock)
    writer = b if "redis" in request.node.callspec.id else a
    got: list[dict] = []
    auth = headers(a, "gy.staff")
    subscribed = threading.Event()
    reader = threading.Thread(target=lambda: got.extend(_sse_lines(a, hall.code, auth, 2, subscribed)))
    reader.start()
    assert subscribed.wait(timeout=20), "the stream sent no first state"  # watching before the change
    assert writer.post(
        f"/api/v1/sections/{hall.code}/opening/roll-call", headers=headers(writer, "bidder.gy")
    ).is_success
    reader.join(timeout=10)  # well under the 15 s re-check: the push, not the timer, delivered it
    assert not reader.is_alive(), "the stream did not deliver the change"
    assert got[0]["status"] == "roll_call" and got[1]["counts"]["signed_in"] == got[0]["counts"]["signed_in"] + 1
    assert got[1]["seq"] > got[0]["seq"]
