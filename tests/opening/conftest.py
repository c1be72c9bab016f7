"""A published section with three bidders holding bound CA certificates (bidder.gy RSA, bidder.zy ECDSA, and a
third, bidder.three, RSA from the same demo CA), bids made by ggzy-client and by ``openssl cms -encrypt``, and
the steps of an opening: deadline, roll call, key handover, custodians' shares."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from bidding.conftest import complete, opening_pem, openssl_envelope, openssl_sign, upload
from ggzy.auth import service as auth
from ggzy.auth.models import Account
from ggzy.bidding.models import CustodianShare, OpeningKey
from ggzy.bidding.package import build_package
from ggzy.client.api import GgzyClient
from ggzy.demo import demo_custodian_key
from ggzy.kit.actor import SYSTEM
from ggzy.opening.handover import key_handover, share_handover
from ggzy.pki import service as pki
from ggzy.pki.certs import certificate_from_der, load_certificate
from ggzy.pki.keys import load_private_key, wrap_private_key
from ggzy.pki.models import CertificateBinding
from support import DEADLINE, demo_certificates, entity_account, key_and_cert, new_entity, publish_section, token

FORMS = {
    "bidder.gy": {
        "price_fen": 48_000_000_00,
        "duration_days": 365,
        "quality": "合格",
        "key_terms": {"项目经理": "张工"},
    },
    "bidder.zy": {
        "price_fen": 47_500_000_00,
        "duration_days": 360,
        "quality": "优良",
        "key_terms": {"项目经理": "李工"},
    },
    "bidder.three": {
        "price_fen": 49_100_000_00,
        "duration_days": 330,
        "quality": "合格",
        "key_terms": {"项目经理": "王工"},
    },
}


@dataclass
class Bidder:
    username: str
    key: Path
    cert: Path
    number: str = ""
    envelope: Path | None = None


@dataclass
class Hall:
    code: str
    section_id: int
    bidders: dict[str, Bidder] = field(default_factory=dict)


def make_bidder(session, clock, certs: Path, username: str, org: str) -> None:
    """An entity with a bidder account and a certificate from the demo RSA CA, bound to the account."""
    now = clock.now()
    e = new_entity(session, now, org, auth.get_account(session, "bidder.gy").home_center_id, legal_represent="赵六")
    account = entity_account(session, now, e, username)
    ca_key = serialization.load_pem_private_key((certs / "ca" / "demo-rsa-ca.key").read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate((certs / "ca" / "demo-rsa-ca.pem").read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org), x509.NameAttribute(NameOID.COMMON_NAME, username)]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    (certs / f"{username}.key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (certs / f"{username}.cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    leaf = load_certificate(cert.public_bytes(serialization.Encoding.PEM))
    pki.bind_certificate(
        session, actor=SYSTEM, now=now, account=account, certificate=leaf, trust=pki.current_trust_list(session)
    )


START = dt.datetime(2026, 11, 2, 1, 30, tzinfo=dt.UTC)


def certs_for(session, clock, tmp_path: Path) -> Path:
    directory = demo_certificates(session, clock, tmp_path)
    make_bidder(session, clock, directory, "bidder.three", "贵州第三示例建设有限公司")
    session.commit()
    return directory


def publish_on(session, clock, platform):
    return publish_section(session, clock, platform, name="开标示例工程")


@pytest.fixture
def certs(session, clock, tmp_path) -> Path:
    return certs_for(session, clock, tmp_path)


def hall_on(section, certs: Path) -> Hall:
    """The hall of a published section, each bidder of FORMS with its key and certificate files in ``certs``."""
    h = Hall(section.code, section.id)
    for name in FORMS:
        key, cert = key_and_cert(certs, name)
        h.bidders[name] = Bidder(name, key, cert)
    return h


@pytest.fixture
def hall(session, clock, platform, certs) -> Hall:
    return hall_on(publish_on(session, clock, platform), certs)


def headers(client, username: str) -> dict[str, str]:
    return token(client, username)


def client_for(client, username: str) -> GgzyClient:
    base = str(getattr(client, "base_url", "http://testserver")).rstrip("/")
    return GgzyClient(base, transport=client._transport, token=token(client, username)["authorization"][7:])


def bid_with_client(client, hall: Hall, username: str, tmp_path: Path, files: dict[str, bytes] | None = None) -> None:
    b = hall.bidders[username]
    folder = tmp_path / username
    folder.mkdir(exist_ok=True)
    paths = []
    for name, data in (files or {"技术标.pdf": b"%PDF-1.4\n" + username.encode() * 500}).items():
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    with client_for(client, username) as c:
        c.load_identity(b.key, b.cert)
        c.build_bid(hall.code, FORMS[username], paths, folder / "bid.p7m")
        made = c.submit_bid(hall.code, folder / "bid.p7m", chunk_size=1 << 16)
    b.number, b.envelope = made["number"], folder / "bid.p7m"


def bid_with_openssl(client, hall: Hall, username: str, tmp_path: Path, cipher: str = "-aes-256-cbc") -> None:
    """The package signed and enveloped with the openssl CLI (RSA/EC recipients: own cert + opening key)."""
    b = hall.bidders[username]
    folder = tmp_path / username
    folder.mkdir(exist_ok=True)
    (folder / "商务标.pdf").write_bytes(b"%PDF-1.7\n/Author (" + username.encode() + b")\n" * 200)
    package = folder / "package.zip"
    build_package(
        {**FORMS[username], "section": hall.code},
        [folder / "商务标.pdf"],
        lambda data: openssl_sign(folder, data, b.key, b.cert),
        package,
    )
    env = openssl_envelope(folder, package.read_bytes(), b.cert, opening_pem(client, hall.code, folder), cipher=cipher)
    b.envelope = folder / "bid.p7m"
    b.envelope.write_bytes(env)
    h = headers(client, username)
    tok = upload(client, h, hall.code, env, chunk=1 << 16)
    import hashlib

    r = complete(
        client, h, hall.code, tok, openssl_sign(folder, hashlib.sha256(env).hexdigest().encode(), b.key, b.cert)
    )
    assert r.status_code in (200, 201), r.text
    b.number = r.json()["number"]


def to_deadline(platform, clock, extra: dt.timedelta = dt.timedelta(0)):
    clock.set(DEADLINE + extra)
    return platform.chronograph.tick()


def handover(hall: Hall, username: str) -> dict:
    b = hall.bidders[username]
    assert b.envelope is not None
    return key_handover(
        b.envelope.read_bytes(),
        load_private_key(b.key.read_bytes()),
        load_certificate(b.cert.read_bytes()),
        section=hall.code,
        bid=b.number,
    )


def sign_in_all(client, hall: Hall) -> None:
    """Every bidder of the hall signs in (roll call)."""
    for name in hall.bidders:
        r = client.post(f"/api/v1/sections/{hall.code}/opening/roll-call", headers=headers(client, name))
        assert r.status_code == 200, r.text


def hand_over_all(client, hall: Hall) -> None:
    """Every bidder of the hall hands its content key over, and each bid decrypts."""
    for name in hall.bidders:
        r = client.post(
            f"/api/v1/sections/{hall.code}/opening/keys", headers=headers(client, name), json=handover(hall, name)
        )
        assert r.status_code == 200 and r.json()["status"] == "decrypted", r.text


def custodian_handover(session, hall: Hall, index: int) -> tuple[str, dict]:
    """The custodian holding share ``index``: its username and its signed share handover."""
    key_row = session.execute(select(OpeningKey).where(OpeningKey.section_id == hall.section_id)).scalar_one()
    share = session.execute(
        select(CustodianShare).where(CustodianShare.opening_key_id == key_row.id, CustodianShare.share_index == index)
    ).scalar_one()
    username = session.get(Account, share.account_id).username
    binding = session.execute(
        select(CertificateBinding).where(CertificateBinding.fingerprint == share.certificate_fingerprint)
    ).scalar_one()
    key = wrap_private_key(demo_custodian_key(username))
    return username, share_handover(
        share.encrypted_share, key, certificate_from_der(binding.certificate_der), section=hall.code
    )


def view(client, hall: Hall, username: str | None) -> dict:
    h = headers(client, username) if username else {}
    r = client.get(f"/api/v1/sections/{hall.code}/opening", headers=h)
    assert r.status_code == 200, r.text
    return r.json()


def b64json(body: dict) -> dict:
    return json.loads(base64.b64decode(body)) if isinstance(body, str) else body
