"""Public and private keys of the three families the platform accepts: RSA, ECDSA P-256 and SM2.

``cryptography`` handles RSA and ECDSA; SM2 goes through our libcrypto adapter (``sm2.py``),
because ``cryptography`` parses SM2 certificates but cannot load SM2 keys (libraries.md §1).
Signature algorithms are dispatched on their OID so certificates, CRLs and CMS share one path.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from asn1crypto import algos
from asn1crypto import keys as asn1_keys
from cryptography.exceptions import InvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm as CryptoUnsupported
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from ggzy.pki import sm2
from ggzy.pki.errors import MalformedKey, UnsupportedAlgorithm, WrongPassword
from ggzy.pki.pem import check_size

MIN_RSA_BITS = 2048
"""Below 2048 bits RSA is refused (GB/T 39786 / NIST SP 800-131A both retire 1024-bit RSA)."""

P256_OID = "1.2.840.10045.3.1.7"
SM2_OIDS = {"1.2.156.10197.1.501", "1.2.156.10197.1.301.1", "1.2.156.10197.1.301"}

DIGESTS: dict[str, str] = {
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
    "1.2.156.10197.1.401": "sm3",
}
DIGEST_OIDS = {name: oid for oid, name in DIGESTS.items()}
_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512, "sm3": hashes.SM3}

# signature algorithm OID -> (family, digest name or None when the digest is given separately, as in CMS)
SIGNATURE_ALGORITHMS: dict[str, tuple[str, str | None]] = {
    "1.2.840.113549.1.1.11": ("rsa", "sha256"),
    "1.2.840.113549.1.1.12": ("rsa", "sha384"),
    "1.2.840.113549.1.1.13": ("rsa", "sha512"),
    "1.2.840.113549.1.1.1": ("rsa", None),
    "1.2.840.113549.1.1.10": ("rsa-pss", None),
    "1.2.840.10045.4.3.2": ("ecdsa", "sha256"),
    "1.2.840.10045.4.3.3": ("ecdsa", "sha384"),
    "1.2.840.10045.4.3.4": ("ecdsa", "sha512"),
    "1.2.840.10045.2.1": ("ecdsa", None),
    **{oid: ("sm2", "sm3") for oid in SM2_OIDS},
}


class KeyAlgorithm(enum.StrEnum):
    RSA = "rsa"
    ECDSA_P256 = "ecdsa-p256"
    SM2 = "sm2"


def hash_for(name: str) -> hashes.HashAlgorithm:
    try:
        return _HASHES[name]()
    except KeyError:
        raise UnsupportedAlgorithm(f"不支持的摘要算法：{name}") from None


def digest(name: str, data: bytes) -> bytes:
    h = hashes.Hash(hash_for(name))
    h.update(data)
    return h.finalize()


@dataclass(frozen=True, eq=False)
class PublicKey:
    algorithm: KeyAlgorithm
    spki: bytes
    impl: Any

    @classmethod
    def from_spki(cls, spki: bytes) -> PublicKey:
        """Load a SubjectPublicKeyInfo (DER); refuses unknown curves and weak RSA keys."""
        try:
            info = asn1_keys.PublicKeyInfo.load(spki, strict=True)
            oid = info["algorithm"]["algorithm"].dotted
            params = info["algorithm"]["parameters"]
        except (ValueError, TypeError) as exc:
            raise MalformedKey(f"公钥（SubjectPublicKeyInfo）结构损坏：{exc}") from exc
        if oid == "1.2.156.10197.1.301":
            return cls(KeyAlgorithm.SM2, spki, sm2.Sm2PublicKey.from_point(bytes(info["public_key"])))
        if oid == "1.2.840.113549.1.1.1":
            key = _load_cryptography_public(spki)
            if key.key_size < MIN_RSA_BITS:
                raise UnsupportedAlgorithm(
                    f"RSA 密钥长度 {key.key_size} 位过短（至少 {MIN_RSA_BITS} 位）", code="pki.weak_key"
                )
            return cls(KeyAlgorithm.RSA, spki, key)
        if oid == "1.2.840.10045.2.1":
            curve = _named_curve(params)
            if curve == P256_OID:
                return cls(KeyAlgorithm.ECDSA_P256, spki, _load_cryptography_public(spki))
            if curve == sm2.SM2_CURVE_OID:
                return cls(KeyAlgorithm.SM2, spki, sm2.Sm2PublicKey.from_der(spki))
            raise UnsupportedAlgorithm(f"不支持的椭圆曲线：{curve}", code="pki.unknown_curve")
        raise UnsupportedAlgorithm(f"不支持的公钥算法：{oid}")

    def verify(
        self,
        signature: bytes,
        data: bytes,
        *,
        algorithm_oid: str,
        digest_oid: str | None = None,
        params: bytes | None = None,
        sm2_id: bytes = sm2.DEFAULT_ID,
    ) -> bool:
        """True when ``signature`` over ``data`` verifies; raises only for algorithms we do not know."""
        family, digest_name = _signature_algorithm(algorithm_oid, digest_oid)
        if family == "sm2":
            return self.algorithm is KeyAlgorithm.SM2 and self.impl.verify(signature, data, sm2_id=sm2_id)
        try:
            if family == "rsa" and self.algorithm is KeyAlgorithm.RSA:
                self.impl.verify(signature, data, padding.PKCS1v15(), hash_for(digest_name))
            elif family == "rsa-pss" and self.algorithm is KeyAlgorithm.RSA:
                pad, algorithm = _pss(params)
                self.impl.verify(signature, data, pad, algorithm)
            elif family == "ecdsa" and self.algorithm is KeyAlgorithm.ECDSA_P256:
                self.impl.verify(signature, data, ec.ECDSA(hash_for(digest_name)))
            else:
                return False
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, eq=False)
class PrivateKey:
    algorithm: KeyAlgorithm
    impl: Any

    def public_key(self) -> PublicKey:
        if self.algorithm is KeyAlgorithm.SM2:
            return PublicKey.from_spki(self.impl.public_key_der())
        spki = self.impl.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return PublicKey.from_spki(spki)

    def pkcs8_der(self) -> bytes:
        """The unencrypted PKCS#8 ``PrivateKeyInfo`` (DER), which ``load_private_key`` reads back."""
        if self.algorithm is KeyAlgorithm.SM2:
            return self.impl.pkcs8_der()
        return self.impl.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def sign(self, data: bytes, *, digest_name: str = "sha256", sm2_id: bytes = sm2.DEFAULT_ID) -> bytes:
        """RSA PKCS#1 v1.5 / ECDSA over ``digest_name``; SM2 always uses SM3 with ``sm2_id``."""
        if self.algorithm is KeyAlgorithm.SM2:
            return self.impl.sign(data, sm2_id=sm2_id)
        if self.algorithm is KeyAlgorithm.RSA:
            return self.impl.sign(data, padding.PKCS1v15(), hash_for(digest_name))
        return self.impl.sign(data, ec.ECDSA(hash_for(digest_name)))


def generate_private_key(algorithm: KeyAlgorithm) -> PrivateKey:
    """A fresh elliptic-curve key pair: ECDSA P-256 through ``cryptography``, SM2 through libcrypto."""
    if algorithm is KeyAlgorithm.SM2:
        return PrivateKey(KeyAlgorithm.SM2, sm2.Sm2PrivateKey.generate())
    if algorithm is KeyAlgorithm.ECDSA_P256:
        return PrivateKey(KeyAlgorithm.ECDSA_P256, ec.generate_private_key(ec.SECP256R1()))
    raise UnsupportedAlgorithm(f"不在此生成 {algorithm} 密钥（仅 ECDSA P-256 与 SM2）")


def load_private_key(data: bytes, password: bytes | None = None) -> PrivateKey:
    """A private key from PEM or DER: PKCS#8 (plain or encrypted), ``RSA/EC PRIVATE KEY``; RSA, P-256, SM2."""
    check_size(data, "私钥")
    pem = data.lstrip().startswith(b"-----BEGIN")
    if pem and b"PRIVATE KEY-----" not in data:
        raise MalformedKey("PEM 中没有私钥块（BEGIN … PRIVATE KEY）")
    loader = serialization.load_pem_private_key if pem else serialization.load_der_private_key
    try:
        key = loader(bytes(data), password)
    except CryptoUnsupported:
        # cryptography refuses the SM2 curve; OpenSSL itself can load it.
        return PrivateKey(KeyAlgorithm.SM2, sm2.Sm2PrivateKey.load(bytes(data), password))
    except TypeError as exc:
        raise WrongPassword(f"私钥口令问题：{exc}") from exc
    except ValueError as exc:
        if b"SM2 PRIVATE KEY" in data:
            return PrivateKey(KeyAlgorithm.SM2, sm2.Sm2PrivateKey.load(bytes(data), password))
        if "decrypt" in str(exc).lower() or "password" in str(exc).lower():
            raise WrongPassword("私钥口令错误") from exc
        if password is not None and _encrypted(data, pem):
            # A wrong password passes the CBC padding check about once in 256 tries and yields garbage that
            # does not parse: with an encrypted key, the password is by far the likelier cause.
            raise WrongPassword("私钥口令错误（或加密的私钥文件已损坏）") from exc
        raise MalformedKey(f"无法解析私钥（PEM/DER 损坏或被截断）：{exc}") from exc
    return wrap_private_key(key)


def _encrypted(data: bytes, pem: bool) -> bool:
    """An encrypted PKCS#8 ``EncryptedPrivateKeyInfo`` (PEM or DER) or a legacy PEM with ``Proc-Type: 4,ENCRYPTED``."""
    if pem:
        return b"ENCRYPTED PRIVATE KEY" in data or b"Proc-Type: 4,ENCRYPTED" in data
    try:
        info = asn1_keys.EncryptedPrivateKeyInfo.load(bytes(data))
        return bool(info["encryption_algorithm"]["algorithm"].native) and info["encrypted_data"].native is not None
    except (ValueError, TypeError, KeyError):
        return False


def wrap_private_key(key: Any) -> PrivateKey:
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise UnsupportedAlgorithm(f"RSA 密钥长度 {key.key_size} 位过短", code="pki.weak_key")
        return PrivateKey(KeyAlgorithm.RSA, key)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise UnsupportedAlgorithm(f"不支持的椭圆曲线：{key.curve.name}", code="pki.unknown_curve")
        return PrivateKey(KeyAlgorithm.ECDSA_P256, key)
    raise UnsupportedAlgorithm(f"不支持的私钥类型：{type(key).__name__}")


def _load_cryptography_public(spki: bytes) -> Any:
    try:
        return serialization.load_der_public_key(spki)
    except (ValueError, CryptoUnsupported) as exc:
        raise MalformedKey(f"无法解析公钥：{exc}") from exc


def _named_curve(params: Any) -> str:
    if params.name != "named":
        raise UnsupportedAlgorithm("椭圆曲线参数必须是命名曲线（不接受显式参数）", code="pki.unknown_curve")
    return params.chosen.dotted


def _signature_algorithm(algorithm_oid: str, digest_oid: str | None) -> tuple[str, str]:
    try:
        family, digest_name = SIGNATURE_ALGORITHMS[algorithm_oid]
    except KeyError:
        raise UnsupportedAlgorithm(f"不支持的签名算法：{algorithm_oid}") from None
    if family == "rsa-pss":
        return family, "from-params"
    if digest_name is None:
        if digest_oid not in DIGESTS:
            raise UnsupportedAlgorithm(f"不支持的摘要算法：{digest_oid}")
        digest_name = DIGESTS[digest_oid]
    elif digest_oid is not None and DIGESTS.get(digest_oid) != digest_name:
        raise UnsupportedAlgorithm(f"摘要算法 {digest_oid} 与签名算法 {algorithm_oid} 不一致")
    return family, digest_name


def _pss(params: bytes | None) -> tuple[padding.PSS, hashes.HashAlgorithm]:
    try:
        p = algos.RSASSAPSSParams.load(params or b"\x30\x00")
        h = hash_for(p["hash_algorithm"]["algorithm"].native)
        mgf_hash = hash_for(p["mask_gen_algorithm"]["parameters"]["algorithm"].native)
        salt = p["salt_length"].native
    except (ValueError, TypeError, KeyError) as exc:
        raise UnsupportedAlgorithm(f"RSA-PSS 参数无法解析：{exc}") from exc
    return padding.PSS(mgf=padding.MGF1(mgf_hash), salt_length=salt), h
