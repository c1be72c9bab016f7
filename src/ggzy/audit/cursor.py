"""Opaque paging cursors of the audit read API: a chain position that only the platform can read.

A plain ``seq`` cursor would let a reader subtract two positions and count the confidential events in
between (who downloaded, asked, paid a deposit, bid — 招标投标法 第二十二条). The cursor is therefore the
position sealed with AES-256-GCM (NIST SP 800-38D) under a key derived by HKDF-SHA256 (RFC 5869) from
the platform key, so every worker reads every other worker's cursors. A fresh random nonce per cursor
means two cursors for the same position do not even compare equal, and every cursor has the same length.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ggzy.kit.errors import ValidationFailed
from ggzy.kit.signing import PlatformKey

_INFO = b"ggzy audit read-api cursor v1"
_AAD = b"ggzy-audit-cursor:v1"
_NONCE_BYTES = 12
_SEQ_BYTES = 8
_TOKEN_BYTES = _NONCE_BYTES + _SEQ_BYTES + 16  # nonce, sealed position, GCM tag


class BadCursor(ValidationFailed):
    code = "audit.bad_cursor"

    def __init__(self) -> None:
        super().__init__("审计事件的分页游标无效或已被改动：请原样使用上一页返回的 next_cursor，或不带游标从头读取。")


def cursor_key(key: PlatformKey) -> bytes:
    """The AES key of cursors, derived from the platform key (any curve, so serialised as PKCS#8)."""
    private = key.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(private)


def seal(seq: int, secret: bytes) -> str:
    """An unreadable, unforgeable token standing for the chain position ``seq``."""
    nonce = os.urandom(_NONCE_BYTES)
    token = nonce + AESGCM(secret).encrypt(nonce, seq.to_bytes(_SEQ_BYTES, "big"), _AAD)
    return base64.urlsafe_b64encode(token).decode().rstrip("=")


def unseal(cursor: str, secret: bytes) -> int:
    """The position a cursor from :func:`seal` stands for; raises :class:`BadCursor` for anything else."""
    try:
        token = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii"))
    except (ValueError, binascii.Error):
        raise BadCursor() from None
    if len(token) != _TOKEN_BYTES:
        raise BadCursor()
    try:
        plain = AESGCM(secret).decrypt(token[:_NONCE_BYTES], token[_NONCE_BYTES:], _AAD)
    except InvalidTag:
        raise BadCursor() from None
    return int.from_bytes(plain, "big")
