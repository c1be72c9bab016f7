"""``ggzy verify-opening`` as an auditor runs it: exit 0 on a published opening, 1 after one stored envelope
changed, 2 on bad arguments."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ggzy.demo import seed_demo
from ggzy.kit.actor import SYSTEM
from ggzy.kit.blobs import BlobStore
from ggzy.kit.clock import FrozenClock
from ggzy.kit.settings import load_settings
from ggzy.platform import Platform
from ggzy.web.app import create_app
from support import run_cli as run

from .conftest import (
    FORMS,
    START,
    bid_with_client,
    bid_with_openssl,
    certs_for,
    hall_on,
    handover,
    headers,
    publish_on,
    to_deadline,
)


@pytest.fixture(scope="module")
def opened(tmp_path_factory) -> tuple[dict[str, str], str, Path]:
    d = tmp_path_factory.mktemp("verify-opening")
    env = {"GGZY_DATA_DIR": str(d / "data")}
    clock = FrozenClock(START)
    platform = Platform(load_settings(env), clock=clock)
    platform.upgrade()
    with platform.db.session(write=True) as s:
        seed_demo(s, actor=SYSTEM, now=clock.now())
        certs = certs_for(s, clock, d)
        hall = hall_on(publish_on(s, clock, platform), certs)
    with TestClient(create_app(platform, run_chronograph=False)) as client:
        bid_with_client(client, hall, "bidder.gy", d)
        bid_with_openssl(client, hall, "bidder.zy", d, cipher="-aes-256-gcm")
        bid_with_client(client, hall, "bidder.three", d)
        to_deadline(platform, clock)
        for name in FORMS:
            assert client.post(
                f"/api/v1/sections/{hall.code}/opening/roll-call", headers=headers(client, name)
            ).is_success
        for name in FORMS:
            r = client.post(
                f"/api/v1/sections/{hall.code}/opening/keys", headers=headers(client, name), json=handover(hall, name)
            )
            assert r.json()["status"] == "decrypted", r.text
        clock.advance(minutes=6)
        platform.chronograph.tick()
        assert client.post(
            f"/api/v1/sections/{hall.code}/opening/confirm", headers=headers(client, "gy.staff")
        ).is_success
        transcript = client.get(f"/api/v1/sections/{hall.code}/opening/transcript").json()
    platform.db.dispose()
    blob = BlobStore(platform.settings.blob_dir).path(transcript["bids"][1]["ciphertext"]["sha256"])
    return env, hall.code, blob


def test_verify_opening_passes_then_fails_after_a_stored_envelope_changes(opened):
    env, code, blob = opened
    r = run(["verify-opening", code], env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "通过" in r.stdout
    assert run(["verify-opening", "--all"], env).returncode == 0
    assert run(["verify-opening"], env).returncode == 2
    original = blob.read_bytes()
    changed = bytearray(original)
    changed[len(changed) // 2] ^= 0x01
    blob.write_bytes(bytes(changed))
    try:
        r = run(["verify-opening", code], env)
        assert r.returncode == 1 and "已被改动" in r.stderr, r.stdout + r.stderr
        assert run(["verify-opening", "--all"], env).returncode == 1
    finally:
        blob.write_bytes(original)
