"""The demo province: the whole centers network, the national calendar and one account per persona."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.auth import service as auth
from ggzy.auth.models import Account
from ggzy.centers.seed import seed_network
from ggzy.kit.actor import Actor
from ggzy.pki.fee_seed import seed_demo_ca_fees
from ggzy.registry.seed import seed_demo_entities

DEMO_PASSWORD = "Ggzy-demo-2026"

# (username, display name, kind, home center, role, industry, region) — the fixed personas of STYLE.md.
PERSONAS = [
    ("admin", "平台管理员", "staff", "GZ", "platform_admin", None, None),
    ("gz.admin", "省中心管理员", "staff", "GZ", "center_admin", None, None),
    ("gy.staff", "贵阳中心工作人员", "staff", "GY", "center_staff", None, None),
    ("zy.staff", "遵义中心工作人员", "staff", "ZY", "center_staff", None, None),
    ("reg.housing", "省住建厅监督员", "regulator", None, "regulator", "housing", "520000"),
    ("reg.gy.finance", "贵阳市财政局监督员", "regulator", None, "regulator", "finance", "520100"),
    ("tenderee.gy", "贵阳招标人经办", "entity", "GY", "tenderee", None, None),
    ("bidder.gy", "贵阳投标人经办", "entity", "GY", "bidder", None, None),
    ("bidder.zy", "遵义投标人经办", "entity", "ZY", "bidder", None, None),
    ("expert.one", "评标专家甲", "expert", "GY", "expert", None, None),
]


def seed_demo(session: Session, *, actor: Actor, now: dt.datetime) -> dict[str, int]:
    """Seed what is missing; running it twice adds nothing."""
    added = {"centers": seed_network(session, actor=actor, now=now), "accounts": 0}
    have = set(session.execute(select(Account.username)).scalars())
    for username, name, kind, center, role, industry, region in PERSONAS:
        if username in have:
            continue
        account = auth.create_account(
            session,
            actor=actor,
            now=now,
            username=username,
            display_name=name,
            kind=kind,
            password=DEMO_PASSWORD,
            home_center_code=center,
        )
        auth.grant_role(
            session,
            actor=actor,
            now=now,
            account=account,
            role=role,
            center_code=center if role.startswith("center") else None,
            industry=industry,
            region_code=region,
        )
        added["accounts"] += 1
    added["entities"] = seed_demo_entities(session, actor=actor, now=now)
    added["ca_providers"] = seed_demo_ca_fees(session, actor=actor, now=now)
    return added


def seed_demo_business(session: Session, *, actor: Actor, now: dt.datetime, key, data_dir: Path) -> dict[str, int]:
    """The simulated deposit bank and the demo projects (every type in every pre-bid stage)."""
    from ggzy.deposits import repository as deposit_repo
    from ggzy.deposits.bank_simulator import DEMO_BANK_CODE, DEMO_BANK_NAME, DEMO_BANK_PREFIX, SimulatedBank
    from ggzy.deposits.service import register_bank
    from ggzy.projects.seed import seed_demo_projects

    bank = SimulatedBank(data_dir / "demo-bank", now=now)
    banks = 0
    if deposit_repo.bank_by_code(session, DEMO_BANK_CODE) is None:
        register_bank(
            session,
            actor=actor,
            now=now,
            code=DEMO_BANK_CODE,
            name=DEMO_BANK_NAME,
            account_prefix=DEMO_BANK_PREFIX,
            cert_pem=bank.cert_pem,
            demand_rate_bp=35,
        )
        banks = 1
    return {"banks": banks, **seed_demo_projects(session, key=key, now=now)}


# The two demo CAs of 一证通: (file stem, CA name, key kind, holder username, holder organisation).
DEMO_CAS = [
    ("demo-rsa-ca", "示范 CA 甲（RSA）", "rsa", "bidder.gy", "贵阳示范建设有限公司"),
    ("demo-ec-ca", "示范 CA 乙（ECDSA P-256）", "ec", "bidder.zy", "遵义示范工程有限公司"),
]


def seed_demo_certificates(session: Session, *, actor: Actor, now: dt.datetime, directory: Path) -> dict[str, int]:
    """Two test CAs on the trust list, a certificate for bidder.gy and bidder.zy each, bound; files in ``directory``."""
    from ggzy.pki import service as pki
    from ggzy.pki.certs import load_certificate

    added = {"cas": 0, "bindings": 0}
    (directory / "ca").mkdir(parents=True, exist_ok=True)
    for stem, ca_name, kind, username, org in DEMO_CAS:
        ca_key, ca_cert = _demo_ca(directory / "ca", stem, ca_name, kind, now)
        crl = _demo_crl(ca_key, ca_cert, now)
        fingerprint = load_certificate(ca_cert.public_bytes(serialization.Encoding.DER)).fingerprint
        row = next((c for c in pki.list_cas(session) if c.fingerprint == fingerprint), None)
        if row is None:
            row = pki.add_ca(
                session,
                actor=actor,
                now=now,
                certificate=ca_cert.public_bytes(serialization.Encoding.PEM),
                name=ca_name,
                provider="ggzy 示范 CA（仅供试用）",
                crl=crl,
            )
            added["cas"] += 1
        elif row.crl_next_update is None or row.crl_next_update < now + dt.timedelta(days=30):
            pki.refresh_crl(session, actor=actor, now=now, ca=row, data=crl)
        leaf = _demo_leaf(directory, username, org, ca_key, ca_cert, kind, now)
        account = auth.get_account(session, username)
        if pki.live_binding(session, leaf.fingerprint) is None:
            trust = pki.current_trust_list(session)
            pki.bind_certificate(session, actor=actor, now=now, account=account, certificate=leaf, trust=trust)
            added["bindings"] += 1
    return added


def _new_key(kind: str):
    return rsa.generate_private_key(65537, 2048) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _demo_ca(folder: Path, stem: str, name: str, kind: str, now: dt.datetime):
    key_path, cert_path = folder / f"{stem}.key", folder / f"{stem}.pem"
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = _new_key(kind)
    subject = x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ggzy 示范"), x509.NameAttribute(NameOID.COMMON_NAME, name)]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(_pem_key(key))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _demo_crl(ca_key, ca_cert, now: dt.datetime) -> bytes:
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - dt.timedelta(minutes=5))
        .next_update(now + dt.timedelta(days=365))
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return crl.public_bytes(serialization.Encoding.DER)


def _demo_leaf(folder: Path, username: str, org: str, ca_key, ca_cert, kind: str, now: dt.datetime):
    from ggzy.pki.certs import load_certificate

    key_path, cert_path = folder / f"{username}.key.pem", folder / f"{username}.cert.pem"
    if key_path.exists() and cert_path.exists():
        return load_certificate(cert_path.read_bytes())
    key = _new_key(kind)
    subject = x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org), x509.NameAttribute(NameOID.COMMON_NAME, username)]
    )
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key_path.write_bytes(_pem_key(key))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    p12 = pkcs12.serialize_key_and_certificates(
        username.encode(), key, cert, [ca_cert], serialization.BestAvailableEncryption(DEMO_PASSWORD.encode())
    )
    (folder / f"{username}.p12").write_bytes(p12)
    return load_certificate(cert_path.read_bytes())
