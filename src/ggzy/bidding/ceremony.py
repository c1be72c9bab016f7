"""The key ceremony: at publication each section gets an opening key whose private half nobody keeps.

The platform generates a key pair — ECDSA P-256 by default (ECDH key agreement: ``openssl cms -encrypt
-recip opening-key.pem`` addresses it, and so does ``pki.envelope.encrypt``), or SM2 with
``GGZY_OPENING_KEY_ALGORITHM=sm2`` (SM2 key transport, for bids sealed with the national algorithms end to
end) — issues an X.509 certificate for it signed by the platform key (subject names the section code; the
key's algorithm is read from it), splits the PKCS#8 private key k-of-n with ``pki.sharing.split`` among
the custodians appointed for the section's center, encrypts each share to its custodian's certificate,
records the ceremony in the audit chain and drops the private key. The private key is never written to
disk or to the database in clear; only the certificate and the encrypted shares are stored. No single
party — the operator included — can open a bid before the opening (DESIGN.md "Sealed bids", E-9).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from asn1crypto import core
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.audit.service import record
from ggzy.auth.models import Account
from ggzy.bidding.models import Custodian, CustodianShare, OpeningKey
from ggzy.centers.models import Center
from ggzy.kit.actor import Actor
from ggzy.kit.errors import Conflict, NotFound, ValidationFailed
from ggzy.kit.settings import opening_key_algorithm
from ggzy.kit.signing import PlatformKey
from ggzy.pki.certs import Certificate, certificate_from_der
from ggzy.pki.keys import KeyAlgorithm, PublicKey, generate_private_key
from ggzy.pki.models import CertificateBinding
from ggzy.projects import service as projects
from ggzy.projects.models import Section

# 2-of-3 by default: the center, the industry's regulator, a notary (or a second center) — any two open.
THRESHOLD = 2
KINDS = {"center": "交易中心", "regulator": "行政监督部门", "notary": "公证机构", "second_center": "其他交易中心"}
# The opening key outlives the deadline by the time an opening, objections and complaints can take.
KEY_VALIDITY_AFTER_DEADLINE = dt.timedelta(days=365)
ENCRYPTION_USAGES = {"key_agreement", "key_encipherment"}
# GGZY_OPENING_KEY_ALGORITHM → the key family and the name recorded on the opening key and in the audit event.
ALGORITHMS = {"p256": (KeyAlgorithm.ECDSA_P256, "ec-p256"), "sm2": (KeyAlgorithm.SM2, "sm2")}


# --- custodians -----------------------------------------------------------------------------------------


def encryption_certificate(session: Session, account_id: int, now: dt.datetime) -> CertificateBinding | None:
    """The newest live certificate bound to the account that can receive a key (ECDH or RSA, unexpired)."""
    rows = session.execute(
        select(CertificateBinding)
        .where(CertificateBinding.account_id == account_id, CertificateBinding.unbound_at.is_(None))
        .order_by(CertificateBinding.bound_at.desc(), CertificateBinding.id.desc())
    ).scalars()
    for row in rows:
        cert = certificate_from_der(row.certificate_der)
        usage = cert.key_usage
        public = cert.x509.public_key()
        if not isinstance(public, (ec.EllipticCurvePublicKey, rsa.RSAPublicKey)):
            continue
        if cert.not_after <= now or (usage is not None and not usage & ENCRYPTION_USAGES):
            continue
        return row
    return None


def appoint_custodian(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    username: str,
    kind: str,
    label: str,
    center_code: str | None = None,
) -> Custodian:
    """Appoint an account (with a bound encryption certificate) as custodian for a center, or province-wide."""
    if kind not in KINDS:
        raise ValidationFailed(f"保管人类型须为：{'、'.join(KINDS)}。", code="bidding.bad_custodian_kind")
    account = session.execute(select(Account).where(Account.username == username)).scalar_one_or_none()
    if account is None:
        raise NotFound(f"账户 {username} 不存在。", code="auth.not_found")
    binding = encryption_certificate(session, account.id, now)
    if binding is None:
        raise ValidationFailed(
            f"账户 {username} 没有可用于加密的有效证书"
            "（须绑定 RSA 或 ECDSA P-256 证书，密钥用途含密钥协商或密钥加密）。",
            code="bidding.custodian_without_certificate",
        )
    center_id = None
    if center_code is not None:
        center = session.execute(select(Center).where(Center.code == center_code)).scalar_one_or_none()
        if center is None:
            raise NotFound(f"交易中心 {center_code} 不存在。", code="centers.not_found")
        center_id = center.id
    if any(c.account_id == account.id for c in _appointed(session, center_id)):
        raise Conflict(f"{username} 已是该中心的开标密钥保管人。", code="bidding.custodian_exists")
    custodian = Custodian(center_id=center_id, account_id=account.id, kind=kind, label=label.strip(), appointed_at=now)
    session.add(custodian)
    session.flush()
    record(
        session,
        tag="bidding:custodian:appointed",
        actor=actor,
        now=now,
        subject_id=username,
        center_id=center_id,
        payload={"kind": kind, "label": custodian.label, "certificate": binding.fingerprint},
    )
    return custodian


def _appointed(session: Session, center_id: int | None) -> list[Custodian]:
    where = Custodian.center_id.is_(None) if center_id is None else Custodian.center_id == center_id
    return list(
        session.execute(select(Custodian).where(where, Custodian.removed_at.is_(None)).order_by(Custodian.id)).scalars()
    )


def custodians_for(session: Session, center_id: int) -> list[Custodian]:
    """The custodians of the nearest center (itself, then its parents) that appointed any, else province-wide."""
    current: int | None = center_id
    while current is not None:
        found = _appointed(session, current)
        if found:
            return found
        center = session.get(Center, current)
        current = center.parent_id if center is not None else None
    return _appointed(session, None)


# --- the ceremony ---------------------------------------------------------------------------------------


def opening_certificate(public: PublicKey, section: Section, key: PlatformKey, now: dt.datetime) -> bytes:
    """The opening-key certificate (DER): issued by the platform key, naming the section, for key transport and
    key agreement only (keyEncipherment for RSA/SM2-style key transport, keyAgreement for ECDH).

    Written with asn1crypto rather than ``cryptography``'s builder, which cannot take an SM2 public key; the
    name and the extensions still come from ``cryptography``, so both kinds of key get the same certificate."""
    assert section.bid_deadline is not None
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "公共资源交易平台开标密钥"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, section.code),
            x509.NameAttribute(NameOID.COMMON_NAME, f"开标密钥 {section.code}"),
        ]
    )
    spki = asn1_keys.PublicKeyInfo.load(public.spki)
    # RFC 5280 §4.2.1.2 (1): SHA-1 of the subjectPublicKey bits, as ``SubjectKeyIdentifier.from_public_key``.
    ski = x509.SubjectKeyIdentifier(hashlib.sha1(bytes(spki["public_key"]), usedforsecurity=False).digest())
    extensions = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (x509.KeyUsage(False, False, True, False, True, False, False, False, False), True),  # keyEnc., keyAgreement
        (ski, False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(key.key.public_key()), False),
    ]
    tbs = asn1_x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": x509.random_serial_number(),
            "signature": {"algorithm": "sha256_ecdsa"},
            "issuer": asn1_x509.Name.load(key.certificate.subject.public_bytes()),
            "validity": {
                "not_before": _time(now - dt.timedelta(minutes=5)),
                "not_after": _time(section.bid_deadline + KEY_VALIDITY_AFTER_DEADLINE),
            },
            "subject": asn1_x509.Name.load(subject.public_bytes()),
            "subject_public_key_info": spki,
            "extensions": [_extension(ext, critical) for ext, critical in extensions],
        }
    )
    signed = asn1_x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature_value": key.sign(tbs.dump()),
        }
    )
    return signed.dump()


class _Extension(core.Sequence):
    """RFC 5280 Extension with an opaque value, to carry ``cryptography``'s DER of the extension as it is."""

    _fields = [
        ("extn_id", core.ObjectIdentifier),
        ("critical", core.Boolean, {"default": False}),
        ("extn_value", core.OctetString),
    ]


def _extension(ext: x509.ExtensionType, critical: bool) -> asn1_x509.Extension:
    raw = _Extension({"extn_id": ext.oid.dotted_string, "critical": critical, "extn_value": ext.public_bytes()})
    return asn1_x509.Extension.load(raw.dump())


def _time(when: dt.datetime) -> asn1_x509.Time:
    """RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after; whole seconds."""
    when = when.astimezone(dt.UTC).replace(microsecond=0)
    return asn1_x509.Time({"utc_time" if when.year < 2050 else "general_time": when})


def opening_key_of(session: Session, section_id: int) -> OpeningKey | None:
    return session.execute(select(OpeningKey).where(OpeningKey.section_id == section_id)).scalar_one_or_none()


def certificate(row: OpeningKey) -> Certificate:
    return certificate_from_der(row.certificate_der)


def opening_certificate_pem(row: OpeningKey) -> str:
    return x509.load_der_x509_certificate(row.certificate_der).public_bytes(serialization.Encoding.PEM).decode()


def run_ceremony(session: Session, *, section: Section, actor: Actor, now: dt.datetime, key: PlatformKey) -> OpeningKey:
    """Create, certify, split and destroy the section's opening key; idempotent per section."""
    from ggzy.pki import sharing  # the secret-sharing module is needed only here

    existing = opening_key_of(session, section.id)
    if existing is not None:
        return existing
    custodians = custodians_for(session, section.center_id)
    recipients = [(c, encryption_certificate(session, c.account_id, now)) for c in custodians]
    usable = [(c, b) for c, b in recipients if b is not None]
    if len(usable) < THRESHOLD:
        raise ValidationFailed(
            f"标段 {section.code} 不能发布：本中心没有配置足够的开标密钥保管人（至少 {THRESHOLD} 名持有有效加密证书的"
            f"保管人，现有 {len(usable)} 名）。没有保管人，开标密钥无法分持，投标文件将无人能解密。"
            "请平台管理员先为本中心指定保管人（交易中心、行政监督部门、公证机构）。",
            code="bidding.no_custodians",
        )
    # One platform-wide choice, read from the environment as load_settings reads it (which refuses a bad value
    # at start-up); the publication hook carries no settings. Each section's certificate says which it got.
    family, algorithm = ALGORITHMS[opening_key_algorithm()]
    private = generate_private_key(family)
    der = opening_certificate(private.public_key(), section, key, now)
    # The secret shared is the PKCS#8 DER of the private key (``pki.keys.load_private_key`` reads it back).
    secret = private.pkcs8_der()
    del private  # only the encrypted shares below survive this function
    shares = sharing.split(secret, THRESHOLD, len(usable))
    del secret
    row = OpeningKey(
        section_id=section.id,
        center_id=section.center_id,
        algorithm=algorithm,
        certificate_der=der,
        fingerprint=hashlib.sha256(der).hexdigest(),
        threshold=THRESHOLD,
        shares_total=len(usable),
        split_fingerprint=shares[0].split_fingerprint,
        created_at=now,
    )
    session.add(row)
    session.flush()
    published = []
    for (custodian, binding), share in zip(usable, shares, strict=True):
        stored = CustodianShare(
            opening_key_id=row.id,
            custodian_id=custodian.id,
            account_id=custodian.account_id,
            share_index=share.index,
            certificate_fingerprint=binding.fingerprint,
            encrypted_share=sharing.encrypt_share(share, certificate_from_der(binding.certificate_der)),
            commitment=share.share_commitments[share.index - 1].hex(),
        )
        session.add(stored)
        published.append(
            {
                "custodian": custodian.label,
                "kind": custodian.kind,
                "account_id": custodian.account_id,
                "index": stored.share_index,
                "certificate": binding.fingerprint,
                "commitment": stored.commitment,
            }
        )
    session.flush()
    record(
        session,
        tag="bidding:opening_key:created",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={
            "certificate_sha256": row.fingerprint,
            "algorithm": row.algorithm,
            "threshold": THRESHOLD,
            "split": row.split_fingerprint,
            "shares": published,
        },
    )
    return row


if run_ceremony not in projects.on_section_announced:
    projects.on_section_announced.append(run_ceremony)
