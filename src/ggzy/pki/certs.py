"""Certificates, CRLs and key bundles parsed strictly, with hard size limits and specific errors.

``cryptography`` parses the X.509 structure of all three families (including SM2 certificates);
asn1crypto supplies the SubjectPublicKeyInfo and strict DER checks; keys go through ``keys.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import cached_property

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm as CryptoUnsupported
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from cryptography.x509.oid import ExtensionOID

from ggzy.pki import sm2
from ggzy.pki.errors import MalformedCertificate, MalformedKey, WrongPassword
from ggzy.pki.keys import KeyAlgorithm, PrivateKey, PublicKey, wrap_private_key
from ggzy.pki.pem import check_size, is_pem, pem_blocks

MAX_BUNDLE = 64
"""More certificates than this in one upload is not a chain, it is an attack or a mistake."""

_KEY_USAGES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)


@dataclass(frozen=True, eq=False)
class Certificate:
    der: bytes
    x509: x509.Certificate

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the DER, lower-case hex: the certificate's identity everywhere in the platform."""
        return hashlib.sha256(self.der).hexdigest()

    @cached_property
    def public_key(self) -> PublicKey:
        spki = asn1_x509.Certificate.load(self.der)["tbs_certificate"]["subject_public_key_info"].dump()
        return PublicKey.from_spki(spki)

    @property
    def algorithm(self) -> KeyAlgorithm:
        return self.public_key.algorithm

    @property
    def subject(self) -> x509.Name:
        return self.x509.subject

    @property
    def issuer(self) -> x509.Name:
        return self.x509.issuer

    @property
    def subject_text(self) -> str:
        return self.x509.subject.rfc4514_string()

    @property
    def serial_number(self) -> int:
        return self.x509.serial_number

    @property
    def not_before(self) -> dt.datetime:
        return self.x509.not_valid_before_utc

    @property
    def not_after(self) -> dt.datetime:
        return self.x509.not_valid_after_utc

    @property
    def tbs(self) -> bytes:
        return self.x509.tbs_certificate_bytes

    @property
    def signature(self) -> bytes:
        return self.x509.signature

    @property
    def signature_algorithm_oid(self) -> str:
        return self.x509.signature_algorithm_oid.dotted_string

    @cached_property
    def signature_params(self) -> bytes | None:
        params = asn1_x509.Certificate.load(self.der)["signature_algorithm"]["parameters"]
        return None if params.native is None else params.dump()

    @cached_property
    def key_usage(self) -> frozenset[str] | None:
        """The keyUsage bits that are set, or None when the extension is absent."""
        ext = self._extension(ExtensionOID.KEY_USAGE)
        if ext is None:
            return None
        bits = {name for name in _KEY_USAGES if getattr(ext, name)}
        if ext.key_agreement:
            bits |= {n for n in ("encipher_only", "decipher_only") if getattr(ext, n)}
        return frozenset(bits)

    @cached_property
    def is_ca(self) -> bool:
        ext = self._extension(ExtensionOID.BASIC_CONSTRAINTS)
        return bool(ext and ext.ca)

    @cached_property
    def subject_key_id(self) -> bytes | None:
        ext = self._extension(ExtensionOID.SUBJECT_KEY_IDENTIFIER)
        return ext.digest if ext else None

    @cached_property
    def authority_key_id(self) -> bytes | None:
        ext = self._extension(ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
        return ext.key_identifier if ext else None

    @property
    def is_self_issued(self) -> bool:
        return self.x509.subject == self.x509.issuer

    def _extension(self, oid: x509.ObjectIdentifier):
        try:
            return self.x509.extensions.get_extension_for_oid(oid).value
        except x509.ExtensionNotFound:
            return None
        except ValueError as exc:
            raise MalformedCertificate(f"证书扩展项损坏：{exc}") from exc

    def __repr__(self) -> str:
        return f"<Certificate {self.subject_text} sha256={self.fingerprint[:16]}…>"


def load_certificate(data: bytes) -> Certificate:
    """Exactly one certificate from PEM or DER."""
    certs = load_certificates(data)
    if len(certs) != 1:
        raise MalformedCertificate(
            f"应当恰好有一张证书，实际有 {len(certs)} 张", code="pki.malformed_certificate.count"
        )
    return certs[0]


def load_certificates(data: bytes) -> list[Certificate]:
    """One certificate or a bundle, PEM (any number of CERTIFICATE blocks) or DER (concatenated)."""
    check_size(data, "证书")
    if is_pem(data):
        ders = [der for _, der in pem_blocks(bytes(data), "CERTIFICATE", "X509 CERTIFICATE")]
        if not ders:
            raise MalformedCertificate("PEM 中没有 CERTIFICATE 块", code="pki.malformed_certificate.empty")
    else:
        ders = _split_der(bytes(data))
    if len(ders) > MAX_BUNDLE:
        raise MalformedCertificate(f"证书包中证书过多（{len(ders)} 张，上限 {MAX_BUNDLE}）")
    return [_parse_der(der) for der in ders]


def certificate_from_der(der: bytes) -> Certificate:
    check_size(der, "证书")
    return _parse_der(bytes(der))


def _split_der(data: bytes) -> list[bytes]:
    if not data:
        raise MalformedCertificate("证书数据为空", code="pki.malformed_certificate.empty")
    ders, pos = [], 0
    while pos < len(data):
        length = _der_length(data, pos)
        ders.append(data[pos : pos + length])
        pos += length
    return ders


def _der_length(data: bytes, pos: int) -> int:
    """Total length of the DER TLV at ``pos``; raises ``truncated_der`` when the data ends early."""
    if data[pos] != 0x30:
        raise MalformedCertificate(
            "不是 DER 编码的证书（应以 SEQUENCE 开头）", code="pki.malformed_certificate.not_der"
        )
    if pos + 2 > len(data):
        raise MalformedCertificate("DER 证书被截断", code="pki.malformed_certificate.truncated_der")
    first = data[pos + 1]
    if first < 0x80:
        header, body = 2, first
    else:
        n = first & 0x7F
        if n == 0 or n > 4:
            raise MalformedCertificate("DER 长度字段非法", code="pki.malformed_certificate.bad_der")
        if pos + 2 + n > len(data):
            raise MalformedCertificate("DER 证书被截断", code="pki.malformed_certificate.truncated_der")
        header, body = 2 + n, int.from_bytes(data[pos + 2 : pos + 2 + n], "big")
    if pos + header + body > len(data):
        raise MalformedCertificate(
            f"DER 证书被截断（声明 {header + body} 字节，实际只有 {len(data) - pos} 字节）",
            code="pki.malformed_certificate.truncated_der",
        )
    return header + body


def _parse_der(der: bytes) -> Certificate:
    _der_length(der, 0)
    try:
        asn1_x509.Certificate.load(der, strict=True).native  # noqa: B018 - forces a full strict parse
        cert = x509.load_der_x509_certificate(der)
    except (ValueError, TypeError) as exc:
        raise MalformedCertificate(f"证书结构损坏：{exc}", code="pki.malformed_certificate.bad_der") from exc
    result = Certificate(der=der, x509=cert)
    result.public_key  # noqa: B018 - refuse unknown curves and weak keys at the door
    return result


@dataclass(frozen=True)
class KeyBundle:
    key: PrivateKey
    certificate: Certificate | None
    chain: list[Certificate]


def load_pkcs12(data: bytes, password: bytes | None) -> KeyBundle:
    """A PKCS#12 (.p12/.pfx): private key, its certificate and any CA certificates. RSA, P-256, SM2."""
    check_size(data, "PKCS#12 文件")
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(bytes(data), password)
    except CryptoUnsupported:
        sm2_key, cert_der, chain_der = sm2.load_pkcs12(bytes(data), password)
        return KeyBundle(
            key=PrivateKey(KeyAlgorithm.SM2, sm2_key),
            certificate=certificate_from_der(cert_der) if cert_der else None,
            chain=[certificate_from_der(d) for d in chain_der],
        )
    except ValueError as exc:
        if "password" in str(exc).lower() or "mac" in str(exc).lower():
            raise WrongPassword("PKCS#12 口令错误") from exc
        raise MalformedKey(f"无法解析 PKCS#12 文件：{exc}") from exc
    if key is None:
        raise MalformedKey("PKCS#12 文件中没有私钥")
    return KeyBundle(
        key=wrap_private_key(key),
        certificate=_wrap(cert) if cert else None,
        chain=[_wrap(c) for c in chain],
    )


def _wrap(cert: x509.Certificate) -> Certificate:
    return certificate_from_der(cert.public_bytes(Encoding.DER))


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """A CRL from PEM or DER (signature not checked here: see ``validation``)."""
    check_size(data, "CRL")
    try:
        if is_pem(data):
            blocks = pem_blocks(bytes(data), "X509 CRL")
            if len(blocks) != 1:
                raise MalformedCertificate("PEM 中应当恰好有一个 X509 CRL 块", code="pki.malformed_crl")
            return x509.load_der_x509_crl(blocks[0][1])
        return x509.load_der_x509_crl(bytes(data))
    except ValueError as exc:
        raise MalformedCertificate(f"CRL 结构损坏：{exc}", code="pki.malformed_crl") from exc
