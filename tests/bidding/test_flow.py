"""The whole submission: envelopes made by ggzy-client and by ``openssl cms -encrypt`` are receipted; the
receipt's platform signature checks; the opening key (rebuilt by two custodians) and the bidder's own key both
open what was stored; replacement and withdrawal until the deadline."""

from __future__ import annotations

import base64
import hashlib
import io
import json

from sqlalchemy import select

from ggzy.bidding.models import Bid, CustodianShare, OpeningKey, Receipt
from ggzy.bidding.package import build_package, read_package
from ggzy.client.api import GgzyClient
from ggzy.demo import demo_custodian_key
from ggzy.kit.blobs import BlobStore
from ggzy.pki import envelope, sharing
from ggzy.pki.certs import certificate_from_der, load_certificate
from ggzy.pki.cms import sign_detached
from ggzy.pki.documents import verify_document
from ggzy.pki.keys import load_private_key, wrap_private_key
from ggzy.pki.models import CertificateBinding
from support import key_and_cert, token

from .conftest import FORM, complete, opening_pem, openssl_envelope, openssl_sign, upload


def _client(client, username):
    c = GgzyClient("http://testserver", transport=client._transport, token=token(client, username)["authorization"][7:])
    return c


def _rebuild_opening_key(session, section_id):
    """What two custodians do at the opening: decrypt their shares with their own keys and combine them."""
    row = session.execute(select(OpeningKey).where(OpeningKey.section_id == section_id)).scalar_one()
    shares = session.execute(select(CustodianShare).where(CustodianShare.opening_key_id == row.id)).scalars().all()
    opened = []
    for s in shares[:2]:
        binding = session.execute(
            select(CertificateBinding).where(CertificateBinding.fingerprint == s.certificate_fingerprint)
        ).scalar_one()
        from ggzy.auth.models import Account

        username = session.get(Account, s.account_id).username
        key = wrap_private_key(demo_custodian_key(username))
        opened.append(sharing.decrypt_share(s.encrypted_share, key, certificate_from_der(binding.certificate_der)))
    secret = sharing.combine(opened, expected_split=row.split_fingerprint)
    return load_private_key(secret), certificate_from_der(row.certificate_der)


def test_a_bid_built_by_ggzy_client_is_receipted_and_opens_with_the_bidders_key_and_the_custodians(
    client, session, tender, certs, tmp_path, platform
):
    key, cert = key_and_cert(certs, "bidder.zy")
    (tmp_path / "技术标.pdf").write_bytes(b"%PDF-1.4 technical" * 1000)
    with _client(client, "bidder.zy") as c:
        c.load_identity(key, cert)
        made = c.build_bid(tender.code, FORM, [tmp_path / "技术标.pdf"], tmp_path / "bid.p7m")
        bid = c.submit_bid(tender.code, tmp_path / "bid.p7m", chunk_size=4096)
        receipt = bid["receipts"][0]
        assert c.verify_receipt(receipt, now=platform.clock.now()).valid
    content = json.loads(receipt["content"])
    assert content["action"] == "submitted" and content["section"] == tender.code
    assert content["ciphertext"]["sha256"] == made["sha256"] and content["ciphertext"]["size"] == made["size"]
    assert content["ciphertext"]["sm3"] == hashlib.new("sm3", (tmp_path / "bid.p7m").read_bytes()).hexdigest()
    assert content["time"] == "2026-11-02T01:30:00.000+00:00" and "遵义" not in receipt["content"]
    assert verify_document(
        receipt["content"].encode(), base64.b64decode(receipt["signature"]), platform.key, now=platform.clock.now()
    ).valid
    stored = b"".join(BlobStore(platform.settings.blob_dir).open(made["sha256"]))
    assert stored == (tmp_path / "bid.p7m").read_bytes()
    # the bidder opens it with its own key …
    own = envelope.open_envelope(stored, load_private_key(key.read_bytes()), load_certificate(cert.read_bytes()))
    package = read_package(own)
    assert package.form["price_fen"] == FORM["price_fen"] and package.files[0].name == "技术标.pdf"
    # … and two custodians together open it with the opening key
    opening_key, opening_cert = _rebuild_opening_key(session, tender.section.id)
    assert envelope.open_envelope(stored, opening_key, opening_cert) == own


def test_an_envelope_made_with_openssl_cms_encrypt_is_accepted(client, tender, certs, tmp_path, platform):
    key, cert = key_and_cert(certs, "bidder.gy")
    opening = opening_pem(client, tender.code, tmp_path)
    identity_key, identity_cert = load_private_key(key.read_bytes()), load_certificate(cert.read_bytes())
    plain = io.BytesIO()
    build_package({**FORM, "section": tender.code}, [], lambda m: sign_detached(m, identity_cert, identity_key), plain)
    data = openssl_envelope(tmp_path, plain.getvalue(), opening, cert)
    h = token(client, "bidder.gy")
    tok = upload(client, h, tender.code, data, chunk=777)
    signature = openssl_sign(tmp_path, hashlib.sha256(data).hexdigest().encode(), key, cert)
    r = complete(client, h, tender.code, tok, signature)
    assert r.status_code == 201, r.text
    assert json.loads(r.json()["receipts"][0]["content"])["ciphertext"]["content_algorithm"] == "aes-256-gcm"
    mine = client.get(f"/api/v1/sections/{tender.code}/bids/mine", headers=h).json()
    assert [b["status"] for b in mine] == ["submitted"]


def test_a_signature_over_the_whole_small_envelope_is_accepted_too(client, tender, certs, tmp_path):
    key, cert = key_and_cert(certs, "bidder.gy")
    data = openssl_envelope(tmp_path, b"PK whatever", opening_pem(client, tender.code, tmp_path), cert)
    h = token(client, "bidder.gy")
    tok = upload(client, h, tender.code, data)
    r = complete(client, h, tender.code, tok, openssl_sign(tmp_path, data, key, cert))
    assert r.status_code == 201, r.text


def test_replacement_supersedes_and_withdrawal_keeps_the_record_each_with_a_receipt(
    client, session, tender, certs, tmp_path
):
    key, cert = key_and_cert(certs, "bidder.gy")
    opening = opening_pem(client, tender.code, tmp_path)
    h = token(client, "bidder.gy")
    numbers = []
    for text in (b"first", b"second"):
        data = openssl_envelope(tmp_path, text, opening, cert)
        tok = upload(client, h, tender.code, data)
        r = complete(
            client, h, tender.code, tok, openssl_sign(tmp_path, hashlib.sha256(data).hexdigest().encode(), key, cert)
        )
        assert r.status_code == 201, r.text
        numbers.append(r.json()["number"])
    second = json.loads(r.json()["receipts"][0]["content"])
    assert second["action"] == "replaced" and second["supersedes"] == numbers[0]
    w = client.post(f"/api/v1/sections/{tender.code}/bids/{numbers[1]}/withdraw", headers=h)
    assert w.status_code == 200, w.text
    assert w.json()["receipt"]["action"] == "withdrawn"
    again = client.post(f"/api/v1/sections/{tender.code}/bids/{numbers[1]}/withdraw", headers=h)
    assert again.status_code == 409
    mine = client.get(f"/api/v1/sections/{tender.code}/bids/mine", headers=h).json()
    assert [(b["number"], b["status"]) for b in mine] == [(numbers[1], "withdrawn"), (numbers[0], "superseded")]
    assert session.execute(select(Receipt).join(Bid).where(Bid.number.in_(numbers))).scalars().all().__len__() == 3
