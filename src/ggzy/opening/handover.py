"""What a bidder's or custodian's client sends to the opening hall, and how the platform reads it back.

The bidder's client unwraps the content key (CEK) of its own bid with its own private key — the key never
leaves the bidder's side — and hands over the CEK with a signed statement that names the section, the bid
and the SHA-256 of the CEK. The custodian's client opens its sealed share with its own key and hands over the
share with a signed statement naming the section, the share index and the share's SHA-256. Transport is
TLS (the platform refuses to run the opening hall over plain HTTP in production); the signature binds the
handover to a certificate bound to the submitting account, so the platform can show who opened what.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, BinaryIO

from ggzy.audit.chain import canonical_json
from ggzy.kit.errors import ValidationFailed
from ggzy.pki import envelope, sharing
from ggzy.pki.certs import Certificate
from ggzy.pki.cms import sign_detached
from ggzy.pki.keys import PrivateKey

KEY_FORMAT = "ggzy.opening-key/1"
SHARE_FORMAT = "ggzy.opening-share/1"


def key_statement(*, section: str, bid: str, cek: bytes) -> str:
    return canonical_json(
        {"format": KEY_FORMAT, "section": section, "bid": bid, "cek_sha256": hashlib.sha256(cek).hexdigest()}
    )


def share_statement(*, section: str, index: int, share: bytes) -> str:
    return canonical_json(
        {"format": SHARE_FORMAT, "section": section, "index": index, "share_sha256": hashlib.sha256(share).hexdigest()}
    )


def key_handover(
    source: bytes | BinaryIO, key: PrivateKey, cert: Certificate, *, section: str, bid: str
) -> dict[str, Any]:
    """The bidder's side: unwrap the CEK of the envelope (its own copy) and sign the handover."""
    info = envelope.parse_envelope(source)
    cek = envelope.unwrap_key(info, key, cert)
    statement = key_statement(section=section, bid=bid, cek=cek)
    return {
        "bid": bid,
        "content_key": base64.b64encode(cek).decode(),
        "statement": statement,
        "signature": base64.b64encode(sign_detached(statement.encode(), cert, key)).decode(),
    }


def share_handover(sealed: bytes, key: PrivateKey, cert: Certificate, *, section: str) -> dict[str, Any]:
    """The custodian's side: open the sealed share with the custodian's key and sign the handover."""
    share = sharing.decrypt_share(sealed, key, cert).to_bytes()
    return signed_share(share, key, cert, section=section)


def signed_share(share: bytes, key: PrivateKey, cert: Certificate, *, section: str) -> dict[str, Any]:
    index = sharing.Share.from_bytes(share).index
    statement = share_statement(section=section, index=index, share=share)
    return {
        "share": base64.b64encode(share).decode(),
        "statement": statement,
        "signature": base64.b64encode(sign_detached(statement.encode(), cert, key)).decode(),
    }


def b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (ValueError, TypeError):
        raise ValidationFailed(f"{what} 不是合法的 Base64。", code="opening.bad_base64") from None


def read_statement(statement: str, expected: dict[str, Any]) -> dict[str, Any]:
    """Parse a signed statement and check that it says what the request says."""
    try:
        body = json.loads(statement)
    except ValueError:
        raise ValidationFailed("签名声明不是合法的 JSON。", code="opening.bad_statement") from None
    if not isinstance(body, dict):
        raise ValidationFailed("签名声明必须是 JSON 对象。", code="opening.bad_statement")
    for name, value in expected.items():
        if body.get(name) != value:
            raise ValidationFailed(
                f"签名声明中的 {name} 与提交内容不一致（应为 {value}）。", code="opening.statement_mismatch"
            )
    return body
