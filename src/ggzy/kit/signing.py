"""The platform's own signing key: it signs audit checkpoints, receipts and records.

Generated on first start into ``<data dir>/keys`` (ECDSA P-256 with a self-signed X.509 certificate)
unless an operator puts a CA-issued key and certificate there. Anyone holding the certificate can
check a platform signature offline. Verification trusts the certificate file, never the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ggzy.kit.errors import ConfigError

KEY_FILE = "platform-key.pem"
CERT_FILE = "platform-cert.pem"


@dataclass(frozen=True)
class PlatformKey:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def key_id(self) -> str:
        return certificate_key_id(self.certificate)

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))

    def cert_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()


def certificate_key_id(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's SubjectPublicKeyInfo, hex: names the key independently of the cert."""
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def verify_platform_signature(cert: x509.Certificate, signature: bytes, data: bytes) -> bool:
    public = cert.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey):
        return False
    try:
        public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def _self_signed(key: ec.EllipticCurvePrivateKey, now: dt.datetime, name: str) -> x509.Certificate:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} 平台签名密钥"),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


def load_or_create_platform_key(key_dir: Path, *, now: dt.datetime, name: str) -> PlatformKey:
    """Load the key pair from ``key_dir``; create it there (mode 0600) on first use."""
    key_path, cert_path = key_dir / KEY_FILE, key_dir / CERT_FILE
    if key_path.exists() != cert_path.exists():
        missing = cert_path if key_path.exists() else key_path
        raise ConfigError(f"平台签名密钥不完整：缺少 {missing}。请恢复该文件，或同时删除两者以重新生成。")
    if not key_path.exists():
        key_dir.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _self_signed(key, now, name)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(
                key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return PlatformKey(key, cert)
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"平台签名密钥文件无法读取（{exc}）：请检查 {key_dir}。") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ConfigError(f"平台签名密钥 {key_path} 不是 ECDSA 密钥。")
    if certificate_key_id(cert) != PlatformKey(key, cert).key_id or key.public_key() != cert.public_key():
        raise ConfigError(f"平台签名证书 {cert_path} 与密钥 {key_path} 不匹配。")
    return PlatformKey(key, cert)


def load_platform_certificate(key_dir: Path) -> x509.Certificate:
    path = key_dir / CERT_FILE
    if not path.exists():
        raise ConfigError(f"找不到平台签名证书 {path}：请先运行 ggzy db upgrade 或 ggzy serve。")
    return x509.load_pem_x509_certificate(path.read_bytes())
