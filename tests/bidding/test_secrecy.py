"""Before the opening nobody but the bidder itself learns who has submitted or how many — by any route or page —
and the operator with the whole database and blob store cannot read a bid: the opening private key is nowhere."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select, text

from ggzy.audit.service import _CONFIDENTIAL
from ggzy.auth.models import Account
from ggzy.bidding.models import CustodianShare, OpeningKey
from ggzy.demo import demo_custodian_key
from ggzy.pki import envelope, sharing
from ggzy.pki.certs import certificate_from_der
from ggzy.pki.keys import load_private_key, wrap_private_key
from ggzy.pki.models import CertificateBinding
from support import key_and_cert, token

from .conftest import complete, opening_pem, openssl_envelope, openssl_sign, upload

PERSONAS = [
    None,
    "tenderee.gy",
    "gy.staff",
    "gz.admin",
    "reg.housing",
    "admin",
    "expert.one",
    "bidder.zy",
    "keeper.center",
    "keeper.regulator",
    "keeper.notary",
]


@pytest.fixture
def submitted(client, tender, certs, tmp_path):
    key, cert = key_and_cert(certs, "bidder.gy")
    data = openssl_envelope(tmp_path, b"secret bid", opening_pem(client, tender.code, tmp_path), cert)
    h = token(client, "bidder.gy")
    tok = upload(client, h, tender.code, data)
    r = complete(
        client, h, tender.code, tok, openssl_sign(tmp_path, hashlib.sha256(data).hexdigest().encode(), key, cert)
    )
    assert r.status_code == 201, r.text
    return r.json()


def _routes(code: str, number: str, receipt: str) -> list[tuple[str, str]]:
    return [
        ("GET", f"/api/v1/sections/{code}/bids/mine"),
        ("GET", f"/api/v1/bid-receipts/{receipt}"),
        ("POST", f"/api/v1/sections/{code}/bids/{number}/withdraw"),
        ("GET", f"/sections/{code}/bid"),
        ("GET", "/api/v1/audit/events?limit=500"),
    ]


@pytest.mark.parametrize("who", PERSONAS)
def test_no_one_but_the_bidder_learns_who_or_how_many_submitted(client, tender, submitted, who):
    headers = token(client, who) if who else {}
    number, receipt = submitted["number"], submitted["receipts"][0]["number"]
    entity_name = "贵州黔筑示范建设工程有限公司"
    for method, path in _routes(tender.code, number, receipt):
        r = client.request(method, path, headers=headers)
        body = r.text
        assert number not in body and receipt not in body and submitted["sha256"] not in body, (who, path)
        # the audit log names entities for other reasons (registration, certificates): not a bidding fact
        assert "audit/events" in path or entity_name not in body, (who, path)
        if path.endswith("/bids/mine") and r.status_code == 200:
            assert r.json() == []
        if "audit/events" in path and r.status_code == 200:
            assert not [e for e in r.json()["items"] if e["tag"].startswith(("bidding:bid:", "bidding:upload:"))], who
    for path in (f"/api/v1/tender-projects/{tender.section.code[:-3]}", f"/sections/{tender.code}/bid"):
        assert "bidding_bids" not in client.get(path, headers=headers).text


def test_the_bidder_sees_its_own_submission(client, tender, submitted):
    h = token(client, "bidder.gy")
    mine = client.get(f"/api/v1/sections/{tender.code}/bids/mine", headers=h).json()
    assert [b["number"] for b in mine] == [submitted["number"]]
    page = client.get(f"/sections/{tender.code}/bid", headers=h)
    assert page.status_code == 200 and submitted["number"] in page.text and "下载开标密钥证书" in page.text


def test_every_bidding_event_is_confidential():
    assert {"bidding:bid:submitted", "bidding:bid:replaced", "bidding:bid:withdrawn", "bidding:upload:started"} <= (
        _CONFIDENTIAL
    )


def _all_bytes(session) -> list[bytes]:
    """Every value of every column of every table, as bytes: what an operator with the database has."""
    out = []
    for table in sa_inspect(session.get_bind()).get_table_names():
        for row in session.execute(text(f'SELECT * FROM "{table}"')):
            for v in row:
                if isinstance(v, bytes | memoryview):
                    out.append(bytes(v))
                elif v is not None:
                    out.append(str(v).encode())
    return out


def test_the_operator_with_the_whole_database_and_blob_store_cannot_read_a_bid(
    client, session, platform, tender, submitted, tmp_path
):
    row = session.execute(select(OpeningKey).where(OpeningKey.section_id == tender.section.id)).scalar_one()
    # Reconstruct the key as two custodians would, only to know what to look for.
    shares = session.execute(select(CustodianShare).where(CustodianShare.opening_key_id == row.id)).scalars().all()
    opened = []
    for s in shares[:2]:
        der = session.execute(
            select(CertificateBinding.certificate_der).where(
                CertificateBinding.fingerprint == s.certificate_fingerprint
            )
        ).scalar_one()
        name = session.get(Account, s.account_id).username
        opened.append(
            sharing.decrypt_share(
                s.encrypted_share, wrap_private_key(demo_custodian_key(name)), certificate_from_der(der)
            )
        )
    pkcs8 = sharing.combine(opened, expected_split=row.split_fingerprint)
    key = load_private_key(pkcs8)
    scalar = key.impl.private_numbers().private_value.to_bytes(32, "big")
    needles = [pkcs8, scalar, scalar.hex().encode(), pkcs8.hex().encode()]
    import base64

    needles += [base64.b64encode(pkcs8), base64.b64encode(scalar)]
    for value in _all_bytes(session):
        assert not any(n in value for n in needles)
    for path in platform.settings.data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(n in data for n in needles), path
    # one share alone (what any single custodian, or the operator with one custodian, has) does not combine
    with pytest.raises(sharing.ShareError):
        sharing.combine(opened[:1])
    # the stored ciphertext opens only with the reconstructed key — not with the platform key
    blob = next(p for p in platform.settings.blob_dir.rglob(submitted["sha256"]))
    cert = certificate_from_der(row.certificate_der)
    assert envelope.open_envelope(blob.read_bytes(), key, cert) == b"secret bid"
    from ggzy.pki.documents import platform_signer

    with pytest.raises(envelope.EnvelopeError):
        envelope.open_envelope(blob.read_bytes(), platform_signer(platform.key)[0], cert)
    assert "PRIVATE" not in client.get(f"/api/v1/sections/{tender.code}/opening-key.pem").text
