"""SM2 (GB/T 32918, GM/T 0009) over the system OpenSSL 3 ``libcrypto`` through ctypes.

Why not a Python package: none sets the distinguishing ID freely *and* runs at C speed
(libraries.md §1). The OpenSSL 3.0 CLI defaults to an **empty** ID, Chinese CAs use
``1234567812345678``; every function here therefore takes the ID explicitly.

Formats are the canonical DER ones: signatures ``SEQUENCE{r, s}``, ciphertexts
``SEQUENCE{x, y, C3 hash, C2 ciphertext}`` (GM/T 0009, C1C3C2). ``raw_ciphertext`` /
``der_ciphertext`` convert from and to the raw byte strings older tools use.

Ownership rules kept here: every ``EVP_PKEY*`` belongs to exactly one Python key object and is
freed by its finalizer; every other OpenSSL object lives inside one function and is freed in a
``finally``. The thread-local OpenSSL error queue is cleared before each operation and drained
into the message of the error we raise.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import weakref
from functools import cache

from asn1crypto import core, keys, x509

from ggzy.pki.errors import (
    CryptoFailure,
    LibcryptoUnavailable,
    MalformedCertificate,
    MalformedKey,
    PkiInputTooLarge,
    UnsupportedAlgorithm,
    WrongPassword,
)
from ggzy.pki.pem import pem_blocks

DEFAULT_ID = b"1234567812345678"
"""The GM/T 0009 default distinguishing ID; certificates from Chinese CAs use it."""
EMPTY_ID = b""
SM2_CURVE_OID = "1.2.156.10197.1.301"
_MAX_INPUT = 1 << 20

_vp = ctypes.c_void_p
_sz = ctypes.c_size_t
_psz = ctypes.POINTER(ctypes.c_size_t)
_buf = ctypes.c_char_p
_pbuf = ctypes.POINTER(ctypes.c_char_p)
_pvp = ctypes.POINTER(ctypes.c_void_p)

_SIGNATURES = {
    "ERR_get_error": (ctypes.c_ulong, []),
    "ERR_clear_error": (None, []),
    "ERR_error_string_n": (None, [ctypes.c_ulong, _buf, _sz]),
    "BIO_new_mem_buf": (_vp, [_buf, ctypes.c_int]),
    "BIO_free": (ctypes.c_int, [_vp]),
    "PEM_read_bio_PrivateKey": (_vp, [_vp, _vp, _vp, _buf]),
    "d2i_PKCS8PrivateKey_bio": (_vp, [_vp, _vp, _vp, _buf]),
    "d2i_AutoPrivateKey": (_vp, [_vp, _pbuf, ctypes.c_long]),
    "d2i_PUBKEY": (_vp, [_vp, _pbuf, ctypes.c_long]),
    "i2d_PUBKEY": (ctypes.c_int, [_vp, _pvp]),
    "EVP_PKEY_free": (None, [_vp]),
    "EVP_PKEY_is_a": (ctypes.c_int, [_vp, _buf]),
    "EVP_PKEY_CTX_new": (_vp, [_vp, _vp]),
    "EVP_PKEY_CTX_free": (None, [_vp]),
    "EVP_PKEY_CTX_set1_id": (ctypes.c_int, [_vp, _buf, ctypes.c_int]),
    "EVP_MD_CTX_new": (_vp, []),
    "EVP_MD_CTX_free": (None, [_vp]),
    "EVP_MD_CTX_set_pkey_ctx": (None, [_vp, _vp]),
    "EVP_get_digestbyname": (_vp, [_buf]),
    "EVP_DigestSignInit": (ctypes.c_int, [_vp, _vp, _vp, _vp, _vp]),
    "EVP_DigestSign": (ctypes.c_int, [_vp, _buf, _psz, _buf, _sz]),
    "EVP_DigestVerifyInit": (ctypes.c_int, [_vp, _vp, _vp, _vp, _vp]),
    "EVP_DigestVerify": (ctypes.c_int, [_vp, _buf, _sz, _buf, _sz]),
    "EVP_PKEY_encrypt_init": (ctypes.c_int, [_vp]),
    "EVP_PKEY_encrypt": (ctypes.c_int, [_vp, _buf, _psz, _buf, _sz]),
    "EVP_PKEY_decrypt_init": (ctypes.c_int, [_vp]),
    "EVP_PKEY_decrypt": (ctypes.c_int, [_vp, _buf, _psz, _buf, _sz]),
    "CRYPTO_free": (None, [_vp, _buf, ctypes.c_int]),
    "CRYPTO_clear_free": (None, [_vp, _sz, _buf, ctypes.c_int]),
    "EVP_PKEY_CTX_new_from_name": (_vp, [_vp, _buf, _buf]),
    "EVP_PKEY_keygen_init": (ctypes.c_int, [_vp]),
    "EVP_PKEY_keygen": (ctypes.c_int, [_vp, _pvp]),
    "EVP_PKEY2PKCS8": (_vp, [_vp]),
    "i2d_PKCS8_PRIV_KEY_INFO": (ctypes.c_int, [_vp, _pvp]),
    "PKCS8_PRIV_KEY_INFO_free": (None, [_vp]),
    "d2i_PKCS12": (_vp, [_vp, _pbuf, ctypes.c_long]),
    "PKCS12_free": (None, [_vp]),
    "PKCS12_parse": (ctypes.c_int, [_vp, _buf, _pvp, _pvp, _pvp]),
    "i2d_X509": (ctypes.c_int, [_vp, _pvp]),
    "X509_free": (None, [_vp]),
    "OPENSSL_sk_num": (ctypes.c_int, [_vp]),
    "OPENSSL_sk_value": (_vp, [_vp, ctypes.c_int]),
    "OPENSSL_sk_free": (None, [_vp]),
}


@cache
def _lib() -> ctypes.CDLL:
    name = ctypes.util.find_library("crypto")
    if name is None:
        raise LibcryptoUnavailable("未找到系统 OpenSSL libcrypto（需要 libcrypto.so.3），无法进行 SM2 运算")
    lib = ctypes.CDLL(name)
    try:
        for fn, (restype, argtypes) in _SIGNATURES.items():
            getattr(lib, fn).restype = restype
            getattr(lib, fn).argtypes = argtypes
    except AttributeError as exc:
        raise LibcryptoUnavailable(f"系统 libcrypto 版本过旧（需要 OpenSSL 3）：{exc}") from exc
    return lib


def _drain_errors() -> str:
    lib = _lib()
    parts = []
    buf = ctypes.create_string_buffer(256)
    while code := lib.ERR_get_error():
        lib.ERR_error_string_n(code, buf, len(buf))
        parts.append(buf.value.decode("ascii", "replace"))
    return "; ".join(parts) or "no detail"


def _fail(exc_type: type[Exception], message: str) -> Exception:
    return exc_type(f"{message}（OpenSSL: {_drain_errors()}）")


@cache
def _sm3() -> int:
    md = _lib().EVP_get_digestbyname(b"SM3")
    if not md:
        raise LibcryptoUnavailable("系统 OpenSSL 未提供 SM3 摘要算法")
    return md


class _Key:
    """Owns one ``EVP_PKEY*``; freed when the Python object goes away."""

    def __init__(self, ptr: int):
        lib = _lib()
        self._ptr = ptr
        weakref.finalize(self, lib.EVP_PKEY_free, ptr)
        if lib.EVP_PKEY_is_a(ptr, b"SM2") != 1:
            raise UnsupportedAlgorithm("密钥不是 SM2 密钥（曲线不是 SM2 / 1.2.156.10197.1.301）")

    def public_key_der(self) -> bytes:
        """SubjectPublicKeyInfo DER (id-ecPublicKey on the SM2 curve)."""
        out = ctypes.c_void_p()
        n = _lib().i2d_PUBKEY(self._ptr, ctypes.byref(out))
        if n <= 0:
            raise _fail(CryptoFailure, "导出 SM2 公钥失败")
        try:
            return ctypes.string_at(out, n)
        finally:
            _lib().CRYPTO_free(out, None, 0)

    def public_point(self) -> bytes:
        """The uncompressed public point without the 04 prefix (64 bytes, x‖y)."""
        info = keys.PublicKeyInfo.load(self.public_key_der())
        return bytes(info["public_key"])[1:]


class Sm2PublicKey(_Key):
    @classmethod
    def from_der(cls, spki: bytes) -> Sm2PublicKey:
        """Load a SubjectPublicKeyInfo (DER)."""
        _check_size(spki)
        _lib().ERR_clear_error()
        p = ctypes.c_char_p(spki)
        ptr = _lib().d2i_PUBKEY(None, ctypes.byref(p), len(spki))
        if not ptr:
            raise _fail(MalformedKey, "无法解析 SM2 公钥（SubjectPublicKeyInfo DER）")
        return cls(ptr)

    @classmethod
    def from_pem(cls, pem: bytes) -> Sm2PublicKey:
        blocks = pem_blocks(pem, "PUBLIC KEY", error=MalformedKey)
        if len(blocks) != 1:
            raise MalformedKey("PEM 中应当恰好有一个 PUBLIC KEY 块")
        return cls.from_der(blocks[0][1])

    @classmethod
    def from_point(cls, point: bytes) -> Sm2PublicKey:
        """From a raw public point: 64 bytes x‖y, or 65 bytes with the 04 prefix."""
        if len(point) == 64:
            point = b"\x04" + point
        if len(point) != 65 or point[0] != 4:
            raise MalformedKey("SM2 公钥点应为 64 字节（x‖y）或以 04 开头的 65 字节")
        info = keys.PublicKeyInfo(
            {
                "algorithm": {
                    "algorithm": "ec",
                    "parameters": keys.ECDomainParameters("named", SM2_CURVE_OID),
                },
                "public_key": point,
            }
        )
        return cls.from_der(info.dump())

    def verify(self, signature: bytes, data: bytes, *, sm2_id: bytes = DEFAULT_ID) -> bool:
        """True when ``signature`` (DER) is a valid SM2-with-SM3 signature of ``data`` under ``sm2_id``."""
        lib = _lib()
        lib.ERR_clear_error()
        with _DigestContext(self._ptr, sm2_id) as (mctx, _):
            if lib.EVP_DigestVerifyInit(mctx, None, _sm3(), None, self._ptr) != 1:
                raise _fail(CryptoFailure, "SM2 验签初始化失败")
            ok = lib.EVP_DigestVerify(mctx, signature, len(signature), data, len(data))
        # A bad or malformed signature leaves entries in the queue; they are not our error.
        lib.ERR_clear_error()
        return ok == 1

    def encrypt(self, plaintext: bytes) -> bytes:
        """SM2 public-key encryption; returns the GM/T 0009 DER ciphertext (C1C3C2)."""
        return _pkey_crypt(self._ptr, plaintext, decrypt=False)


class Sm2PrivateKey(_Key):
    @classmethod
    def load(cls, data: bytes, password: bytes | None = None) -> Sm2PrivateKey:
        """Load from PEM (PKCS#8, encrypted PKCS#8, ``EC PRIVATE KEY``) or DER (PKCS#8, encrypted or not)."""
        _check_size(data)
        lib = _lib()
        lib.ERR_clear_error()
        if data.lstrip().startswith(b"-----BEGIN"):
            ptr = _with_bio(data, lambda bio: lib.PEM_read_bio_PrivateKey(bio, None, None, password or b""))
        elif _looks_encrypted_pkcs8(data):
            ptr = _with_bio(data, lambda bio: lib.d2i_PKCS8PrivateKey_bio(bio, None, None, password or b""))
        else:
            p = ctypes.c_char_p(data)
            ptr = lib.d2i_AutoPrivateKey(None, ctypes.byref(p), len(data))
        if not ptr:
            detail = _drain_errors()
            if "bad decrypt" in detail or "password" in detail.lower():
                raise WrongPassword("私钥口令错误，无法解密 SM2 私钥")
            raise MalformedKey(f"无法解析 SM2 私钥（OpenSSL: {detail}）")
        return cls(ptr)

    def sign(self, data: bytes, *, sm2_id: bytes = DEFAULT_ID) -> bytes:
        """SM2-with-SM3 signature of ``data`` (Z_A computed from ``sm2_id``), DER ``SEQUENCE{r, s}``."""
        lib = _lib()
        lib.ERR_clear_error()
        with _DigestContext(self._ptr, sm2_id) as (mctx, _):
            if lib.EVP_DigestSignInit(mctx, None, _sm3(), None, self._ptr) != 1:
                raise _fail(CryptoFailure, "SM2 签名初始化失败")
            size = ctypes.c_size_t(0)
            if lib.EVP_DigestSign(mctx, None, ctypes.byref(size), data, len(data)) != 1:
                raise _fail(CryptoFailure, "SM2 签名失败")
            out = ctypes.create_string_buffer(size.value)
            if lib.EVP_DigestSign(mctx, out, ctypes.byref(size), data, len(data)) != 1:
                raise _fail(CryptoFailure, "SM2 签名失败")
            return out.raw[: size.value]

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        """A fresh SM2 key pair from OpenSSL's DRBG (what ``openssl genpkey -algorithm SM2`` does)."""
        lib = _lib()
        lib.ERR_clear_error()
        pctx = lib.EVP_PKEY_CTX_new_from_name(None, b"SM2", None)
        if not pctx:
            raise _fail(CryptoFailure, "生成 SM2 密钥失败：无法分配上下文")
        pkey = ctypes.c_void_p()
        try:
            if lib.EVP_PKEY_keygen_init(pctx) != 1 or lib.EVP_PKEY_keygen(pctx, ctypes.byref(pkey)) != 1:
                raise _fail(CryptoFailure, "生成 SM2 密钥失败")
        finally:
            lib.EVP_PKEY_CTX_free(pctx)
        return cls(pkey.value)

    def pkcs8_der(self) -> bytes:
        """The unencrypted PKCS#8 ``PrivateKeyInfo`` (DER): id-ecPublicKey on the SM2 curve, as OpenSSL writes it.

        Meant for splitting the key into shares (``pki.sharing``) or sealing it at once; the OpenSSL copy of
        the encoding is wiped before it is freed, the returned bytes are the caller's to drop."""
        lib = _lib()
        lib.ERR_clear_error()
        p8 = lib.EVP_PKEY2PKCS8(self._ptr)
        if not p8:
            raise _fail(CryptoFailure, "导出 SM2 私钥（PKCS#8）失败")
        out = ctypes.c_void_p()
        try:
            n = lib.i2d_PKCS8_PRIV_KEY_INFO(p8, ctypes.byref(out))
            if n <= 0:
                raise _fail(CryptoFailure, "导出 SM2 私钥（PKCS#8）失败")
            try:
                return ctypes.string_at(out, n)
            finally:
                lib.CRYPTO_clear_free(out, n, None, 0)
        finally:
            lib.PKCS8_PRIV_KEY_INFO_free(p8)

    def decrypt(self, ciphertext: bytes) -> bytes:
        """Decrypt a GM/T 0009 DER ciphertext."""
        return _pkey_crypt(self._ptr, ciphertext, decrypt=True)

    def public_key(self) -> Sm2PublicKey:
        return Sm2PublicKey.from_der(self.public_key_der())


def verify_certificate(cert_der: bytes, issuer: Sm2PublicKey, *, sm2_id: bytes = DEFAULT_ID) -> bool:
    """Whether ``issuer`` signed this X.509 certificate (SM2-with-SM3) under ``sm2_id``.

    Verifies the TBSCertificate bytes directly, which is what ``X509_verify`` does after
    ``X509_set0_distinguishing_id`` — without handing an ``X509*`` and an ID object across ctypes.
    """
    _check_size(cert_der)
    try:
        cert = x509.Certificate.load(cert_der, strict=True)
        algorithm = cert["signature_algorithm"]["algorithm"].dotted
        tbs, signature = cert["tbs_certificate"].dump(), cert["signature_value"].native
    except (ValueError, TypeError) as exc:
        raise MalformedCertificate(f"证书结构损坏：{exc}") from exc
    if algorithm not in ("1.2.156.10197.1.501", "1.2.156.10197.1.301.1"):
        raise UnsupportedAlgorithm(f"证书签名算法不是 SM2-with-SM3：{algorithm}")
    return issuer.verify(signature, tbs, sm2_id=sm2_id)


def load_pkcs12(data: bytes, password: bytes | None) -> tuple[Sm2PrivateKey, bytes | None, list[bytes]]:
    """An SM2 PKCS#12 (which ``cryptography`` cannot open): (key, certificate DER, CA certificates DER)."""
    _check_size(data)
    lib = _lib()
    lib.ERR_clear_error()
    p = ctypes.c_char_p(data)
    p12 = lib.d2i_PKCS12(None, ctypes.byref(p), len(data))
    if not p12:
        raise _fail(MalformedKey, "无法解析 PKCS#12 文件")
    pkey, cert, cas = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    try:
        ok = lib.PKCS12_parse(p12, password or b"", ctypes.byref(pkey), ctypes.byref(cert), ctypes.byref(cas))
    finally:
        lib.PKCS12_free(p12)
    try:
        if ok != 1:
            detail = _drain_errors()
            if "mac verify" in detail:
                raise WrongPassword("PKCS#12 口令错误")
            raise MalformedKey(f"无法读取 PKCS#12 内容（OpenSSL: {detail}）")
        if not pkey.value:
            raise MalformedKey("PKCS#12 文件中没有私钥")
        # Ownership passes to the key object (its finalizer frees it even if the type check fails).
        ptr, pkey.value = pkey.value, None
        key = Sm2PrivateKey(ptr)
        chain = [_x509_der(lib.OPENSSL_sk_value(cas, i)) for i in range(lib.OPENSSL_sk_num(cas))] if cas else []
        return key, (_x509_der(cert.value) if cert.value else None), chain
    finally:
        if pkey.value:
            lib.EVP_PKEY_free(pkey)
        if cert.value:
            lib.X509_free(cert)
        if cas.value:
            for i in range(lib.OPENSSL_sk_num(cas)):
                lib.X509_free(lib.OPENSSL_sk_value(cas, i))
            lib.OPENSSL_sk_free(cas)


def _x509_der(x509: int) -> bytes:
    out = ctypes.c_void_p()
    n = _lib().i2d_X509(x509, ctypes.byref(out))
    if n <= 0:
        raise _fail(CryptoFailure, "导出证书失败")
    try:
        return ctypes.string_at(out, n)
    finally:
        _lib().CRYPTO_free(out, None, 0)


class _DigestContext:
    """An ``EVP_MD_CTX`` with an ``EVP_PKEY_CTX`` carrying the ID; both freed on exit (man SM2(7))."""

    def __init__(self, pkey: int, sm2_id: bytes):
        self._pkey, self._id = pkey, bytes(sm2_id)

    def __enter__(self) -> tuple[int, int]:
        lib = _lib()
        self._mctx = lib.EVP_MD_CTX_new()
        self._pctx = lib.EVP_PKEY_CTX_new(self._pkey, None)
        if not self._mctx or not self._pctx:
            self.__exit__()
            raise _fail(CryptoFailure, "无法分配 OpenSSL 上下文")
        if lib.EVP_PKEY_CTX_set1_id(self._pctx, self._id, len(self._id)) != 1:
            self.__exit__()
            raise _fail(CryptoFailure, "无法设置 SM2 区分标识（ID）")
        # The MD context borrows the PKEY context (EVP_MD_CTX_FLAG_KEEP_PKEY_CTX): we free both.
        lib.EVP_MD_CTX_set_pkey_ctx(self._mctx, self._pctx)
        return self._mctx, self._pctx

    def __exit__(self, *exc: object) -> None:
        lib = _lib()
        if self._mctx:
            lib.EVP_MD_CTX_free(self._mctx)
        if self._pctx:
            lib.EVP_PKEY_CTX_free(self._pctx)
        self._mctx = self._pctx = None


def _pkey_crypt(pkey: int, data: bytes, *, decrypt: bool) -> bytes:
    lib = _lib()
    _check_size(data)
    lib.ERR_clear_error()
    init, run = (
        (lib.EVP_PKEY_decrypt_init, lib.EVP_PKEY_decrypt)
        if decrypt
        else (lib.EVP_PKEY_encrypt_init, lib.EVP_PKEY_encrypt)
    )
    what = "SM2 解密" if decrypt else "SM2 加密"
    pctx = lib.EVP_PKEY_CTX_new(pkey, None)
    if not pctx:
        raise _fail(CryptoFailure, f"{what}失败：无法分配上下文")
    try:
        size = ctypes.c_size_t(0)
        if init(pctx) != 1 or run(pctx, None, ctypes.byref(size), data, len(data)) != 1:
            raise _fail(CryptoFailure, f"{what}失败")
        out = ctypes.create_string_buffer(size.value)
        if run(pctx, out, ctypes.byref(size), data, len(data)) != 1:
            raise _fail(CryptoFailure, f"{what}失败（密文损坏或密钥不匹配）")
        return out.raw[: size.value]
    finally:
        lib.EVP_PKEY_CTX_free(pctx)


def _with_bio(data: bytes, read):
    lib = _lib()
    keep = ctypes.create_string_buffer(data, len(data))
    bio = lib.BIO_new_mem_buf(keep, len(data))
    if not bio:
        raise _fail(CryptoFailure, "无法分配 OpenSSL BIO")
    try:
        return read(bio)
    finally:
        lib.BIO_free(bio)


def _looks_encrypted_pkcs8(data: bytes) -> bool:
    try:
        info = keys.EncryptedPrivateKeyInfo.load(data, strict=True)
        return info["encryption_algorithm"]["algorithm"].native is not None
    except (ValueError, TypeError, KeyError):
        return False


def _check_size(data: bytes) -> None:
    if len(data) > _MAX_INPUT:
        raise PkiInputTooLarge(f"输入过大（{len(data)} 字节，上限 {_MAX_INPUT} 字节）")


class _Sm2Cipher(core.Sequence):
    _fields = [
        ("x", core.Integer),
        ("y", core.Integer),
        ("hash", core.OctetString),
        ("ciphertext", core.OctetString),
    ]


def raw_ciphertext(der: bytes, *, order: str = "c1c3c2") -> bytes:
    """DER (GM/T 0009) → raw ``04‖x‖y‖C3‖C2`` (or ``C1‖C2‖C3`` for older tools)."""
    try:
        c = _Sm2Cipher.load(der, strict=True)
        c1 = b"\x04" + c["x"].native.to_bytes(32, "big") + c["y"].native.to_bytes(32, "big")
        c3, c2 = c["hash"].native, c["ciphertext"].native
    except (ValueError, TypeError, OverflowError) as exc:
        raise MalformedKey(f"SM2 密文不是合法的 GM/T 0009 DER 结构：{exc}") from exc
    return c1 + (c3 + c2 if order == "c1c3c2" else c2 + c3)


def der_ciphertext(raw: bytes, *, order: str = "c1c3c2", prefixed: bool = True) -> bytes:
    """Raw ``04‖x‖y‖…`` (``prefixed=False``: without the 04) in the given order → DER (GM/T 0009)."""
    if prefixed:
        if raw[:1] != b"\x04":
            raise MalformedKey("SM2 原始密文应以 04 开头（未压缩点）")
        raw = raw[1:]
    if len(raw) < 64 + 32 + 1:
        raise MalformedKey("SM2 原始密文过短")
    x, y, rest = raw[:32], raw[32:64], raw[64:]
    c3, c2 = (rest[:32], rest[32:]) if order == "c1c3c2" else (rest[-32:], rest[:-32])
    value = {"x": int.from_bytes(x, "big"), "y": int.from_bytes(y, "big"), "hash": c3, "ciphertext": c2}
    return _Sm2Cipher(value).dump()
