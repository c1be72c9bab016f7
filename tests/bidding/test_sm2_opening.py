"""国密 end to end: with ``GGZY_OPENING_KEY_ALGORITHM=sm2`` the key ceremony makes an SM2 opening key, certified by
the platform and split among the custodians; ggzy-client seals bids with SM4 and SM2 key transport; at the
opening a bidder with an SM2 certificate hands over its own content key, and two custodians rebuild the SM2
opening key and open the bid of a bidder who did not."""

from __future__ import annotations

import datetime as dt
import json
import sys
import types
from pathlib import Path

import pytest
from sqlalchemy import select

from ggzy.audit.models import AuditEvent
from ggzy.auth import service as auth
from ggzy.auth.models import Account
from ggzy.bidding import ceremony
from ggzy.bidding.models import CustodianShare, OpeningKey
from ggzy.client.api import content_algorithm
from ggzy.demo import demo_custodian_key
from ggzy.kit.actor import SYSTEM
from ggzy.kit.errors import ConfigError
from ggzy.kit.settings import load_settings
from ggzy.opening.models import Opening, OpeningBid
from ggzy.pki import envelope, sharing
from ggzy.pki import service as pki
from ggzy.pki.certs import certificate_from_der, load_certificate
from ggzy.pki.keys import KeyAlgorithm, generate_private_key, load_private_key, wrap_private_key
from ggzy.pki.models import CertificateBinding
from ggzy.pki.validation import check_issued_by
from opening.conftest import FORMS as OPENING_FORMS
from opening.conftest import Bidder, Hall, client_for, custodian_handover, handover, headers, to_deadline
from support import demo_certificates, entity_account, key_and_cert, new_entity, publish_section

sys.path.insert(0, str(Path(__file__).parents[1] / "pki"))
import material as pki_material  # noqa: E402  (the OpenSSL-made SM2 CA of the PKI tests)

SM2_BIDDER, SM2_ORG = "bidder.sm2", "贵州国密示例建设有限公司"
FORMS = {
    SM2_BIDDER: {
        "price_fen": 46_800_000_00,
        "duration_days": 350,
        "quality": "优良",
        "key_terms": {"项目经理": "孙工"},
    },
    "bidder.gy": OPENING_FORMS["bidder.gy"],
    "bidder.zy": OPENING_FORMS["bidder.zy"],
}


@pytest.fixture(scope="module")
def sm2_ca(tmp_path_factory) -> pki_material.Material:
    return pki_material.generate(tmp_path_factory.mktemp("sm2-material"))


@pytest.fixture
def sm2(monkeypatch):
    monkeypatch.setenv("GGZY_OPENING_KEY_ALGORITHM", "sm2")


@pytest.fixture
def certs(session, clock, tmp_path, sm2_ca) -> Path:
    """The demo bidders' certificates, and bidder.sm2 with an SM2 certificate from the SM2 test CA (trusted)."""
    directory = demo_certificates(session, clock, tmp_path)
    now = clock.now()
    pki.add_ca(
        session,
        actor=SYSTEM,
        now=now,
        certificate=sm2_ca.read("sm2-ca.pem"),
        name="国密测试 CA",
        crl=sm2_ca.read("sm2-ca.crl"),
    )
    home = auth.get_account(session, "bidder.gy").home_center_id
    entity = new_entity(session, now, SM2_ORG, home, legal_represent="孙七")
    account = entity_account(session, now, entity, SM2_BIDDER)
    leaf = load_certificate(sm2_ca.read("sm2-leaf.pem"))
    pki.bind_certificate(
        session, actor=SYSTEM, now=now, account=account, certificate=leaf, trust=pki.current_trust_list(session)
    )
    (directory / f"{SM2_BIDDER}.key.pem").write_bytes(sm2_ca.read("sm2-leaf.key"))
    (directory / f"{SM2_BIDDER}.cert.pem").write_bytes(sm2_ca.read("sm2-leaf.pem"))
    session.commit()
    return directory


def _key_row(session, section_id: int) -> OpeningKey:
    return session.execute(select(OpeningKey).where(OpeningKey.section_id == section_id)).scalar_one()


def _recombined(session, row: OpeningKey, indexes: tuple[int, ...]):
    """What the custodians holding ``indexes`` rebuild: each opens its sealed share with its own key."""
    shares = []
    for stored in session.execute(select(CustodianShare).where(CustodianShare.opening_key_id == row.id)).scalars():
        if stored.share_index not in indexes:
            continue
        binding = session.execute(
            select(CertificateBinding).where(CertificateBinding.fingerprint == stored.certificate_fingerprint)
        ).scalar_one()
        username = session.get(Account, stored.account_id).username
        key = wrap_private_key(demo_custodian_key(username))
        shares.append(sharing.decrypt_share(stored.encrypted_share, key, certificate_from_der(binding.certificate_der)))
    return load_private_key(sharing.combine(shares, expected_split=row.split_fingerprint))


# --- the setting --------------------------------------------------------------------------------------------


def test_the_opening_key_algorithm_is_p256_unless_the_platform_says_sm2():
    assert load_settings({}).opening_key_algorithm == "p256"
    assert load_settings({"GGZY_OPENING_KEY_ALGORITHM": "sm2"}).opening_key_algorithm == "sm2"
    assert load_settings({"GGZY_OPENING_KEY_ALGORITHM": "SM2"}).opening_key_algorithm == "sm2"
    with pytest.raises(ConfigError, match="GGZY_OPENING_KEY_ALGORITHM"):
        load_settings({"GGZY_OPENING_KEY_ALGORITHM": "rsa"})


def test_a_bid_to_an_sm2_opening_key_is_sealed_with_sm4_and_other_bids_keep_the_requested_cipher(platform_key):
    section = types.SimpleNamespace(code="E5201000000001001", bid_deadline=dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
    now = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)

    def opening(kind: KeyAlgorithm):
        der = ceremony.opening_certificate(generate_private_key(kind).public_key(), section, platform_key, now)
        return certificate_from_der(der)

    sm2_cert, p256_cert = opening(KeyAlgorithm.SM2), opening(KeyAlgorithm.ECDSA_P256)
    assert [content_algorithm(sm2_cert, a) for a in (None, "aes-256-gcm", "aes-128-cbc", "sm4-cbc")] == [
        "sm4-gcm",
        "sm4-gcm",
        "sm4-cbc",
        "sm4-cbc",
    ]
    assert [content_algorithm(p256_cert, a) for a in (None, "aes-256-cbc", "sm4-gcm")] == [
        "aes-256-gcm",
        "aes-256-cbc",
        "sm4-gcm",
    ]


# --- the ceremony -------------------------------------------------------------------------------------------


def test_the_ceremony_makes_an_sm2_opening_key_certified_by_the_platform_and_split_among_the_custodians(
    sm2, session, clock, platform, client, certs
):
    section = publish_section(session, clock, platform, name="国密开标密钥工程")
    row = _key_row(session, section.id)
    cert = certificate_from_der(row.certificate_der)
    assert row.algorithm == "sm2" and cert.algorithm is KeyAlgorithm.SM2
    assert cert.key_usage == {"key_encipherment", "key_agreement"} and not cert.is_ca
    assert section.code in cert.subject_text
    assert check_issued_by(cert, load_certificate(platform.key.cert_pem().encode())) == "ok"
    # the client takes it as the platform's opening key for this section
    with client_for(client, "bidder.gy") as c:
        assert c.opening_certificate(section.code).fingerprint == cert.fingerprint
    # any two custodians rebuild the SM2 key of this very certificate; nobody kept it
    for pair in ((1, 2), (2, 3), (1, 3)):
        private = _recombined(session, row, pair)
        assert private.algorithm is KeyAlgorithm.SM2 and private.public_key().spki == cert.public_key.spki
    event = session.execute(
        select(AuditEvent).where(AuditEvent.tag == "bidding:opening_key:created", AuditEvent.subject_id == section.code)
    ).scalar_one()
    assert json.loads(event.payload)["algorithm"] == "sm2"


def test_without_the_setting_the_opening_key_stays_p256(monkeypatch, session, clock, platform, certs):
    monkeypatch.delenv("GGZY_OPENING_KEY_ALGORITHM", raising=False)
    section = publish_section(session, clock, platform, name="默认开标密钥工程")
    row = _key_row(session, section.id)
    assert row.algorithm == "ec-p256"
    assert certificate_from_der(row.certificate_der).algorithm is KeyAlgorithm.ECDSA_P256
    assert _recombined(session, row, (1, 2)).algorithm is KeyAlgorithm.ECDSA_P256


# --- the whole path -----------------------------------------------------------------------------------------


def _bid(client, hall: Hall, username: str, certs: Path, tmp_path: Path) -> envelope.EnvelopeInfo:
    key, cert = key_and_cert(certs, username)
    folder = tmp_path / username
    folder.mkdir()
    (folder / "技术标.pdf").write_bytes(b"%PDF-1.4\n" + username.encode() * 400)
    with client_for(client, username) as c:
        c.load_identity(key, cert)
        made = c.build_bid(hall.code, FORMS[username], [folder / "技术标.pdf"], folder / "bid.p7m")
        submitted = c.submit_bid(hall.code, folder / "bid.p7m", chunk_size=1 << 16)
    assert made["algorithm"] == "sm4-gcm"
    hall.bidders[username] = Bidder(username, key, cert, submitted["number"], folder / "bid.p7m")
    return envelope.parse_envelope((folder / "bid.p7m").read_bytes())


def _opening(session, hall: Hall) -> Opening:
    session.expire_all()
    return session.execute(select(Opening).where(Opening.section_id == hall.section_id)).scalar_one()


def test_sm2_sealed_bids_are_opened_by_their_bidders_and_by_two_custodians_with_the_rebuilt_sm2_key(
    sm2, client, session, clock, platform, certs, tmp_path
):
    section = publish_section(session, clock, platform, name="国密加密投标工程")
    hall = Hall(section.code, section.id)
    infos = {name: _bid(client, hall, name, certs, tmp_path) for name in FORMS}
    # SM4 content; the opening key and the bidder's own certificate as recipients, each in its own algorithm
    own = {SM2_BIDDER: "sm2", "bidder.gy": "rsa_oaep", "bidder.zy": "ecdh_p256"}
    for name, info in infos.items():
        assert info.content_algorithm == "sm4-gcm"
        assert sorted(r.key_algorithm for r in info.recipients) == sorted(["sm2", own[name]])

    to_deadline(platform, clock)
    for name in FORMS:
        r = client.post(f"/api/v1/sections/{hall.code}/opening/roll-call", headers=headers(client, name))
        assert r.status_code == 200, r.text
    assert _opening(session, hall).status == "decrypting"
    # the SM2 bidder unwraps its own copy with its SM2 key and hands the SM4 key over; so does bidder.gy
    for name in (SM2_BIDDER, "bidder.gy"):
        r = client.post(
            f"/api/v1/sections/{hall.code}/opening/keys", headers=headers(client, name), json=handover(hall, name)
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "decrypted"

    # bidder.zy never comes back: after the decryption window two custodians open its bid
    clock.advance(minutes=31)
    platform.chronograph.tick()
    assert _opening(session, hall).status == "custodians"
    for index in (1, 3):
        username, body = custodian_handover(session, hall, index)
        r = client.post(f"/api/v1/sections/{hall.code}/opening/shares", headers=headers(client, username), json=body)
        assert r.status_code == 200, r.text
    assert _opening(session, hall).status == "objections"
    rows = {b.number: b for b in session.execute(select(OpeningBid)).scalars()}
    assert rows[hall.bidders["bidder.zy"].number].status == "opened_by_custodians"
    assert rows[hall.bidders["bidder.zy"].number].price_fen == 47_500_000_00
    assert rows[hall.bidders[SM2_BIDDER].number].status == "decrypted"
    assert rows[hall.bidders[SM2_BIDDER].number].price_fen == 46_800_000_00

    # the rebuilt SM2 opening key opens the SM2 bidder's envelope too (SM2 key transport on both recipients)
    row = _key_row(session, section.id)
    rebuilt = _recombined(session, row, (2, 3))
    b = hall.bidders[SM2_BIDDER]
    sealed = b.envelope.read_bytes()
    by_custodians = envelope.open_envelope(sealed, rebuilt, certificate_from_der(row.certificate_der))
    by_bidder = envelope.open_envelope(
        sealed, load_private_key(b.key.read_bytes()), load_certificate(b.cert.read_bytes())
    )
    assert by_custodians == by_bidder and by_custodians.startswith(b"PK")


def test_an_sm2_section_refuses_a_bid_whose_content_is_not_sm4(sm2, client, session, clock, platform, certs, tmp_path):
    """国密 end to end: an envelope made by hand to the SM2 opening key with AES content is refused, nothing kept."""
    from ggzy.bidding.models import Bid
    from ggzy.client.api import ClientError

    section = publish_section(session, clock, platform, name="国密内容算法工程")
    key, cert = key_and_cert(certs, "bidder.gy")
    with client_for(client, "bidder.gy") as c:
        c.load_identity(key, cert)
        opening_cert = c.opening_certificate(section.code)
        path = tmp_path / "aes.p7m"
        with path.open("wb") as out:
            envelope.encrypt(
                b"%PDF-1.4 aes bid", [opening_cert, c.identity.certificate], algorithm="aes-256-gcm", out=out
            )
        try:
            c.submit_bid(section.code, path, chunk_size=1 << 16)
        except ClientError as exc:
            assert exc.code == "bidding.sm4_required" and "SM4" in exc.message
        else:
            raise AssertionError("an AES envelope to an SM2 opening key was accepted")
    session.expire_all()
    assert session.execute(select(Bid).where(Bid.section_id == section.id)).scalars().all() == []


def test_the_bid_page_of_an_sm2_section_says_sm4_and_does_not_offer_openssl(
    sm2, client, session, clock, platform, certs
):
    section = publish_section(session, clock, platform, name="国密投标页面工程")
    page = client.get(f"/sections/{section.code}/bid", headers=headers(client, "bidder.gy"))
    assert page.status_code == 200 and "SM2（国密），投标内容须用 SM4 加密" in page.text
    assert "openssl cms -encrypt -binary" not in page.text and "不能生成 SM2 数字信封" in page.text


@pytest.mark.parametrize(("national", "cipher"), [(False, "aes-256-gcm"), (True, "sm4-gcm")])
def test_ggzy_client_bid_build_picks_the_cipher_from_the_opening_key(
    monkeypatch, client, session, clock, platform, certs, tmp_path, national, cipher
):
    from typer.testing import CliRunner

    from ggzy.client import cli

    if national:
        monkeypatch.setenv("GGZY_OPENING_KEY_ALGORITHM", "sm2")
    section = publish_section(session, clock, platform, name=f"命令行加密{cipher}工程")
    key, cert = key_and_cert(certs, "bidder.gy")
    (tmp_path / "bid.json").write_text(json.dumps(FORMS["bidder.gy"] | {"section": section.code}), encoding="utf-8")
    (tmp_path / "技术标.pdf").write_bytes(b"%PDF-1.4 cli")
    monkeypatch.setattr(cli, "_client", lambda: client_for(client, "bidder.gy"))
    args = ["bid", "build", "--section", section.code, "--form", str(tmp_path / "bid.json")]
    args += ["--files", str(tmp_path / "技术标.pdf"), "--out", str(tmp_path / "bid.p7m"), "--key", str(key)]
    r = CliRunner().invoke(cli.app, [*args, "--cert", str(cert)])
    assert r.exit_code == 0 and f"（{cipher}，" in r.output, r.output
    assert envelope.parse_envelope((tmp_path / "bid.p7m").read_bytes()).content_algorithm == cipher
