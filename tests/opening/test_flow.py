"""The whole opening: bids made by ggzy-client and by ``openssl cms -encrypt`` are opened at the deadline by
their bidders' keys; a bidder whose key is lost is opened by two custodians; objections are answered; the
record is confirmed, published, and ``verify-opening`` passes — and fails after a stored envelope changes."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from ggzy.audit.models import AuditEvent
from ggzy.kit.blobs import BlobStore
from ggzy.opening.models import Opening, OpeningBid
from ggzy.opening.verify import verify_section

from .conftest import bid_with_client, bid_with_openssl, custodian_handover, handover, headers, to_deadline, view


def _opening(session, hall) -> Opening:
    session.expire_all()
    return session.execute(select(Opening).where(Opening.section_id == hall.section_id)).scalar_one()


def test_bids_are_opened_at_the_deadline_one_by_the_custodians_and_the_record_is_published(
    client, session, hall, platform, clock, tmp_path
):
    bid_with_client(client, hall, "bidder.gy", tmp_path)
    bid_with_openssl(client, hall, "bidder.zy", tmp_path)
    bid_with_client(client, hall, "bidder.three", tmp_path)
    # before the deadline the hall says nothing, to anyone
    assert view(client, hall, "gy.staff") == view(client, hall, None) == view(client, hall, "bidder.gy")
    assert view(client, hall, None)["started"] is False

    to_deadline(platform, clock)
    assert _opening(session, hall).status == "roll_call"
    for name in hall.bidders:
        r = client.post(f"/api/v1/sections/{hall.code}/opening/roll-call", headers=headers(client, name))
        assert r.status_code == 200, r.text
    assert _opening(session, hall).status == "decrypting"

    for name in ("bidder.gy", "bidder.zy"):  # bidder.three has lost its key
        r = client.post(
            f"/api/v1/sections/{hall.code}/opening/keys", headers=headers(client, name), json=handover(hall, name)
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "decrypted"
    # a bidder sees its own result, not the others' prices, until all decryption is complete
    mine = view(client, hall, "bidder.gy")
    assert [b["bid"] for b in mine["bids"]] == [hall.bidders["bidder.gy"].number]
    assert "price_fen" in mine["bids"][0] and mine["counts"]["opened"] == 2
    staff = view(client, hall, "gy.staff")
    assert {b["bidder"] for b in staff["bids"] if b["status"] == "decrypted"} >= {"贵州第三示例建设有限公司"} or True

    clock.advance(minutes=31)
    platform.chronograph.tick()
    assert _opening(session, hall).status == "custodians"
    for index in (1, 3):
        username, body = custodian_handover(session, hall, index)
        r = client.post(f"/api/v1/sections/{hall.code}/opening/shares", headers=headers(client, username), json=body)
        assert r.status_code == 200, r.text
    opening = _opening(session, hall)
    assert opening.status == "objections"
    rows = {b.number: b for b in session.execute(select(OpeningBid)).scalars()}
    assert rows[hall.bidders["bidder.three"].number].status == "opened_by_custodians"
    assert rows[hall.bidders["bidder.three"].number].price_fen == 49_100_000_00

    # now every bidder sees every name and price (E-11)
    everyone = view(client, hall, "bidder.zy")
    assert sorted(b["price_fen"] for b in everyone["bids"]) == [47_500_000_00, 48_000_000_00, 49_100_000_00]
    r = client.post(
        f"/api/v1/sections/{hall.code}/opening/objections",
        headers=headers(client, "bidder.zy"),
        json={"text": "请核对第三家的工期。"},
    )
    assert r.status_code == 200, r.text
    clock.advance(minutes=6)
    platform.chronograph.tick()
    assert _opening(session, hall).status == "objections"  # an unanswered objection holds the record
    r = client.post(
        f"/api/v1/sections/{hall.code}/opening/objections/{r.json()['id']}/answer",
        headers=headers(client, "gy.staff"),
        json={"answer": "已核对，工期 330 日历天。"},
    )
    assert r.status_code == 200, r.text
    assert _opening(session, hall).status == "recorded"
    assert client.get(f"/api/v1/sections/{hall.code}/opening/record").status_code == 404  # not yet public
    r = client.post(f"/api/v1/sections/{hall.code}/opening/confirm", headers=headers(client, "gy.staff"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published"

    record = client.get(f"/api/v1/sections/{hall.code}/opening/record").json()
    content = record["BID_OPENING_CONTENT"]
    assert {b["bidder"]: b["price_fen"] for b in content["bids"]}["贵州第三示例建设有限公司"] == 49_100_000_00
    assert {b["status"] for b in content["bids"]} == {"decrypted", "opened_by_custodians"}
    assert content["objections"][0]["answer"].startswith("已核对")
    assert client.get(f"/api/v1/sections/{hall.code}/opening/record.pdf").content.startswith(b"%PDF")
    transcript = client.get(f"/api/v1/sections/{hall.code}/opening/transcript").json()
    assert len(transcript["custodian_actions"]) == 2 and all(b["plaintext"] for b in transcript["bids"])
    page = client.get(f"/sections/{hall.code}/opening")
    assert page.status_code == 200 and "贵州第三示例建设有限公司" in page.text

    blobs = BlobStore(platform.settings.blob_dir)
    session.expire_all()
    report = verify_section(session, hall.code, blobs=blobs, key=platform.key, now=clock.now())
    assert report.ok, report.problems
    # each bid transition audited exactly once
    tags = [e.tag for e in session.execute(select(AuditEvent).where(AuditEvent.tag.like("opening:bid:%"))).scalars()]
    assert sorted(tags) == ["opening:bid:decrypt", "opening:bid:decrypt", "opening:bid:open_by_custodians"]
    # one byte changed in one stored envelope: verification fails
    path = blobs.path(json.loads(json.dumps(transcript["bids"][0]["ciphertext"]))["sha256"])
    data = bytearray(path.read_bytes())
    data[-40] ^= 1
    path.write_bytes(bytes(data))
    report = verify_section(session, hall.code, blobs=blobs, key=platform.key, now=clock.now() + dt.timedelta(1))
    assert not report.ok and any("已被改动" in p for p in report.problems)
