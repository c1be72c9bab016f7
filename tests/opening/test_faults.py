"""Faults: too few bids, a share that does not combine, a wrong content key, custodians who do not come, and a
crash in the middle of the opening (steps re-run after in-memory state is dropped)."""

from __future__ import annotations

import base64
import json
import os

from sqlalchemy import func, select

from ggzy.audit.models import AuditEvent
from ggzy.kit.actor import Actor
from ggzy.kit.blobs import BlobStore
from ggzy.opening import documents, service
from ggzy.opening.handover import key_statement
from ggzy.opening.models import KeySubmission, Opening, OpeningBid
from ggzy.pki.certs import load_certificate
from ggzy.pki.cms import sign_detached
from ggzy.pki.keys import load_private_key
from ggzy.pki.service import current_trust_list

from .conftest import bid_with_client, custodian_handover, handover, headers, to_deadline, view


def _opening(session, hall) -> Opening:
    session.expire_all()
    return session.execute(select(Opening).where(Opening.section_id == hall.section_id)).scalar_one()


def _three_bids_and_roll_call(client, hall, platform, clock, tmp_path):
    for name in hall.bidders:
        bid_with_client(client, hall, name, tmp_path)
    to_deadline(platform, clock)
    for name in hall.bidders:
        assert client.post(f"/api/v1/sections/{hall.code}/opening/roll-call", headers=headers(client, name)).is_success


def test_with_two_bids_there_is_no_opening_and_the_record_gives_the_rule(
    client, session, hall, platform, clock, tmp_path
):
    bid_with_client(client, hall, "bidder.gy", tmp_path)
    bid_with_client(client, hall, "bidder.zy", tmp_path)
    to_deadline(platform, clock)
    opening = _opening(session, hall)
    assert opening.status == "failed_insufficient" and opening.published_at is not None
    assert session.execute(select(func.count()).select_from(OpeningBid)).scalar() == 0  # nothing decrypted
    record = json.loads(opening.record_json)["BID_OPENING_CONTENT"]
    assert record["bids_counted"] == 2 and "第四十四条" in record["min_bidders_source"]
    assert "不予开标" in record["conclusion"] and "bids" not in record
    public = view(client, hall, None)
    assert public["status"] == "failed_insufficient" and public["bids_counted"] == 2 and "bids" not in public
    r = client.post(f"/api/v1/sections/{hall.code}/opening/roll-call", headers=headers(client, "bidder.gy"))
    assert r.status_code == 403  # nothing to sign in to


def test_a_share_that_does_not_combine_is_refused_naming_it(client, session, hall, platform, clock, tmp_path):
    _three_bids_and_roll_call(client, hall, platform, clock, tmp_path)
    clock.advance(minutes=31)  # nobody hands over a key: every bid goes to the custodians
    platform.chronograph.tick()
    assert _opening(session, hall).status == "custodians"
    username, body = custodian_handover(session, hall, 2)
    share = bytearray(base64.b64decode(body["share"]))
    share[-40] ^= 0xFF  # inside the share's value or commitments
    body["share"] = base64.b64encode(bytes(share)).decode()
    r = client.post(f"/api/v1/sections/{hall.code}/opening/shares", headers=headers(client, username), json=body)
    assert r.status_code == 422 and "#2" in r.json()["message"], r.text
    # another custodian's share, brought by the wrong account
    other, body1 = custodian_handover(session, hall, 1)
    r = client.post(f"/api/v1/sections/{hall.code}/opening/shares", headers=headers(client, username), json=body1)
    assert r.status_code == 422 and r.json()["detail"]["index"] == 1
    # the genuine shares of two custodians open all three bids
    for index in (1, 2):
        username, body = custodian_handover(session, hall, index)
        r = client.post(f"/api/v1/sections/{hall.code}/opening/shares", headers=headers(client, username), json=body)
        assert r.status_code == 200, r.text
    session.expire_all()
    assert {b.status for b in session.execute(select(OpeningBid)).scalars()} == {"opened_by_custodians"}
    assert _opening(session, hall).status == "objections"


def test_a_wrong_content_key_leaves_the_bid_to_the_custodians_and_absent_custodians_mean_withdrawal(
    client, session, hall, platform, clock, tmp_path
):
    _three_bids_and_roll_call(client, hall, platform, clock, tmp_path)
    b = hall.bidders["bidder.gy"]
    cek = os.urandom(32)
    statement = key_statement(section=hall.code, bid=b.number, cek=cek)
    sig = sign_detached(statement.encode(), load_certificate(b.cert.read_bytes()), load_private_key(b.key.read_bytes()))
    body = {
        "bid": b.number,
        "content_key": base64.b64encode(cek).decode(),
        "statement": statement,
        "signature": base64.b64encode(sig).decode(),
    }
    r = client.post(f"/api/v1/sections/{hall.code}/opening/keys", headers=headers(client, "bidder.gy"), json=body)
    assert r.status_code == 200 and r.json()["status"] == "pending" and r.json()["key_failure"], r.text
    # a statement that does not match the key is refused outright
    body["statement"] = key_statement(section=hall.code, bid=b.number, cek=os.urandom(32))
    r = client.post(f"/api/v1/sections/{hall.code}/opening/keys", headers=headers(client, "bidder.gy"), json=body)
    assert r.status_code == 422
    for name in ("bidder.zy", "bidder.three"):
        assert (
            client.post(
                f"/api/v1/sections/{hall.code}/opening/keys", headers=headers(client, name), json=handover(hall, name)
            ).json()["status"]
            == "decrypted"
        )
    assert _opening(session, hall).status == "custodians"  # all bidders are done: no need to wait for the window
    clock.advance(minutes=31)
    platform.chronograph.tick()
    session.expire_all()
    row = session.execute(select(OpeningBid).where(OpeningBid.number == b.number)).scalar_one()
    assert row.status == "failed_other" and row.failure == "remedy"
    assert _opening(session, hall).status == "objections"


def test_a_crash_in_the_middle_resumes_without_decrypting_twice_or_losing_a_result(
    client, session, hall, platform, clock, tmp_path
):
    _three_bids_and_roll_call(client, hall, platform, clock, tmp_path)
    env = service.Env(BlobStore(platform.settings.blob_dir), platform.key, tmp_path / "tmp")
    trust = current_trust_list(session)
    b = hall.bidders["bidder.gy"]
    body = handover(hall, "bidder.gy")
    account = session.execute(select(KeySubmission)).first()
    assert account is None

    def plan():
        from ggzy.auth.service import get_account

        acc = get_account(session, "bidder.gy")
        return service.prepare_key(
            session,
            actor=Actor(acc.id, "x", "bidder"),
            now=clock.now(),
            code=hall.code,
            entity_id=acc.entity_id,
            account_id=acc.id,
            bid_number=b.number,
            cek=base64.b64decode(body["content_key"]),
            statement=body["statement"],
            signature=base64.b64decode(body["signature"]),
            trust=trust,
            env=env,
        )

    first = plan()
    outcome1 = service.run_plan(first, trust=trust, env=env)
    # the process dies here: the outcome is lost, nothing was written
    del outcome1
    session.rollback()
    second = plan()
    outcome2 = service.run_plan(second, trust=trust, env=env)
    service.apply_outcome(
        session, plan=second, outcome=outcome2, actor=Actor(None, "x", "bidder"), now=clock.now(), env=env
    )
    session.commit()
    # the same step applied again (a retried request, a second worker): no second result, no second event
    outcome3 = service.run_plan(second, trust=trust, env=env)
    service.apply_outcome(
        session, plan=second, outcome=outcome3, actor=Actor(None, "x", "bidder"), now=clock.now(), env=env
    )
    session.commit()
    assert isinstance(plan(), OpeningBid)  # a new handover for an opened bid is a no-op
    events = session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.tag == "opening:bid:decrypt")
    )
    assert events.scalar() == 1
    for name in ("bidder.zy", "bidder.three"):
        client.post(
            f"/api/v1/sections/{hall.code}/opening/keys", headers=headers(client, name), json=handover(hall, name)
        )
    clock.advance(minutes=6)
    assert platform.chronograph.tick().ran.get("opening.advance") == 1
    assert platform.chronograph.tick().total == 0  # re-running the tick changes nothing
    opening = _opening(session, hall)
    first_record = opening.record_json
    documents.draw_up(session, opening, now=clock.now(), key=platform.key)  # re-running the step: same record
    assert opening.record_json == first_record and opening.status == "recorded"
    results = {r.number: r.status for r in session.execute(select(OpeningBid)).scalars()}
    assert set(results.values()) == {"decrypted"} and len(results) == 3
