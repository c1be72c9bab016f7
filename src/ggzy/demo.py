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
    # Publication needs opening-key custodians (no section nobody can open), so the base demo has them.
    added["custodians"] = seed_demo_custodians(session, actor=actor, now=now)
    return added


def seed_demo_business(session: Session, *, actor: Actor, now: dt.datetime, key, data_dir: Path) -> dict[str, int]:
    """The simulated deposit bank and the demo projects (every type in every pre-bid stage)."""
    from ggzy.deposits import repository as deposit_repo
    from ggzy.deposits.bank_simulator import DEMO_BANK_CODE, DEMO_BANK_NAME, DEMO_BANK_PREFIX, SimulatedBank
    from ggzy.deposits.service import register_bank
    from ggzy.evaluation.demo_scenario import seed_evaluated_section
    from ggzy.projects.seed import seed_demo_projects

    # The simulated bank's certificate starts before the evaluation scenario's past deposits (demo_scenario).
    bank = SimulatedBank(data_dir / "demo-bank", now=now - dt.timedelta(days=100))
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
    seed_demo_experts(session, actor=actor, now=now)
    seed_demo_custodians(session, actor=actor, now=now, directory=data_dir / "custodians")
    seed_evaluated_section(session, actor=actor, now=now, key=key, data_dir=data_dir)
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


# Opening-key custodians (开标密钥保管人), province-wide: (username, name, account kind, home, role, industry,
# region, custodian kind, label). Their demo keys are derived from the username (like DEMO_PASSWORD: public,
# for the demo only) so that tests and the demo opening can reproduce them; real custodians bring CA keys.
DEMO_CUSTODIANS = [
    (
        "keeper.center",
        "省交易中心密钥保管员",
        "staff",
        "GZ",
        "center_staff",
        None,
        None,
        "center",
        "贵州省公共资源交易中心",
    ),
    (
        "keeper.regulator",
        "省发展改革委密钥保管员",
        "regulator",
        None,
        "regulator",
        "ndrc",
        "520000",
        "regulator",
        "贵州省发展和改革委员会",
    ),
    ("keeper.notary", "贵阳市公证处密钥保管员", "staff", "GZ", None, None, None, "notary", "贵州省贵阳市公证处"),
]
DEMO_CUSTODIAN_CA = "ggzy 示范开标密钥保管人 CA（仅供试用）"


def demo_custodian_key(name: str) -> ec.EllipticCurvePrivateKey:
    """The demo key of a custodian (or of the demo custodian CA): derived from its name, never for production."""
    import hashlib

    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    scalar = int.from_bytes(hashlib.sha256(f"ggzy-demo-custodian/{name}".encode()).digest(), "big") % (n - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def _custodian_ca(now: dt.datetime):
    key = demo_custodian_key(DEMO_CUSTODIAN_CA)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DEMO_CUSTODIAN_CA)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _custodian_cert(username: str, label: str, ca_key, ca_cert, now: dt.datetime) -> x509.Certificate:
    key = demo_custodian_key(username)
    usage = x509.KeyUsage(True, False, False, False, True, False, False, False, False)  # signature, key agreement
    return (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, label),
                    x509.NameAttribute(NameOID.COMMON_NAME, username),
                ]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=5 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def seed_demo_custodians(session: Session, *, actor: Actor, now: dt.datetime, directory: Path | None = None) -> int:
    """Three province-wide custodians (center, regulator, notary) with bound demo certificates (keys to directory)."""
    from ggzy.bidding import ceremony
    from ggzy.bidding.models import Custodian
    from ggzy.pki.certs import load_certificate
    from ggzy.pki.models import CertificateBinding
    from ggzy.pki.validation import TrustedCA, TrustList

    ca_key, ca_cert = _custodian_ca(now)
    trust = TrustList(
        [TrustedCA(load_certificate(ca_cert.public_bytes(serialization.Encoding.DER)))], require_revocation=False
    )
    added = 0
    for username, name, kind, home, role, industry, region, custodian_kind, label in DEMO_CUSTODIANS:
        account = session.execute(select(Account).where(Account.username == username)).scalar_one_or_none()
        if account is None:
            account = auth.create_account(
                session,
                actor=actor,
                now=now,
                username=username,
                display_name=name,
                kind=kind,
                password=DEMO_PASSWORD,
                home_center_code=home,
            )
            if role:
                auth.grant_role(
                    session,
                    actor=actor,
                    now=now,
                    account=account,
                    role=role,
                    center_code=home if role.startswith("center") else None,
                    industry=industry,
                    region_code=region,
                )
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / f"{username}.key.pem").write_bytes(_pem_key(demo_custodian_key(username)))
        if ceremony.encryption_certificate(session, account.id, now) is None:
            cert = _custodian_cert(username, label, ca_key, ca_cert, now)
            leaf = load_certificate(cert.public_bytes(serialization.Encoding.DER))
            if not trust.validate(leaf, now=now).valid:
                raise RuntimeError(f"demo custodian certificate of {username} does not validate")
            # Bound directly (recorded by the appointment event below): demo custodian certificates come from a
            # demo CA that is deliberately not on the province's trust list.
            session.add(
                CertificateBinding(
                    account_id=account.id,
                    fingerprint=leaf.fingerprint,
                    certificate_der=leaf.der,
                    subject=leaf.subject_text,
                    issuer=leaf.issuer.rfc4514_string(),
                    serial=f"{leaf.serial_number:X}",
                    algorithm=str(leaf.algorithm),
                    not_after=leaf.not_after,
                    bound_at=now,
                    bound_by=actor.name,
                )
            )
            session.flush()
        bound = ceremony.encryption_certificate(session, account.id, now)
        if directory is not None and bound is not None:
            (directory / f"{username}.cert.pem").write_bytes(
                x509.load_der_x509_certificate(bound.certificate_der).public_bytes(serialization.Encoding.PEM)
            )
        appointed = session.execute(select(Custodian.id).where(Custodian.account_id == account.id)).first()
        if appointed is None:
            ceremony.appoint_custodian(
                session, actor=actor, now=now, username=username, kind=custodian_kind, label=label
            )
            added += 1
    return added


def seed_demo_experts(session: Session, *, actor: Actor, now: dt.datetime) -> int:
    """About 300 experts across the specialties and the city centers; ``expert.one`` is the first (idempotent)."""
    from ggzy.evaluation.seed import seed_demo_experts as seed

    return seed(session, actor=actor, now=now)
