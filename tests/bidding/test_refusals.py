"""Every refusal has a clear reason and keeps nothing: unencrypted, wrong key, bad/missing signature, signer not
bound, no deposit, one millisecond late, truncated upload, size or hash mismatch; the missing-custodian
publication; expired uploads cleaned by the chronograph."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import delete, func, select

from ggzy.bidding import service
from ggzy.bidding.models import Bid, Custodian
from ggzy.kit.errors import ValidationFailed
from ggzy.projects.rulesets import DepositForm
from support import DEADLINE, key_and_cert, publish_section, token

from .conftest import complete, give_guarantee, opening_pem, openssl_envelope, openssl_sign, upload


def _bids(session) -> int:
    return session.execute(select(func.count(Bid.id))).scalar_one()


def _try(client, tender, tmp_path, certs, data: bytes, *, username="bidder.gy", sign_with="bidder.gy"):
    key, cert = key_and_cert(certs, sign_with)
    h = token(client, username)
    tok = upload(client, h, tender.code, data)
    return complete(
        client, h, tender.code, tok, openssl_sign(tmp_path, hashlib.sha256(data).hexdigest().encode(), key, cert)
    )


def _good(client, tender, tmp_path, certs, username="bidder.gy") -> bytes:
    _, cert = key_and_cert(certs, username)
    return openssl_envelope(tmp_path, b"bid", opening_pem(client, tender.code, tmp_path), cert)


def test_an_unencrypted_upload_is_refused_with_the_e9_prompt(client, session, tender, certs, tmp_path):
    r = _try(client, tender, tmp_path, certs, b"PK\x03\x04 plain zip")
    assert r.status_code == 422 and r.json()["code"] == "bidding.not_encrypted" and "加密" in r.json()["message"]
    assert _bids(session) == 0


def test_an_envelope_to_the_wrong_key_is_refused(client, session, tender, certs, tmp_path):
    _, cert = key_and_cert(certs, "bidder.gy")
    r = _try(client, tender, tmp_path, certs, openssl_envelope(tmp_path, b"bid", cert))
    assert r.status_code == 422 and r.json()["code"] == "bidding.wrong_key"
    assert _bids(session) == 0


def test_a_signature_over_other_content_or_none_is_refused(client, session, tender, certs, tmp_path):
    key, cert = key_and_cert(certs, "bidder.gy")
    data, h = _good(client, tender, tmp_path, certs), token(client, "bidder.gy")
    tok = upload(client, h, tender.code, data)
    bad = complete(client, h, tender.code, tok, openssl_sign(tmp_path, b"something else", key, cert))
    assert bad.status_code == 422 and bad.json()["code"] == "bidding.bad_signature"
    assert complete(client, h, tender.code, tok, b"").json()["code"] == "bidding.no_signature"
    assert complete(client, h, tender.code, tok, b"garbage").json()["code"] == "bidding.bad_signature"
    assert _bids(session) == 0


def test_a_signer_not_bound_to_the_submitting_account_is_refused(client, session, tender, certs, tmp_path):
    r = _try(client, tender, tmp_path, certs, _good(client, tender, tmp_path, certs), sign_with="bidder.zy")
    assert r.status_code == 422 and r.json()["code"] == "bidding.signer_not_bound"
    assert _bids(session) == 0


def test_no_deposit_no_bid_and_a_received_guarantee_makes_it_eligible(
    client, session, clock, platform, certs, tmp_path
):
    section = publish_section(
        session, clock, platform, name="保证金工程", deposit_fen=100_000_00, forms={DepositForm.BANK_GUARANTEE}
    )
    h = token(client, "bidder.gy")
    r = client.post(f"/api/v1/sections/{section.code}/uploads", headers=h, json={"size": 10, "sha256": "0" * 64})
    assert r.status_code == 422 and r.json()["code"] == "bidding.not_eligible"
    give_guarantee(session, section, "bidder.gy", clock.now())

    class T:
        code = section.code

    data = _good(client, T, tmp_path, certs)
    assert _try(client, T, tmp_path, certs, data).status_code == 201


def test_it_rejects_a_bid_one_millisecond_after_the_deadline(client, session, clock, tender, certs, tmp_path):
    clock.set(DEADLINE - dt.timedelta(minutes=1))
    data, h = _good(client, tender, tmp_path, certs), token(client, "bidder.gy")
    key, cert = key_and_cert(certs, "bidder.gy")
    tok = upload(client, h, tender.code, data)
    sig = openssl_sign(tmp_path, hashlib.sha256(data).hexdigest().encode(), key, cert)
    clock.set(DEADLINE + dt.timedelta(milliseconds=1))
    r = complete(client, h, tender.code, tok, sig)
    assert r.status_code == 422 and r.json()["code"] == "bidding.late"
    assert _bids(session) == 0


def test_it_accepts_a_bid_one_millisecond_before_the_deadline(client, clock, tender, certs, tmp_path):
    clock.set(DEADLINE - dt.timedelta(minutes=1))
    data, h = _good(client, tender, tmp_path, certs), token(client, "bidder.gy")
    key, cert = key_and_cert(certs, "bidder.gy")
    tok = upload(client, h, tender.code, data)
    clock.set(DEADLINE - dt.timedelta(milliseconds=1))
    r = complete(
        client, h, tender.code, tok, openssl_sign(tmp_path, hashlib.sha256(data).hexdigest().encode(), key, cert)
    )
    assert r.status_code == 201, r.text
    assert r.json()["receipts"][0]["receipt"]["time"] == "2026-11-23T01:29:59.999+00:00"


def test_a_truncated_upload_is_not_a_bid_and_can_be_resumed(client, session, tender, certs, tmp_path):
    key, cert = key_and_cert(certs, "bidder.gy")
    data, h = _good(client, tender, tmp_path, certs), token(client, "bidder.gy")
    tok = upload(client, h, tender.code, data[:100], declared=len(data), sha256=hashlib.sha256(data).hexdigest())
    sig = openssl_sign(tmp_path, hashlib.sha256(data).hexdigest().encode(), key, cert)
    r = complete(client, h, tender.code, tok, sig)
    assert r.status_code == 422 and r.json()["code"] == "bidding.incomplete"
    status = client.get(f"/api/v1/sections/{tender.code}/uploads/{tok}", headers=h).json()
    assert status["received"] == 100
    gap = client.put(
        f"/api/v1/sections/{tender.code}/uploads/{tok}",
        headers={**h, "content-range": f"bytes 200-{len(data) - 1}/{len(data)}"},
        content=data[200:],
    )
    assert gap.status_code == 409 and gap.json()["detail"]["received"] == 100
    rest = client.put(
        f"/api/v1/sections/{tender.code}/uploads/{tok}",
        headers={**h, "content-range": f"bytes 100-{len(data) - 1}/{len(data)}"},
        content=data[100:],
    )
    assert rest.json()["received"] == len(data)
    assert complete(client, h, tender.code, tok, sig).status_code == 201


def test_a_size_or_hash_mismatch_is_refused(client, session, tender, certs, tmp_path):
    data, h = _good(client, tender, tmp_path, certs), token(client, "bidder.gy")
    key, cert = key_and_cert(certs, "bidder.gy")
    tok = upload(client, h, tender.code, data, sha256="a" * 64)
    r = complete(client, h, tender.code, tok, openssl_sign(tmp_path, b"x", key, cert))
    assert r.status_code == 422 and r.json()["code"] == "bidding.hash_mismatch"
    over = client.put(
        f"/api/v1/sections/{tender.code}/uploads/{tok}",
        headers={**h, "content-range": f"bytes {len(data)}-{len(data) + 5}/{len(data) + 6}"},
        content=b"123456",
    )
    assert over.status_code == 422 and over.json()["code"] == "bidding.bad_range"
    assert _bids(session) == 0


def test_publication_fails_when_no_custodians_are_configured(session, clock, platform, certs):
    session.execute(delete(Custodian))
    with pytest.raises(ValidationFailed) as err:
        publish_section(session, clock, platform, name="无保管人工程")
    assert err.value.code == "bidding.no_custodians" and "保管人" in err.value.message
    session.rollback()


def test_an_upload_never_completed_expires_and_its_file_is_deleted(
    client, session, clock, platform, tender, certs, tmp_path
):
    data, h = _good(client, tender, tmp_path, certs), token(client, "bidder.gy")
    tok = upload(client, h, tender.code, data[:50], declared=len(data))
    upload_dir = platform.settings.data_dir / "uploads"
    assert service.upload_path(upload_dir, tok).exists()
    clock.advance(hours=25)
    ran = platform.chronograph.tick()
    assert ran.ran.get("bidding.expired_uploads") == 1
    assert not service.upload_path(upload_dir, tok).exists() and _bids(session) == 0
    h = token(client, "bidder.gy")
    assert client.get(f"/api/v1/sections/{tender.code}/uploads/{tok}", headers=h).status_code == 409
