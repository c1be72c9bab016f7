"""Certificate path validation against a trust list given as data, with CRLs, for RSA, ECDSA and SM2.

Decision: the path check is our own (about 300 lines) rather than pyhanko-certvalidator, because
SM2 needs the distinguishing ID at every signature check and the platform wants one verdict shape
with one set of stable codes for all three algorithm families (pyhanko-certvalidator would need an
SM2 plug-in and still report its own exception types). Scope is what the provincial trust list
needs: name chaining (with key identifiers), signatures, validity, basicConstraints/keyUsage,
full CRLs with hard-fail. Not implemented: name/policy constraints, delta or partitioned CRLs
(a CRL with an issuingDistributionPoint or deltaCRLIndicator is refused as unsupported).

Revocation sources are pluggable (``RevocationChecker``): CRLs from the trust list come first; an
OCSP checker can be appended later without touching the path logic.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from cryptography import x509
from cryptography.x509.oid import CRLEntryExtensionOID, ExtensionOID

from ggzy.pki import sm2
from ggzy.pki.certs import Certificate, load_certificate, load_crl
from ggzy.pki.errors import UnsupportedAlgorithm

MAX_PATH = 8
_FOREVER = (dt.datetime.min.replace(tzinfo=dt.UTC), dt.datetime.max.replace(tzinfo=dt.UTC))


class Purpose(enum.StrEnum):
    SIGNING = "signing"
    ENCRYPTION = "encryption"
    ANY = "any"


_PURPOSE_USAGES = {
    Purpose.SIGNING: {"digital_signature", "content_commitment"},
    Purpose.ENCRYPTION: {"key_encipherment", "key_agreement"},
}

MESSAGES = {
    "valid": "证书有效",
    "unknown_ca": "证书不是由受信任的 CA 签发的",
    "expired": "证书已过期",
    "not_yet_valid": "证书尚未生效",
    "revoked": "证书已被吊销",
    "bad_key_usage": "证书的密钥用途不允许此操作",
    "not_a_ca": "证书链中的签发者不是 CA 证书",
    "bad_signature": "证书签名验证失败",
    "sm2_wrong_id": "SM2 证书签名使用了非约定的签名者标识（ID）",
    "chain_loop": "证书链出现循环（交叉签发的 CA 互相认证，没有根证书）",
    "chain_too_long": "证书链过长",
    "crl_bad_issuer": "CRL 不是由证书的签发 CA 签发的（签发者或签名不符）",
    "crl_stale": "CRL 已过期（已过下次更新时间）或尚未生效",
    "crl_unsupported": "不支持的 CRL 类型（增量或分区 CRL）",
    "revocation_unknown": "无法确定证书的吊销状态（缺少 CRL）",
    "unsupported_algorithm": "证书使用了不支持的签名算法",
}
_TIME_DEPENDENT = {"expired", "not_yet_valid", "crl_stale"}


@dataclass(frozen=True)
class Verdict:
    """Either valid, or one precise reason with a stable ``code`` and the facts that go with it."""

    code: str
    message: str
    chain: tuple[Certificate, ...] = ()
    subject: str | None = None
    not_after: dt.datetime | None = None
    not_before: dt.datetime | None = None
    revocation_date: dt.datetime | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.code == "valid"

    def __bool__(self) -> bool:
        return self.valid

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"valid": self.valid, "code": self.code, "message": self.message}
        for name in ("subject", "not_after", "not_before", "revocation_date"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value.isoformat() if isinstance(value, dt.datetime) else value
        if self.detail:
            body["detail"] = self.detail
        return body


def _verdict(code: str, cert: Certificate | None = None, **facts: Any) -> Verdict:
    message = MESSAGES[code]
    if cert is not None:
        message = f"{message}：{cert.subject_text}"
        facts.setdefault("subject", cert.subject_text)
    return Verdict(code=code, message=message, **facts)


@dataclass(frozen=True)
class RevocationResult:
    """What a revocation source knows about one certificate: good, revoked, or a verdict-worthy problem."""

    status: str  # "good" | "revoked" | "error"
    verdict: Verdict | None = None
    revocation_date: dt.datetime | None = None
    reason: str | None = None
    window: tuple[dt.datetime, dt.datetime] = _FOREVER


class RevocationChecker(Protocol):
    """A source of revocation status (CRL now, OCSP later). ``None`` means "I know nothing about it"."""

    def check(self, cert: Certificate, issuer: Certificate, *, now: dt.datetime) -> RevocationResult | None: ...


@dataclass(frozen=True)
class TrustedCA:
    certificate: Certificate
    crl: bytes | None = None

    @classmethod
    def from_bytes(cls, certificate: bytes, crl: bytes | None = None) -> TrustedCA:
        return cls(load_certificate(certificate), crl)


# Process-wide caches. Keys are fingerprints and CRL digests, so a new CRL version is a new entry.
_SIGNATURE_CACHE: dict[tuple[str, str, bytes], str] = {}
_CRL_CACHE: dict[tuple[str, str, bytes], _ParsedCrl | Verdict] = {}
_VERDICT_CACHE: dict[tuple, tuple[Verdict, tuple[dt.datetime, dt.datetime]]] = {}
_CACHE_LIMIT = 20_000


def _remember(cache: dict, key: Any, value: Any) -> Any:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def clear_caches() -> None:
    for cache in (_SIGNATURE_CACHE, _CRL_CACHE, _VERDICT_CACHE):
        cache.clear()


def check_issued_by(child: Certificate, issuer: Certificate, *, sm2_id: bytes = sm2.DEFAULT_ID) -> str:
    """``"ok"``, ``"bad"``, ``"wrong_id"`` (SM2 verifies only with the other ID) or ``"unsupported"``."""
    key = (child.fingerprint, issuer.fingerprint, sm2_id)
    if key in _SIGNATURE_CACHE:
        return _SIGNATURE_CACHE[key]
    return _remember(_SIGNATURE_CACHE, key, _check_issued_by(child, issuer, sm2_id))


def _check_issued_by(child: Certificate, issuer: Certificate, sm2_id: bytes) -> str:
    def verify(with_id: bytes) -> bool:
        return issuer.public_key.verify(
            child.signature,
            child.tbs,
            algorithm_oid=child.signature_algorithm_oid,
            params=child.signature_params,
            sm2_id=with_id,
        )

    try:
        if verify(sm2_id):
            return "ok"
        other = sm2.EMPTY_ID if sm2_id else sm2.DEFAULT_ID
        if child.signature_algorithm_oid in _SM2_SIG_OIDS and verify(other):
            return "wrong_id"
    except UnsupportedAlgorithm:
        return "unsupported"
    return "bad"


_SM2_SIG_OIDS = {"1.2.156.10197.1.501", "1.2.156.10197.1.301.1"}


@dataclass(frozen=True)
class _ParsedCrl:
    this_update: dt.datetime
    next_update: dt.datetime | None
    revoked: dict[int, tuple[dt.datetime, str | None]]
    number: int | None


class CrlChecker:
    """Full CRLs, each checked against the CA that must have signed it; verified once per process."""

    def __init__(self, crls_by_issuer: dict[str, list[bytes]], *, sm2_id: bytes = sm2.DEFAULT_ID):
        self._crls = crls_by_issuer  # issuer fingerprint -> CRLs (DER or PEM) that issuer must have signed
        self._sm2_id = sm2_id

    def check(self, cert: Certificate, issuer: Certificate, *, now: dt.datetime) -> RevocationResult | None:
        crls = self._crls.get(issuer.fingerprint)
        if not crls:
            return None
        for data in crls:
            parsed = self._parse(data, issuer)
            if isinstance(parsed, Verdict):
                return RevocationResult("error", parsed)
            if now < parsed.this_update or parsed.next_update is None or now > parsed.next_update:
                return RevocationResult(
                    "error",
                    _verdict(
                        "crl_stale",
                        issuer,
                        detail={
                            "this_update": parsed.this_update.isoformat(),
                            "next_update": parsed.next_update.isoformat() if parsed.next_update else None,
                        },
                    ),
                )
            window = (parsed.this_update, parsed.next_update)
            if cert.serial_number in parsed.revoked:
                date, reason = parsed.revoked[cert.serial_number]
                return RevocationResult("revoked", revocation_date=date, reason=reason, window=window)
        return RevocationResult("good", window=window)

    def _parse(self, data: bytes, issuer: Certificate) -> _ParsedCrl | Verdict:
        key = (hashlib.sha256(data).hexdigest(), issuer.fingerprint, self._sm2_id)
        if key not in _CRL_CACHE:
            _remember(_CRL_CACHE, key, _parse_crl(data, issuer, self._sm2_id))
        return _CRL_CACHE[key]


def parse_crl(data: bytes, issuer: Certificate, *, sm2_id: bytes = sm2.DEFAULT_ID) -> _ParsedCrl | Verdict:
    """A full CRL checked against the CA that must have signed it: the parsed CRL, or the verdict why not."""
    return _parse_crl(data, issuer, sm2_id)


def _parse_crl(data: bytes, issuer: Certificate, sm2_id: bytes) -> _ParsedCrl | Verdict:
    crl = load_crl(data)
    if crl.issuer != issuer.subject:
        return _verdict("crl_bad_issuer", issuer, detail={"crl_issuer": crl.issuer.rfc4514_string()})
    try:
        ok = issuer.public_key.verify(
            crl.signature,
            crl.tbs_certlist_bytes,
            algorithm_oid=crl.signature_algorithm_oid.dotted_string,
            sm2_id=sm2_id,
        )
    except UnsupportedAlgorithm:
        ok = False
    if not ok:
        return _verdict("crl_bad_issuer", issuer, detail={"reason": "signature"})
    for ext in crl.extensions:
        if ext.oid in (ExtensionOID.DELTA_CRL_INDICATOR, ExtensionOID.ISSUING_DISTRIBUTION_POINT):
            return _verdict("crl_unsupported", issuer, detail={"extension": ext.oid.dotted_string})
    revoked = {}
    for entry in crl:
        try:
            reason = entry.extensions.get_extension_for_oid(CRLEntryExtensionOID.CRL_REASON).value.reason.value
        except x509.ExtensionNotFound:
            reason = None
        revoked[entry.serial_number] = (entry.revocation_date_utc, reason)
    try:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        number = None
    return _ParsedCrl(crl.last_update_utc, crl.next_update_utc, revoked, number)


class TrustList:
    """The trusted CAs (root and issuing), each with its CRL, as data; validates certificates at ``now``."""

    def __init__(
        self,
        cas: Iterable[TrustedCA],
        *,
        crls: Iterable[bytes] = (),
        checkers: Sequence[RevocationChecker] = (),
        require_revocation: bool = True,
        sm2_id: bytes = sm2.DEFAULT_ID,
    ):
        self.cas = list(cas)
        self.sm2_id = sm2_id
        self.require_revocation = require_revocation
        self._trusted = {ca.certificate.fingerprint: ca.certificate for ca in self.cas}
        crl_map: dict[str, list[bytes]] = {}
        for ca in self.cas:
            if ca.crl is not None:
                crl_map.setdefault(ca.certificate.fingerprint, []).append(ca.crl)
        for data in crls:
            issuer = self._issuer_of_crl(data)
            if issuer is not None:
                crl_map.setdefault(issuer.fingerprint, []).append(data)
        self.checkers: list[RevocationChecker] = [CrlChecker(crl_map, sm2_id=sm2_id), *checkers]
        # Extra checkers (OCSP) are live sources: their answers are not cached here.
        self._cacheable = not checkers
        self.version = hashlib.sha256(
            repr(sorted((fp, hashlib.sha256(b"".join(v)).hexdigest()) for fp, v in crl_map.items())).encode()
            + repr(sorted(self._trusted)).encode()
            + repr((require_revocation, sm2_id)).encode()
        ).hexdigest()

    def _issuer_of_crl(self, data: bytes) -> Certificate | None:
        name = load_crl(data).issuer
        return next((c for c in self._trusted.values() if c.subject == name), None)

    def validate(
        self,
        cert: Certificate,
        *,
        now: dt.datetime,
        purpose: Purpose = Purpose.SIGNING,
        intermediates: Sequence[Certificate] = (),
    ) -> Verdict:
        """The verdict on ``cert`` at ``now`` for ``purpose``; never raises for a bad certificate."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        key = (cert.fingerprint, tuple(c.fingerprint for c in intermediates), purpose, self.version)
        cached = _VERDICT_CACHE.get(key) if self._cacheable else None
        if cached is not None and cached[1][0] <= now <= cached[1][1]:
            return cached[0]
        verdict, window = self._validate(cert, now, purpose, intermediates)
        if self._cacheable and verdict.code not in _TIME_DEPENDENT:
            _remember(_VERDICT_CACHE, key, (verdict, window))
        return verdict

    def _validate(self, cert, now, purpose, intermediates) -> tuple[Verdict, tuple[dt.datetime, dt.datetime]]:
        path = self._build_path(cert, intermediates)
        if isinstance(path, Verdict):
            return path, _FOREVER
        for c in path:
            if now < c.not_before:
                return _verdict("not_yet_valid", c, chain=tuple(path), not_before=c.not_before), _FOREVER
            if now > c.not_after:
                return _verdict("expired", c, chain=tuple(path), not_after=c.not_after), _FOREVER
        window = (max(c.not_before for c in path), min(c.not_after for c in path))
        problem = _usage_problem(path, purpose)
        if problem is not None:
            return problem, window
        for child, issuer in zip(path, path[1:], strict=False):
            result = self._revocation(child, issuer, now)
            if result is None:
                return _verdict("revocation_unknown", child, chain=tuple(path)), window
            window = (max(window[0], result.window[0]), min(window[1], result.window[1]))
            if result.status == "error":
                return replace(result.verdict, chain=tuple(path)), window
            if result.status == "revoked":
                return _verdict(
                    "revoked",
                    child,
                    chain=tuple(path),
                    revocation_date=result.revocation_date,
                    detail={"reason": result.reason} if result.reason else {},
                ), window
        return Verdict("valid", MESSAGES["valid"], chain=tuple(path), subject=cert.subject_text), window

    def _revocation(self, child: Certificate, issuer: Certificate, now: dt.datetime) -> RevocationResult | None:
        for checker in self.checkers:
            result = checker.check(child, issuer, now=now)
            if result is not None:
                return result
        if not self.require_revocation:
            return RevocationResult("good")
        return None

    def _build_path(self, cert: Certificate, intermediates: Sequence[Certificate]) -> list[Certificate] | Verdict:
        path, seen = [cert], {cert.fingerprint}
        pool = [*self._trusted.values(), *intermediates]
        current = cert
        while True:
            trusted = current.fingerprint in self._trusted
            if current.is_self_issued:
                # A root: trusted only if it is on the list itself (its self-signature proves nothing).
                if trusted:
                    return path
                return _verdict("unknown_ca", current, chain=tuple(path))
            candidates = [c for c in pool if c.subject == current.issuer and _key_ids_match(current, c)]
            if not candidates:
                if trusted and current is not cert:
                    return path  # a trusted issuing CA whose own root is not in the list
                detail = {"issuer": current.issuer.rfc4514_string()}
                return _verdict("unknown_ca", current, chain=tuple(path), detail=detail)
            outcome, issuer = self._pick_issuer(current, candidates)
            if issuer is None:
                return self._signature_verdict(outcome, current, path)
            if issuer.fingerprint in seen:
                return _verdict("chain_loop", issuer, chain=tuple(path))
            if len(path) >= MAX_PATH:
                return _verdict("chain_too_long", cert, chain=tuple(path))
            path.append(issuer)
            seen.add(issuer.fingerprint)
            current = issuer

    def _signature_verdict(self, outcome: str, cert: Certificate, path: list[Certificate]) -> Verdict:
        if outcome == "wrong_id":
            other = sm2.EMPTY_ID if self.sm2_id else sm2.DEFAULT_ID
            detail = {"expected_id": self.sm2_id.decode(), "verifies_with_id": other.decode()}
            return _verdict("sm2_wrong_id", cert, chain=tuple(path), detail=detail)
        code = "unsupported_algorithm" if outcome == "unsupported" else "bad_signature"
        return _verdict(code, cert, chain=tuple(path))

    def _pick_issuer(self, child: Certificate, candidates: list[Certificate]) -> tuple[str, Certificate | None]:
        outcomes = []
        for candidate in candidates:
            outcome = check_issued_by(child, candidate, sm2_id=self.sm2_id)
            if outcome == "ok":
                return outcome, candidate
            outcomes.append(outcome)
        for preferred in ("wrong_id", "unsupported"):
            if preferred in outcomes:
                return preferred, None
        return "bad", None


def _key_ids_match(child: Certificate, issuer: Certificate) -> bool:
    aki, ski = child.authority_key_id, issuer.subject_key_id
    return aki is None or ski is None or aki == ski


def _usage_problem(path: list[Certificate], purpose: Purpose) -> Verdict | None:
    for ca in path[1:]:
        if not ca.is_ca or (ca.key_usage is not None and "key_cert_sign" not in ca.key_usage):
            return _verdict("not_a_ca", ca, chain=tuple(path))
    leaf = path[0]
    wanted = _PURPOSE_USAGES.get(purpose)
    if wanted and leaf.key_usage is not None and not (leaf.key_usage & wanted):
        return _verdict(
            "bad_key_usage",
            leaf,
            chain=tuple(path),
            detail={"purpose": str(purpose), "key_usage": sorted(leaf.key_usage)},
        )
    return None
