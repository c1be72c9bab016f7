"""k-of-n secret sharing of a section's opening private key among custodians (issue 5, key ceremony).

Scheme: Shamir over GF(2^8) (the AES field, polynomial x^8+x^4+x^3+x+1), byte by byte: every byte
of the secret is the constant term of its own random polynomial of degree k-1, and share ``i`` holds
the values at x = i (1…n). Fewer than k shares reveal nothing about the secret. GF(2^8) rather than a
prime field keeps shares exactly as long as the secret (a PKCS#8 key of any size) and needs no
big-integer encoding.

Detection (Shamir alone combines garbage silently): the dealer publishes, in every share,
``share_commitments[i] = SHA-256("ggzy-share" ‖ set_id ‖ i ‖ value_i)`` for all n shares and
``secret_commitment = SHA-256("ggzy-secret" ‖ set_id ‖ secret)``. On combine every share must carry
the same split (set_id, k, n, commitments) — or the ``expected`` fingerprint the opening transcript
published — and its value must match its own commitment; a share that fails either test is named
(``pki.share_invalid``, detail ``index``). The combined secret is checked against
``secret_commitment``. The secret commitment is a plain hash: fine for a private key (high entropy),
not hiding for a guessable secret.

Wire form (DER, ``Share.to_bytes``/``Share.from_bytes``)::

    GgzyShare ::= SEQUENCE {
        version           INTEGER (1),
        setId             OCTET STRING (16),
        threshold         INTEGER,            -- k
        count             INTEGER,            -- n
        index             INTEGER,            -- 1..n
        value             OCTET STRING,
        secretCommitment  OCTET STRING (32),
        shareCommitments  SEQUENCE OF OCTET STRING (32) }   -- n entries, by index
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from dataclasses import dataclass

from asn1crypto import core

from ggzy.kit.errors import ValidationFailed
from ggzy.pki import envelope
from ggzy.pki.certs import Certificate
from ggzy.pki.keys import KeyAlgorithm, PrivateKey


class ShareError(ValidationFailed):
    code = "pki.share_invalid"


class ShareInvalid(ShareError):
    """A share is corrupted, malformed, duplicated or belongs to another split; ``detail['index']`` names it."""

    code = "pki.share_invalid"


class ShareInsufficient(ShareError):
    code = "pki.share_insufficient"


class ShareParameters(ShareError):
    code = "pki.share_parameters"


MAX_SHARES = 255
"""GF(2^8) has 255 non-zero points."""

_EXP = [0] * 510
_LOG = [0] * 256


def _tables() -> None:
    x = 1
    for i in range(255):
        _EXP[i] = _EXP[i + 255] = x
        _LOG[x] = i
        # multiply by the generator 3 in the AES field
        x ^= (x << 1) ^ (0x11B if x & 0x80 else 0)


_tables()


def _mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


def _div(a: int, b: int) -> int:
    return 0 if a == 0 else _EXP[_LOG[a] + 255 - _LOG[b]]


def _scale(data: bytes, factor: int) -> bytes:
    """Every byte of ``data`` multiplied by ``factor`` in GF(2^8), through one translate table."""
    return data.translate(bytes(_mul(factor, v) for v in range(256)))


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


class _ShareAsn1(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("set_id", core.OctetString),
        ("threshold", core.Integer),
        ("count", core.Integer),
        ("index", core.Integer),
        ("value", core.OctetString),
        ("secret_commitment", core.OctetString),
        ("share_commitments", core.SequenceOf, {"spec": core.OctetString}),
    ]


@dataclass(frozen=True)
class Share:
    index: int
    k: int
    n: int
    value: bytes
    set_id: bytes
    secret_commitment: bytes
    share_commitments: tuple[bytes, ...]

    @property
    def split_fingerprint(self) -> str:
        """SHA-256 (hex) of what every share of one split has in common: publish it in the transcript."""
        h = hashlib.sha256(b"ggzy-split" + self.set_id + bytes([self.k, self.n]) + self.secret_commitment)
        for c in self.share_commitments:
            h.update(c)
        return h.hexdigest()

    def to_bytes(self) -> bytes:
        return _ShareAsn1(
            {
                "version": 1,
                "set_id": self.set_id,
                "threshold": self.k,
                "count": self.n,
                "index": self.index,
                "value": self.value,
                "secret_commitment": self.secret_commitment,
                "share_commitments": list(self.share_commitments),
            }
        ).dump()

    @classmethod
    def from_bytes(cls, data: bytes) -> Share:
        try:
            s = _ShareAsn1.load(bytes(data), strict=True)
            native = s.native
        except (ValueError, TypeError) as exc:
            raise ShareInvalid(f"份额数据损坏，无法解析：{exc}", detail={"index": None}) from exc
        if native["version"] != 1:
            raise ShareInvalid(f"不支持的份额格式版本：{native['version']}", detail={"index": native["index"]})
        share = cls(
            index=native["index"],
            k=native["threshold"],
            n=native["count"],
            value=native["value"],
            set_id=native["set_id"],
            secret_commitment=native["secret_commitment"],
            share_commitments=tuple(native["share_commitments"]),
        )
        if (
            not (2 <= share.k <= share.n <= MAX_SHARES and 1 <= share.index <= share.n)
            or len(share.share_commitments) != share.n
        ):
            raise ShareInvalid(
                f"份额 #{share.index} 的参数不一致（k={share.k}, n={share.n}）", detail={"index": share.index}
            )
        return share

    def __repr__(self) -> str:
        return f"<Share {self.index}/{self.n} k={self.k} split={self.split_fingerprint[:12]}…>"


def _commit_share(set_id: bytes, index: int, value: bytes) -> bytes:
    return hashlib.sha256(b"ggzy-share" + set_id + index.to_bytes(1, "big") + value).digest()


def _commit_secret(set_id: bytes, secret: bytes) -> bytes:
    return hashlib.sha256(b"ggzy-secret" + set_id + secret).digest()


def split(secret: bytes, k: int, n: int) -> list[Share]:
    """Split ``secret`` into ``n`` shares of which any ``k`` (2 ≤ k ≤ n ≤ 255) recover it."""
    if not (isinstance(k, int) and isinstance(n, int) and 2 <= k <= n <= MAX_SHARES):
        raise ShareParameters(f"门限参数无效：k={k}, n={n}（须 2 ≤ k ≤ n ≤ {MAX_SHARES}，k=1 等于把密钥交给每个人）")
    if not secret:
        raise ShareParameters("要拆分的秘密为空")
    secret = bytes(secret)
    coefficients = [secrets.token_bytes(len(secret)) for _ in range(k - 1)]
    values = []
    for x in range(1, n + 1):
        # Horner's rule, all bytes at once: y = ((c_{k-1}·x + c_{k-2})·x + …)·x + secret
        y = bytes(len(secret))
        for c in reversed(coefficients):
            y = _xor(_scale(y, x), c)
        values.append(_xor(_scale(y, x), secret))
    set_id = secrets.token_bytes(16)
    commitments = tuple(_commit_share(set_id, i, v) for i, v in enumerate(values, start=1))
    secret_commitment = _commit_secret(set_id, secret)
    return [Share(i, k, n, v, set_id, secret_commitment, commitments) for i, v in enumerate(values, start=1)]


def combine(shares: list[Share], *, expected_split: str | None = None) -> bytes:
    """Recover the secret from at least k shares; names the first share that is corrupted or foreign."""
    if not shares:
        raise ShareInsufficient("没有提供任何份额", detail={"have": 0})
    reference = expected_split or Counter(s.split_fingerprint for s in shares).most_common(1)[0][0]
    seen: set[int] = set()
    for share in shares:
        _check_share(share, reference, seen)
    head = shares[0]
    if len(shares) < head.k:
        raise ShareInsufficient(
            f"份额不足：需要 {head.k} 份，只有 {len(shares)} 份", detail={"have": len(shares), "need": head.k}
        )
    secret = _interpolate(shares[: head.k])
    if not hmac.compare_digest(_commit_secret(head.set_id, secret), head.secret_commitment):
        raise ShareInvalid("合成的密钥与拆分时的承诺不符", detail={"index": None})
    return secret


def _check_share(share: Share, reference: str, seen: set[int]) -> None:
    detail = {"index": share.index}
    if share.split_fingerprint != reference:
        raise ShareInvalid(f"份额 #{share.index} 不属于这次拆分（与其他份额或公布的拆分指纹不一致）", detail=detail)
    if share.index in seen:
        raise ShareInvalid(f"份额 #{share.index} 重复提交", detail=detail)
    seen.add(share.index)
    valid_index = 1 <= share.index <= share.n == len(share.share_commitments)
    if not valid_index or not hmac.compare_digest(
        _commit_share(share.set_id, share.index, share.value), share.share_commitments[share.index - 1]
    ):
        raise ShareInvalid(f"份额 #{share.index} 已损坏（与拆分时的承诺不符）", detail=detail)


def _interpolate(shares: list[Share]) -> bytes:
    """Lagrange interpolation at x = 0: secret = Σ y_i · Π_{j≠i} x_j / (x_i ⊕ x_j)."""
    out = bytes(len(shares[0].value))
    for share in shares:
        weight = 1
        for other in shares:
            if other.index != share.index:
                weight = _mul(weight, _div(other.index, share.index ^ other.index))
        out = _xor(out, _scale(share.value, weight))
    return out


def encrypt_share(share: Share, custodian: Certificate) -> bytes:
    """The share sealed in an envelope to one custodian's certificate (SM4-GCM for SM2, else AES-256-GCM)."""
    algorithm = "sm4-gcm" if custodian.algorithm is KeyAlgorithm.SM2 else "aes-256-gcm"
    return envelope.encrypt(share.to_bytes(), [custodian], algorithm=algorithm)


def decrypt_share(sealed: bytes, key: PrivateKey, custodian: Certificate) -> Share:
    """Open a custodian's envelope and parse the share in it."""
    return Share.from_bytes(envelope.open_envelope(sealed, key, custodian))
