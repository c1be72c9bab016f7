"""CMS EnvelopedData (RFC 5652) and AuthEnvelopedData (RFC 5083): the sealed-bid envelope.

No library decrypts ECDH, AES-GCM or SM2 envelopes (libraries.md §2), so this module reads and
writes them on ``asn1crypto`` (small structures) and ``cryptography`` (primitives). The encrypted
content itself is never held whole: a small BER reader walks the outer containers, so a 500 MB
envelope is checked, decrypted or written from a file object in 1 MiB steps.

Accepted: DER, indefinite-length BER (``openssl cms -encrypt -stream``) and PEM; content types
RFC 5652 ``envelopedData``, RFC 5083 ``authEnvelopedData`` and GM/T 0010 ``envelopedData``
(``1.2.156.10197.6.1.4.2.3``); recipients ``ktri`` with RSA PKCS#1 v1.5, RSAES-OAEP (any
digest) or SM2 (``1.2.156.10197.1.301.3``, GM/T 0009 DER ciphertext; raw C1C3C2 too) and ``kari``
with ephemeral-static ECDH on P-256 (X9.63 KDF with SHA-1…SHA-512, AES key wrap).

Written: DER with definite lengths when the content length is known (bytes, seekable files),
otherwise indefinite-length BER; RSA → OAEP/SHA-256, P-256 → dhSinglePass-stdDH-sha256kdf-scheme
with aes256-wrap, SM2 → SM2 encryption of the content key. GCM content goes into
AuthEnvelopedData, CBC into EnvelopedData. Both open with ``openssl cms -decrypt`` (RSA, EC).

Streaming caveat: ``decrypt(out=…)`` writes plaintext before the GCM tag (which follows the
content) is checked; when it raises ``pki.envelope_tampered`` the caller must discard ``out``.
"""

from __future__ import annotations

import base64
import binascii
import io
import itertools
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, keywrap, serialization
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF

from ggzy.kit.errors import ValidationFailed
from ggzy.pki import sm2
from ggzy.pki.certs import Certificate
from ggzy.pki.errors import CryptoFailure
from ggzy.pki.keys import KeyAlgorithm, PrivateKey


class EnvelopeError(ValidationFailed):
    code = "pki.envelope_malformed"


class NotAnEnvelope(EnvelopeError):
    """Not CMS at all, or CMS of another kind (SignedData, plain data): the E-9 "unencrypted upload"."""

    code = "pki.not_an_envelope"


class EnvelopeMalformed(EnvelopeError):
    code = "pki.envelope_malformed"


class EnvelopeTruncated(EnvelopeMalformed):
    code = "pki.envelope_truncated"


class EnvelopeUnsupported(EnvelopeError):
    code = "pki.envelope_unsupported"


class EnvelopeNotAddressed(EnvelopeError):
    """The certificate is not among the envelope's recipients."""

    code = "pki.envelope_not_addressed"


class EnvelopeWrongKey(EnvelopeError):
    code = "pki.envelope_wrong_key"


class EnvelopeTampered(EnvelopeError):
    code = "pki.envelope_tampered"


ENVELOPED_DATA = "1.2.840.113549.1.7.3"
AUTH_ENVELOPED_DATA = "1.2.840.113549.1.9.16.1.23"
GMT_ENVELOPED_DATA = "1.2.156.10197.6.1.4.2.3"
DATA = "1.2.840.113549.1.7.1"
_KINDS = {ENVELOPED_DATA: "enveloped", GMT_ENVELOPED_DATA: "enveloped", AUTH_ENVELOPED_DATA: "auth_enveloped"}
_OTHER_CMS = {
    DATA: "data",
    "1.2.840.113549.1.7.2": "signed_data",
    "1.2.156.10197.6.1.4.2.2": "signed_data",
    "1.2.840.113549.1.7.4": "signed_and_enveloped_data",
    "1.2.840.113549.1.7.5": "digested_data",
    "1.2.840.113549.1.7.6": "encrypted_data",
    "1.2.840.113549.1.9.16.1.2": "authenticated_data",
    "1.2.840.113549.1.9.16.1.9": "compressed_data",
}

RSA_PKCS1 = "1.2.840.113549.1.1.1"
RSA_OAEP = "1.2.840.113549.1.1.7"
SM2_ENCRYPT = "1.2.156.10197.1.301.3"
SM2_KEY = "1.2.156.10197.1.301"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
P256 = "1.2.840.10045.3.1.7"
ECDH_SHA256_KDF = "1.3.132.1.11.1"
AES256_WRAP = "2.16.840.1.101.3.4.1.45"
# RFC 5753 / SEC 1 key-agreement schemes → the X9.63 KDF digest. Cofactor DH equals standard DH on P-256 (h = 1).
_ECDH_SCHEMES = {
    "1.3.133.16.840.63.0.2": hashes.SHA1,
    "1.3.132.1.11.0": hashes.SHA224,
    ECDH_SHA256_KDF: hashes.SHA256,
    "1.3.132.1.11.2": hashes.SHA384,
    "1.3.132.1.11.3": hashes.SHA512,
    "1.3.133.16.840.63.0.3": hashes.SHA1,
    "1.3.132.1.14.0": hashes.SHA224,
    "1.3.132.1.14.1": hashes.SHA256,
    "1.3.132.1.14.2": hashes.SHA384,
    "1.3.132.1.14.3": hashes.SHA512,
}
_WRAPS = {"2.16.840.1.101.3.4.1.5": 16, "2.16.840.1.101.3.4.1.25": 24, AES256_WRAP: 32}
_OAEP_HASHES = {"sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256, "sha384": hashes.SHA384}
_OAEP_HASHES["sha512"] = hashes.SHA512


@dataclass(frozen=True)
class _ContentSpec:
    name: str
    oid: str
    cipher: type
    key_size: int
    aead: bool


CONTENT_ALGORITHMS = {
    spec.name: spec
    for spec in (
        _ContentSpec("aes-128-cbc", "2.16.840.1.101.3.4.1.2", algorithms.AES, 16, False),
        _ContentSpec("aes-192-cbc", "2.16.840.1.101.3.4.1.22", algorithms.AES, 24, False),
        _ContentSpec("aes-256-cbc", "2.16.840.1.101.3.4.1.42", algorithms.AES, 32, False),
        _ContentSpec("aes-128-gcm", "2.16.840.1.101.3.4.1.6", algorithms.AES, 16, True),
        _ContentSpec("aes-192-gcm", "2.16.840.1.101.3.4.1.26", algorithms.AES, 24, True),
        _ContentSpec("aes-256-gcm", "2.16.840.1.101.3.4.1.46", algorithms.AES, 32, True),
        _ContentSpec("sm4-cbc", "1.2.156.10197.1.104.2", algorithms.SM4, 16, False),
        _ContentSpec("sm4-gcm", "1.2.156.10197.1.104.8", algorithms.SM4, 16, True),
    )
}
_CONTENT_BY_OID = {spec.oid: spec for spec in CONTENT_ALGORITHMS.values()}

CHUNK = 1 << 20
"""Content is read, encrypted and decrypted in 1 MiB steps."""
MAX_HEADER_ELEMENT = 1 << 20
"""No recipient list or algorithm identifier comes near 1 MiB; a bigger one is an attack or garbage."""


class _AlgorithmIdentifier(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class _GcmParameters(core.Sequence):
    _fields = [("nonce", core.OctetString), ("icv_len", core.Integer, {"default": 12})]


class _EccCmsSharedInfo(core.Sequence):
    """RFC 5753 §7.2: the X9.63 KDF's SharedInfo."""

    _fields = [
        ("key_info", _AlgorithmIdentifier),
        ("entity_u_info", core.OctetString, {"explicit": 0, "optional": True}),
        ("supp_pub_info", core.OctetString, {"explicit": 2}),
    ]


# ---------------------------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class RecipientId:
    """Who a recipient is: issuer (DER Name) and serial number, or a subjectKeyIdentifier."""

    issuer: bytes | None = None
    serial_number: int | None = None
    subject_key_id: bytes | None = None

    def matches(self, cert: Certificate) -> bool:
        if self.subject_key_id is not None:
            return cert.subject_key_id == self.subject_key_id
        tbs = asn1_x509.Certificate.load(cert.der)["tbs_certificate"]
        return tbs["serial_number"].native == self.serial_number and tbs["issuer"] == asn1_x509.Name.load(
            self.issuer or b""
        )


@dataclass(frozen=True)
class RecipientInfo:
    """One recipient: ``kind`` ktri/kari, ``key_algorithm`` rsa/rsa_oaep/ecdh_p256/sm2."""

    kind: str
    key_algorithm: str
    rid: RecipientId
    encrypted_key: bytes
    key_encryption_oid: str
    key_encryption_params: bytes | None = None
    originator_point: bytes | None = None
    ukm: bytes | None = None

    def matches(self, cert: Certificate) -> bool:
        return self.rid.matches(cert)


@dataclass(frozen=True)
class EnvelopeInfo:
    """The header of an envelope. Offsets count from the first byte of the (PEM-decoded) envelope."""

    kind: str
    recipients: list[RecipientInfo]
    content_algorithm: str
    content_offset: int
    content_length: int
    content_type: str = DATA
    iv: bytes = b""
    tag_length: int = 0
    mac: bytes | None = None
    auth_attrs: bytes | None = None
    chunked: bool = False
    encoding: str = "der"

    def recipient_for(self, cert: Certificate) -> RecipientInfo | None:
        return next((r for r in self.recipients if r.matches(cert)), None)

    def is_addressed_to(self, cert: Certificate) -> bool:
        return self.recipient_for(cert) is not None


# ---------------------------------------------------------------------------------------------- BER reader


class _Reader:
    """Forward reader over a byte stream with a small push-back buffer and a byte position."""

    def __init__(self, stream: BinaryIO, prefix: bytes = b""):
        self._s = stream
        self._pending = prefix
        self.pos = 0
        self.encoding = "der"
        try:
            self.seekable = stream.seekable()
        except (AttributeError, OSError, ValueError):
            self.seekable = False
        self._base = stream.tell() - len(prefix) if self.seekable else 0
        self._size = stream.seek(0, io.SEEK_END) - self._base if self.seekable else None
        if self.seekable:
            stream.seek(self._base + len(prefix))

    def read(self, n: int) -> bytes:
        if n <= len(self._pending):
            data, self._pending = self._pending[:n], self._pending[n:]
        else:
            parts = [self._pending]
            got = len(self._pending)
            self._pending = b""
            while got < n:
                piece = self._s.read(n - got)
                if not piece:
                    raise EnvelopeTruncated(
                        f"信封在第 {self.pos + got} 字节处意外结束（文件被截断？）", detail={"offset": self.pos + got}
                    )
                parts.append(piece)
                got += len(piece)
            data = b"".join(parts)
        self.pos += n
        return data

    def readinto(self, view: memoryview) -> None:
        n = len(view)
        got = min(n, len(self._pending))
        view[:got] = self._pending[:got]
        self._pending = self._pending[got:]
        while got < n:
            more = self._s.readinto(view[got:])
            if not more:
                raise EnvelopeTruncated(
                    f"信封在第 {self.pos + got} 字节处意外结束（文件被截断？）", detail={"offset": self.pos + got}
                )
            got += more
        self.pos += n

    def peek(self, n: int) -> bytes:
        while len(self._pending) < n:
            piece = self._s.read(n - len(self._pending))
            if not piece:
                break
            self._pending += piece
        return self._pending[:n]

    def skip(self, n: int) -> None:
        if not self.seekable or n < CHUNK:
            while n:
                step = min(n, CHUNK)
                self.read(step)
                n -= step
            return
        self._pending = b""
        if self.pos + n > self._size:
            raise EnvelopeTruncated(f"信封内容声明 {n} 字节，但文件在此之前结束（文件被截断？）")
        self._s.seek(self._base + self.pos + n)
        self.pos += n

    def rewind(self) -> None:
        self._s.seek(self._base)
        self._pending = b""
        self.pos = 0

    def header(self) -> tuple[int, int | None]:
        """(tag byte, length) of the next element; length None for indefinite form."""
        tag = self.read(1)[0]
        if tag & 0x1F == 0x1F:
            raise EnvelopeMalformed(f"第 {self.pos - 1} 字节：不支持的多字节 ASN.1 标签")
        first = self.read(1)[0]
        if first < 0x80:
            return tag, first
        if first == 0x80:
            if not tag & 0x20:
                raise EnvelopeMalformed(f"第 {self.pos - 2} 字节：简单类型不能使用不定长编码")
            self.encoding = "ber"
            return tag, None
        count = first & 0x7F
        if count > 8:
            raise EnvelopeMalformed(f"第 {self.pos - 2} 字节：长度字段过长")
        return tag, int.from_bytes(self.read(count), "big")

    def element(self, expected: int | None = None, *, what: str) -> bytes:
        """The next whole element (header included), BER or DER, at most ``MAX_HEADER_ELEMENT`` bytes."""
        start = self.pos
        tag, length = self.header()
        if expected is not None and tag != expected:
            raise EnvelopeMalformed(f"{what}：第 {start} 字节处应为标签 0x{expected:02x}，实际为 0x{tag:02x}")
        head = _der_header(tag, length) if length is not None else bytes([tag, 0x80])
        if length is not None:
            if length > MAX_HEADER_ELEMENT:
                raise EnvelopeMalformed(f"{what}过大（{length} 字节）")
            return head + self.read(length)
        parts = [head]
        while self.peek(2) != b"\x00\x00":
            parts.append(self.element(what=what))
            if self.pos - start > MAX_HEADER_ELEMENT:
                raise EnvelopeMalformed(f"{what}过大")
        parts.append(self.read(2))
        return b"".join(parts)

    def oid(self, *, what: str) -> str:
        raw = self.element(0x06, what=what)
        try:
            return core.ObjectIdentifier.load(raw).dotted
        except ValueError as exc:
            raise EnvelopeMalformed(f"{what}：对象标识符损坏") from exc

    def open(self, length: int | None) -> int | None:
        """Enter a constructed element; returns its end position (None when indefinite)."""
        return None if length is None else self.pos + length

    def at_end(self, end: int | None) -> bool:
        if end is not None:
            if self.pos > end:
                raise EnvelopeMalformed(f"第 {end} 字节：元素内容超出其声明的长度")
            return self.pos == end
        if self.peek(2) == b"\x00\x00":
            self.read(2)
            return True
        return False

    def close(self, end: int | None, what: str) -> None:
        if not self.at_end(end):
            raise EnvelopeMalformed(f"{what}之后有多余的数据（第 {self.pos} 字节）")


def _der_header(tag: int, length: int) -> bytes:
    if length < 0x80:
        return bytes([tag, length])
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size


# ---------------------------------------------------------------------------------------------- parsing


@dataclass
class _Head:
    kind: str
    recipients: list[RecipientInfo]
    spec: _ContentSpec
    iv: bytes
    tag_length: int
    content_type: str
    ends: list[int | None]
    content_tag: int
    content_len: int | None
    content_offset: int


def _open_source(source: bytes | bytearray | memoryview | BinaryIO) -> _Reader:
    if isinstance(source, bytes | bytearray | memoryview):
        stream: BinaryIO = io.BytesIO(bytes(source))
    elif hasattr(source, "read"):
        stream = source
    else:
        raise NotAnEnvelope("信封应为字节串或可读的文件对象", detail={"reason": "not_bytes"})
    first = stream.read(64) or b""
    if not first:
        raise NotAnEnvelope("文件为空，不是加密信封", detail={"reason": "empty"})
    if first.lstrip()[:11] == b"-----BEGIN ":
        reader = _Reader(_pem_to_der(first, stream))
        reader.encoding = "pem"
        return reader
    return _Reader(stream, first)


def _pem_to_der(first: bytes, stream: BinaryIO) -> BinaryIO:
    """Decode one PEM block into a spooled file (memory up to 16 MiB, then disk)."""
    out = tempfile.SpooledTemporaryFile(max_size=16 << 20)  # noqa: SIM115 - handed to the caller
    lines = iter((first + (stream.readline() if not first.endswith(b"\n") else b"")).splitlines())
    begin = next(lines, b"")
    label = begin.strip()
    if not label.endswith(b"-----"):
        raise EnvelopeMalformed("PEM 起始行损坏")
    rest = b""
    # itertools.chain, not a generator with ``yield from``: closing that would close the caller's file.
    for line in itertools.chain(lines, stream):
        line = line.strip()
        if line.startswith(b"-----END "):
            if rest:
                raise EnvelopeMalformed("PEM 的 base64 内容长度不对", code="pki.envelope_malformed.pem")
            out.seek(0)
            return out
        if b":" in line:
            continue
        rest += line
        cut = len(rest) - len(rest) % 4
        try:
            out.write(base64.b64decode(rest[:cut], validate=True))
        except (binascii.Error, ValueError) as exc:
            raise EnvelopeMalformed(f"PEM 的 base64 内容损坏：{exc}", code="pki.envelope_malformed.pem") from exc
        rest = rest[cut:]
    raise EnvelopeTruncated("PEM 缺少 END 行（文件被截断？）")


def _read_head(r: _Reader) -> _Head:
    tag, length = r.header()
    if tag != 0x30:
        raise NotAnEnvelope("不是 CMS 结构（既非 DER/BER 也非 PEM）", detail={"reason": "not_cms"})
    ends = [r.open(length)]
    if r.peek(1) != b"\x06":
        raise NotAnEnvelope("不是 CMS ContentInfo（缺少内容类型）", detail={"reason": "not_cms"})
    content_type = r.oid(what="内容类型")
    if content_type not in _KINDS:
        name = _OTHER_CMS.get(content_type, content_type)
        hint = "：这是签名文件，投标文件必须加密后上传" if name == "signed_data" else ""
        raise NotAnEnvelope(f"不是加密信封（CMS 内容类型 {name}）{hint}", detail={"reason": name})
    kind = _KINDS[content_type]
    for expected in (0xA0, 0x30):
        tag, length = r.header()
        if tag != expected:
            raise EnvelopeMalformed(f"信封结构损坏：第 {r.pos} 字节附近应为标签 0x{expected:02x}")
        ends.append(r.open(length))
    r.element(0x02, what="版本号")
    if r.peek(1) == b"\xa0":
        r.element(what="originatorInfo")
    recipients = _recipients(r.element(0x31, what="接收者列表（RecipientInfos）"))
    tag, length = r.header()
    if tag != 0x30:
        raise EnvelopeMalformed("信封结构损坏：缺少 EncryptedContentInfo")
    ends.append(r.open(length))
    inner_type = r.oid(what="被加密内容的类型")
    spec, iv, tag_length = _content_algorithm(r.element(0x30, what="内容加密算法"), kind)
    if r.at_end(ends[-1]):
        raise EnvelopeUnsupported("信封不含密文（分离式 EnvelopedData 不支持）")
    content_tag, content_len = r.header()
    if content_tag not in (0x80, 0xA0):
        raise EnvelopeMalformed(f"密文字段标签应为 [0]，实际为 0x{content_tag:02x}")
    return _Head(kind, recipients, spec, iv, tag_length, inner_type, ends, content_tag, content_len, r.pos)


def _walk_content(r: _Reader, head: _Head, sink: Callable[[int], None]) -> tuple[int, int]:
    """Pass every ciphertext byte to ``sink(n)`` (which reads or skips n bytes); returns (offset, length)."""
    first: list[int] = []

    def primitive(length: int) -> int:
        if not first:
            first.append(r.pos)
        done = length
        while done:
            step = min(done, CHUNK)
            sink(step)
            done -= step
        return length

    def constructed(length: int | None) -> int:
        end = r.open(length)
        total = 0
        while not r.at_end(end):
            tag, size = r.header()
            if tag == 0x04 and size is not None:
                total += primitive(size)
            elif tag == 0x24:
                total += constructed(size)
            else:
                raise EnvelopeMalformed(f"密文分段的标签应为 OCTET STRING，实际为 0x{tag:02x}（第 {r.pos} 字节）")
        return total

    if head.content_tag == 0x80:
        if head.content_len is None:
            raise EnvelopeMalformed("密文字段长度无效")
        total = primitive(head.content_len)
    else:
        total = constructed(head.content_len)
    return (first[0] if first else r.pos), total


def _read_tail(r: _Reader, head: _Head) -> tuple[bytes | None, bytes | None]:
    """After the content: close the containers, read authAttrs and the MAC. Returns (mac, auth_attrs)."""
    ends = list(head.ends)
    r.close(ends.pop(), "EncryptedContentInfo")
    mac = auth_attrs = None
    body = ends.pop()
    if head.kind == "auth_enveloped":
        if r.peek(1) == b"\xa1":
            auth_attrs = r.element(what="authAttrs")
        mac = core.OctetString.load(r.element(0x04, what="认证标签（mac）")).native
        if len(mac) != head.tag_length:
            raise EnvelopeMalformed(f"认证标签长度 {len(mac)} 与算法参数 {head.tag_length} 不符")
        if r.peek(1) == b"\xa2":
            r.element(what="unauthAttrs")
    elif r.peek(1) == b"\xa1":
        r.element(what="unprotectedAttrs")
    elif head.spec.aead:
        raise EnvelopeUnsupported("GCM 内容必须使用 AuthEnvelopedData（RFC 5083）")
    r.close(body, "EnvelopedData")
    while ends:
        r.close(ends.pop(), "ContentInfo")
    return mac, auth_attrs


def parse_envelope(source: bytes | BinaryIO) -> EnvelopeInfo:
    """Read and check an envelope's structure without holding its encrypted content in memory."""
    start = _tell(source)
    r = _open_source(source)
    head = _read_head(r)
    offset, length = _walk_content(r, head, r.skip)
    mac, auth_attrs = _read_tail(r, head)
    if start is not None:
        source.seek(start)
    return EnvelopeInfo(
        kind=head.kind,
        recipients=head.recipients,
        content_algorithm=head.spec.name,
        content_offset=offset,
        content_length=length,
        content_type=head.content_type,
        iv=head.iv,
        tag_length=head.tag_length,
        mac=mac,
        auth_attrs=auth_attrs,
        chunked=head.content_tag == 0xA0,
        encoding=r.encoding,
    )


def _tell(source) -> int | None:
    """Where a seekable stream stands, so that parsing can leave it there for ``decrypt``."""
    try:
        return source.tell() if not isinstance(source, bytes | bytearray | memoryview) and source.seekable() else None
    except (AttributeError, OSError, ValueError):
        return None


def _content_algorithm(der: bytes, kind: str) -> tuple[_ContentSpec, bytes, int]:
    try:
        alg = _AlgorithmIdentifier.load(der)
        oid = alg["algorithm"].dotted
        params = alg["parameters"]
    except ValueError as exc:
        raise EnvelopeMalformed(f"内容加密算法标识损坏：{exc}") from exc
    spec = _CONTENT_BY_OID.get(oid)
    if spec is None:
        raise EnvelopeUnsupported(f"不支持的内容加密算法：{oid}", detail={"algorithm": oid})
    if spec.aead != (kind == "auth_enveloped"):
        raise EnvelopeUnsupported(f"{spec.name} 不能用于 {kind}（GCM 须用 AuthEnvelopedData，CBC 须用 EnvelopedData）")
    try:
        if spec.aead:
            gcm = _GcmParameters.load(params.dump())
            iv, tag_length = gcm["nonce"].native, gcm["icv_len"].native
        else:
            iv, tag_length = core.OctetString.load(params.dump()).native, 0
    except (ValueError, TypeError) as exc:
        raise EnvelopeMalformed(f"{spec.name} 的参数（IV/nonce）损坏：{exc}") from exc
    if spec.aead and not (8 <= len(iv) <= 64 and 12 <= tag_length <= 16):
        raise EnvelopeMalformed(f"{spec.name} 参数不合规：nonce {len(iv)} 字节、标签 {tag_length} 字节")
    if not spec.aead and len(iv) != 16:
        raise EnvelopeMalformed(f"{spec.name} 的 IV 应为 16 字节，实际 {len(iv)} 字节")
    return spec, iv, tag_length


def _recipients(der: bytes) -> list[RecipientInfo]:
    try:
        infos = cms.RecipientInfos.load(der)
        out = []
        for info in infos:
            out.extend(_recipient(info))
    except (ValueError, TypeError, KeyError) as exc:
        raise EnvelopeMalformed(f"接收者信息（RecipientInfo）损坏：{exc}") from exc
    if not out:
        raise EnvelopeMalformed("信封没有任何接收者")
    return out


def _recipient(info: cms.RecipientInfo) -> list[RecipientInfo]:
    if info.name == "ktri":
        ktri = info.chosen
        alg = ktri["key_encryption_algorithm"]
        oid = alg["algorithm"].dotted
        params = alg["parameters"]
        name = {RSA_PKCS1: "rsa", RSA_OAEP: "rsa_oaep", SM2_ENCRYPT: "sm2", SM2_KEY: "sm2"}.get(oid)
        if name is None:
            raise EnvelopeUnsupported(f"不支持的密钥加密算法：{oid}", detail={"algorithm": oid})
        rid = _rid(ktri["rid"])
        raw_params = None if params.native is None else params.dump()
        return [RecipientInfo("ktri", name, rid, ktri["encrypted_key"].native, oid, raw_params)]
    if info.name == "kari":
        return _kari(info.chosen)
    raise EnvelopeUnsupported(f"不支持的接收者类型：{info.name}（只接受 ktri 和 kari）", detail={"kind": info.name})


def _kari(kari: cms.KeyAgreeRecipientInfo) -> list[RecipientInfo]:
    alg = kari["key_encryption_algorithm"]
    scheme = alg["algorithm"].dotted
    if scheme not in _ECDH_SCHEMES:
        raise EnvelopeUnsupported(f"不支持的密钥协商方案：{scheme}", detail={"algorithm": scheme})
    wrap = _AlgorithmIdentifier.load(alg["parameters"].dump())
    if wrap["algorithm"].dotted not in _WRAPS:
        raise EnvelopeUnsupported(f"不支持的密钥封装算法：{wrap['algorithm'].dotted}")
    originator = kari["originator"]
    if originator.name != "originator_key":
        raise EnvelopeUnsupported("只支持临时-静态 ECDH（originatorKey），不支持静态发送方密钥")
    key_info = originator.chosen
    if key_info["algorithm"]["algorithm"].dotted != EC_PUBLIC_KEY:
        raise EnvelopeUnsupported("发送方临时公钥不是椭圆曲线公钥")
    curve = key_info["algorithm"]["parameters"]
    if curve.native is not None and curve.chosen.dotted != P256:
        raise EnvelopeUnsupported(f"不支持的椭圆曲线：{curve.chosen.dotted}（只接受 P-256）")
    point = bytes(key_info["public_key"])
    ukm = kari["ukm"].native
    out = []
    for rek in kari["recipient_encrypted_keys"]:
        rid = rek["rid"]
        if rid.name == "r_key_id":
            recipient_id = RecipientId(subject_key_id=rid.chosen["subject_key_identifier"].native)
        else:
            recipient_id = _issuer_serial(rid.chosen)
        out.append(
            RecipientInfo(
                "kari", "ecdh_p256", recipient_id, rek["encrypted_key"].native, scheme, wrap.dump(), point, ukm
            )
        )
    return out


def _rid(rid: cms.RecipientIdentifier) -> RecipientId:
    if rid.name == "subject_key_identifier":
        return RecipientId(subject_key_id=rid.chosen.native)
    return _issuer_serial(rid.chosen)


def _issuer_serial(value: cms.IssuerAndSerialNumber) -> RecipientId:
    return RecipientId(issuer=value["issuer"].dump(), serial_number=value["serial_number"].native)


# ---------------------------------------------------------------------------------------------- key unwrap


def unwrap_key(info: EnvelopeInfo, key: PrivateKey, cert: Certificate) -> bytes:
    """The content-encryption key, recovered for the recipient ``cert`` with its private ``key``."""
    return _unwrap(info.recipients, CONTENT_ALGORITHMS[info.content_algorithm], key, cert)


def _unwrap(recipients: list[RecipientInfo], spec: _ContentSpec, key: PrivateKey, cert: Certificate) -> bytes:
    if key.public_key().spki != cert.public_key.spki:
        raise EnvelopeWrongKey("私钥与证书不匹配，无法解开信封")
    recipient = next((r for r in recipients if r.matches(cert)), None)
    if recipient is None:
        raise EnvelopeNotAddressed(
            f"信封不是发给该证书的（{cert.subject_text}）", detail={"fingerprint": cert.fingerprint}
        )
    expected = {"rsa": KeyAlgorithm.RSA, "rsa_oaep": KeyAlgorithm.RSA, "ecdh_p256": KeyAlgorithm.ECDSA_P256}
    if expected.get(recipient.key_algorithm, KeyAlgorithm.SM2) is not key.algorithm:
        raise EnvelopeWrongKey(f"接收者使用 {recipient.key_algorithm}，与私钥类型 {key.algorithm} 不符")
    cek = _UNWRAPPERS[recipient.key_algorithm](recipient, key)
    if len(cek) != spec.key_size:
        raise EnvelopeWrongKey(f"解出的内容密钥长度 {len(cek)} 与 {spec.name} 不符（私钥不对？）")
    return cek


def _unwrap_rsa(recipient: RecipientInfo, key: PrivateKey) -> bytes:
    try:
        return key.impl.decrypt(recipient.encrypted_key, padding.PKCS1v15())
    except ValueError as exc:
        raise EnvelopeWrongKey("RSA 解密内容密钥失败（私钥不对或密文损坏）") from exc


def _unwrap_oaep(recipient: RecipientInfo, key: PrivateKey) -> bytes:
    try:
        params = algos.RSAESOAEPParams.load(recipient.key_encryption_params or b"\x30\x00")
        digest = _OAEP_HASHES[params["hash_algorithm"]["algorithm"].native]()
        mgf = _OAEP_HASHES[params["mask_gen_algorithm"]["parameters"]["algorithm"].native]()
        label = params["p_source_algorithm"]["parameters"].native or None
    except (ValueError, TypeError, KeyError) as exc:
        raise EnvelopeUnsupported(f"RSA-OAEP 参数无法解析或不受支持：{exc}") from exc
    try:
        return key.impl.decrypt(recipient.encrypted_key, padding.OAEP(padding.MGF1(mgf), digest, label))
    except ValueError as exc:
        raise EnvelopeWrongKey("RSA-OAEP 解密内容密钥失败（私钥不对或密文损坏）") from exc


def _unwrap_ecdh(recipient: RecipientInfo, key: PrivateKey) -> bytes:
    try:
        peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), recipient.originator_point or b"")
    except ValueError as exc:
        raise EnvelopeMalformed("发送方临时公钥不是 P-256 曲线上的点") from exc
    wrap = _AlgorithmIdentifier.load(recipient.key_encryption_params or b"")
    kek = _kek(key.impl.exchange(ec.ECDH(), peer), recipient.key_encryption_oid, wrap, recipient.ukm)
    try:
        return keywrap.aes_key_unwrap(kek, recipient.encrypted_key)
    except keywrap.InvalidUnwrap as exc:
        raise EnvelopeWrongKey("ECDH 密钥解封失败（私钥不对或密文损坏）") from exc


def _kek(shared: bytes, scheme: str, wrap: _AlgorithmIdentifier, ukm: bytes | None) -> bytes:
    """RFC 5753 §3.1.1: X9.63 KDF over the ECDH secret with ECC-CMS-SharedInfo."""
    size = _WRAPS[wrap["algorithm"].dotted]
    info = {"key_info": wrap, "supp_pub_info": (size * 8).to_bytes(4, "big")}
    if ukm is not None:
        info["entity_u_info"] = ukm
    kdf = X963KDF(algorithm=_ECDH_SCHEMES[scheme](), length=size, sharedinfo=_EccCmsSharedInfo(info).dump())
    return kdf.derive(shared)


def _unwrap_sm2(recipient: RecipientInfo, key: PrivateKey) -> bytes:
    ciphertext = recipient.encrypted_key
    # Some GM/T 0010 tools put the raw 04‖C1‖C3‖C2 form in encryptedKey instead of the DER one.
    if ciphertext[:1] == b"\x04":
        ciphertext = sm2.der_ciphertext(ciphertext)
    try:
        return key.impl.decrypt(ciphertext)
    except CryptoFailure as exc:
        raise EnvelopeWrongKey("SM2 解密内容密钥失败（私钥不对或密文损坏）") from exc


_UNWRAPPERS = {"rsa": _unwrap_rsa, "rsa_oaep": _unwrap_oaep, "ecdh_p256": _unwrap_ecdh, "sm2": _unwrap_sm2}


# ---------------------------------------------------------------------------------------------- decrypt


def decrypt(source: bytes | BinaryIO, cek: bytes, *, out: BinaryIO | None = None) -> bytes | None:
    """Decrypt the content with ``cek``; into ``out`` in 1 MiB steps (returns None) or as bytes."""
    auth_attrs = None
    if _tell(source) is not None:
        auth_attrs = parse_envelope(source).auth_attrs
    r = _open_source(source)
    head = _read_head(r)
    return _decrypt_body(r, head, cek, out, auth_attrs)


def open_envelope(source: bytes | BinaryIO, key: PrivateKey, cert: Certificate) -> bytes:
    """Unwrap the content key for ``cert`` and decrypt the whole content into memory."""
    auth_attrs = None
    if _tell(source) is not None:
        auth_attrs = parse_envelope(source).auth_attrs
    r = _open_source(source)
    head = _read_head(r)
    cek = _unwrap(head.recipients, head.spec, key, cert)
    return _decrypt_body(r, head, cek, None, auth_attrs)


def _decrypt_body(r: _Reader, head: _Head, cek: bytes, out: BinaryIO | None, auth_attrs: bytes | None):
    if len(cek) != head.spec.key_size:
        raise EnvelopeWrongKey(f"内容密钥长度 {len(cek)} 与 {head.spec.name} 要求的 {head.spec.key_size} 不符")
    mode = modes.GCM(head.iv, min_tag_length=12) if head.spec.aead else modes.CBC(head.iv)
    decryptor = Cipher(head.spec.cipher(cek), mode).decryptor()
    if auth_attrs is not None:
        # RFC 5083 §2.2: the attributes are authenticated in their DER SET OF form.
        decryptor.authenticate_additional_data(b"\x31" + auth_attrs[1:])
    unpadder = None if head.spec.aead else sym_padding.PKCS7(128).unpadder()
    sink = out if out is not None else io.BytesIO()
    # Fixed buffers: a fresh 1 MiB object per step costs page faults that show at AES-GCM speed.
    source, target = bytearray(CHUNK), bytearray(CHUNK + 16)

    def consume(n: int) -> None:
        view = memoryview(source)[:n]
        r.readinto(view)
        done = decryptor.update_into(view, target)
        block = memoryview(target)[:done]
        sink.write(unpadder.update(block) if unpadder else block)

    _walk_content(r, head, consume)
    mac, tail_attrs = _read_tail(r, head)
    if tail_attrs is not None and auth_attrs is None:
        raise EnvelopeUnsupported("带认证属性（authAttrs）的信封需要可随机访问的文件才能流式解密")
    try:
        if head.spec.aead:
            sink.write(decryptor.finalize_with_tag(mac))
        else:
            sink.write(unpadder.update(decryptor.finalize()) + unpadder.finalize())
    except (InvalidTag, ValueError) as exc:
        raise EnvelopeTampered("信封内容已被篡改或内容密钥不对（认证标签/填充校验失败）") from exc
    return None if out is not None else sink.getvalue()


# ---------------------------------------------------------------------------------------------- encrypt


def encrypt(
    content: bytes | BinaryIO,
    recipients: list[Certificate],
    *,
    algorithm: str = "aes-256-gcm",
    out: BinaryIO | None = None,
) -> bytes | None:
    """Encrypt ``content`` to every certificate in ``recipients``; written to ``out`` (returns None) or returned."""
    spec = CONTENT_ALGORITHMS.get(algorithm)
    if spec is None:
        raise EnvelopeUnsupported(f"不支持的内容加密算法：{algorithm}（可选 {', '.join(CONTENT_ALGORITHMS)}）")
    if not recipients:
        raise EnvelopeMalformed("信封至少要有一个接收者", code="pki.envelope_no_recipient")
    cek = os.urandom(spec.key_size)
    infos = [_wrap_for(cert, cek) for cert in recipients]
    iv = os.urandom(12 if spec.aead else 16)
    params = _GcmParameters({"nonce": iv, "icv_len": 16}) if spec.aead else core.OctetString(iv)
    alg = _AlgorithmIdentifier({"algorithm": spec.oid, "parameters": params}).dump()
    version = 0 if spec.aead or all(i.name == "ktri" and i.chosen["version"].native == "v0" for i in infos) else 2
    prefix = core.Integer(version).dump() + cms.RecipientInfos(infos).dump()
    stream, length = _content_stream(content)
    sink = out if out is not None else io.BytesIO()
    mode = modes.GCM(iv) if spec.aead else modes.CBC(iv)
    writer = _DefiniteWriter(length, spec.aead) if length is not None else _IndefiniteWriter()
    writer.run(sink, stream, Cipher(spec.cipher(cek), mode).encryptor(), spec, prefix, alg)
    return None if out is not None else sink.getvalue()


def _content_stream(content: bytes | BinaryIO) -> tuple[BinaryIO, int | None]:
    if isinstance(content, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(content)), len(content)
    try:
        if content.seekable():
            here = content.tell()
            end = content.seek(0, io.SEEK_END)
            content.seek(here)
            return content, end - here
    except (AttributeError, OSError, ValueError):
        pass
    return content, None


def _wrap_for(cert: Certificate, cek: bytes) -> cms.RecipientInfo:
    tbs = asn1_x509.Certificate.load(cert.der)["tbs_certificate"]
    rid = {"issuer": tbs["issuer"], "serial_number": tbs["serial_number"]}
    public = cert.public_key
    if public.algorithm is KeyAlgorithm.RSA:
        oaep = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
        params = algos.RSAESOAEPParams(
            {
                "hash_algorithm": {"algorithm": "sha256"},
                "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": "sha256"}},
            }
        )
        algorithm = {"algorithm": RSA_OAEP, "parameters": params}
        return _ktri(rid, algorithm, public.impl.encrypt(cek, oaep))
    if public.algorithm is KeyAlgorithm.SM2:
        return _ktri(rid, {"algorithm": SM2_ENCRYPT}, public.impl.encrypt(cek))
    return _kari_for(public.impl, rid, cek)


def _ktri(rid: dict, algorithm: dict, encrypted_key: bytes) -> cms.RecipientInfo:
    ktri = {"version": "v0", "rid": {"issuer_and_serial_number": rid}, "key_encryption_algorithm": algorithm}
    return cms.RecipientInfo({"ktri": {**ktri, "encrypted_key": encrypted_key}})


def _kari_for(public: ec.EllipticCurvePublicKey, rid: dict, cek: bytes) -> cms.RecipientInfo:
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    wrap = _AlgorithmIdentifier({"algorithm": AES256_WRAP})
    kek = _kek(ephemeral.exchange(ec.ECDH(), public), ECDH_SHA256_KDF, wrap, None)
    point = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    # OpenSSL writes the ephemeral key's algorithm without parameters: the curve is the recipient's.
    originator = {"algorithm": {"algorithm": "ec"}, "public_key": point}
    kari = {
        "version": "v3",
        "originator": {"originator_key": originator},
        "key_encryption_algorithm": {"algorithm": ECDH_SHA256_KDF, "parameters": wrap},
        "recipient_encrypted_keys": [
            {"rid": {"issuer_and_serial_number": rid}, "encrypted_key": keywrap.aes_key_wrap(kek, cek)}
        ],
    }
    return cms.RecipientInfo({"kari": kari})


class _DefiniteWriter:
    """DER with definite lengths: the content length is known, so every outer length is too."""

    def __init__(self, length: int, aead: bool):
        self.length = length
        self.ciphertext = length if aead else (length // 16 + 1) * 16

    def run(self, sink, stream, encryptor, spec: _ContentSpec, prefix: bytes, alg: bytes) -> None:
        data_oid = core.ObjectIdentifier(DATA).dump()
        content_head = _der_header(0x80, self.ciphertext)
        eci_len = len(data_oid) + len(alg) + len(content_head) + self.ciphertext
        mac_len = 18 if spec.aead else 0
        body_len = len(prefix) + len(_der_header(0x30, eci_len)) + eci_len + mac_len
        outer_oid = core.ObjectIdentifier(AUTH_ENVELOPED_DATA if spec.aead else ENVELOPED_DATA).dump()
        explicit_len = len(_der_header(0x30, body_len)) + body_len
        ci_len = len(outer_oid) + len(_der_header(0xA0, explicit_len)) + explicit_len
        sink.write(_der_header(0x30, ci_len) + outer_oid + _der_header(0xA0, explicit_len))
        sink.write(_der_header(0x30, body_len) + prefix + _der_header(0x30, eci_len) + data_oid + alg + content_head)
        written = _pump(stream, encryptor, spec, sink.write)
        if written != self.length:
            raise EnvelopeMalformed(f"内容在加密过程中改变了长度（预期 {self.length}，读到 {written} 字节）")
        if spec.aead:
            sink.write(b"\x04\x10" + encryptor.tag)


class _IndefiniteWriter:
    """Indefinite-length BER like ``openssl cms -stream``, for content of unknown length."""

    def run(self, sink, stream, encryptor, spec: _ContentSpec, prefix: bytes, alg: bytes) -> None:
        outer_oid = core.ObjectIdentifier(AUTH_ENVELOPED_DATA if spec.aead else ENVELOPED_DATA).dump()
        sink.write(b"\x30\x80" + outer_oid + b"\xa0\x80\x30\x80" + prefix)
        sink.write(b"\x30\x80" + core.ObjectIdentifier(DATA).dump() + alg + b"\xa0\x80")
        _pump(stream, encryptor, spec, lambda block: block and sink.write(_der_header(0x04, len(block)) + block))
        sink.write(b"\x00\x00\x00\x00")
        if spec.aead:
            sink.write(b"\x04\x10" + encryptor.tag)
        sink.write(b"\x00\x00\x00\x00\x00\x00")


def _pump(stream: BinaryIO, encryptor, spec: _ContentSpec, write: Callable[[bytes], object]) -> int:
    padder = None if spec.aead else sym_padding.PKCS7(128).padder()
    total = 0
    while chunk := stream.read(CHUNK):
        total += len(chunk)
        write(encryptor.update(padder.update(chunk) if padder else chunk))
    tail = encryptor.update(padder.finalize()) if padder else b""
    write(tail + encryptor.finalize())
    return total
