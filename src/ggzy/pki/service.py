"""Use cases of the province-wide trust list and of certificate login (一证通).

The trust list lives in the database and is turned into a ``validation.TrustList`` per process,
rebuilt only when its stamp changes. Login: the server hands out an HMAC'd one-time challenge
(nothing stored until it is spent), the holder signs it (detached CMS or a raw ``openssl dgst``
signature), the certificate is validated at the server clock, and the account bound to the
certificate gets a session. Every change records one audit event in the caller's transaction.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ggzy.audit.service import record
from ggzy.auth import service as auth
from ggzy.auth.models import Account
from ggzy.kit.actor import Actor
from ggzy.kit.clock import to_shanghai
from ggzy.kit.errors import Conflict, GgzyError, NotAuthenticated, NotFound, ValidationFailed
from ggzy.kit.signing import PlatformKey
from ggzy.pki import cms, sm2
from ggzy.pki.certs import Certificate, load_certificate, load_certificates
from ggzy.pki.errors import MalformedSignature, PkiInputTooLarge
from ggzy.pki.keys import KeyAlgorithm
from ggzy.pki.models import CertificateBinding, TrustedCa, TrustState, UsedChallenge
from ggzy.pki.pem import MAX_INPUT, check_size, is_pem
from ggzy.pki.validation import Purpose, TrustedCA, TrustList, Verdict, parse_crl

CHALLENGE_TTL = dt.timedelta(minutes=5)
CRL_REFRESH_AHEAD = dt.timedelta(hours=1)
"""Fetch a CRL an hour before its nextUpdate: CAs publish the next one before the current one runs out."""
CRL_MAX_AGE = dt.timedelta(hours=6)
"""…and at least every six hours, so a revocation published mid-period reaches us the same day."""
CRL_RETRY = dt.timedelta(minutes=10)
RAW_SIGNATURE_OIDS = {
    KeyAlgorithm.RSA: "1.2.840.113549.1.1.11",  # openssl dgst -sha256 -sign (PKCS#1 v1.5)
    KeyAlgorithm.ECDSA_P256: "1.2.840.10045.4.3.2",  # openssl dgst -sha256 -sign
    KeyAlgorithm.SM2: "1.2.156.10197.1.501",  # openssl dgst -sm3 -sign -sigopt distid:1234567812345678
}
ALGORITHM_LABELS = {"rsa": "RSA", "ecdsa-p256": "ECDSA P-256", "sm2": "SM2"}


class CertificateRejected(GgzyError):
    """The certificate or the signature was refused; ``verdict`` holds the precise reason."""

    status = 401

    def __init__(self, verdict: Verdict, *, certificate: Certificate | None = None, status: int = 401):
        super().__init__(
            explain(verdict), code=f"auth.certificate.{verdict.code}", detail={"verdict": verdict.to_dict()}
        )
        self.verdict, self.certificate, self.status = verdict, certificate, status


def explain(verdict: Verdict) -> str:
    """The verdict's message with the date that goes with it, in Beijing time."""
    fmt = "%Y-%m-%d %H:%M:%S 北京时间"
    if verdict.revocation_date is not None:
        return f"{verdict.message}（吊销时间：{to_shanghai(verdict.revocation_date).strftime(fmt)}）"
    if verdict.code == "expired" and verdict.not_after is not None:
        return f"{verdict.message}（有效期至 {to_shanghai(verdict.not_after).strftime(fmt)}）"
    if verdict.code == "not_yet_valid" and verdict.not_before is not None:
        return f"{verdict.message}（生效时间 {to_shanghai(verdict.not_before).strftime(fmt)}）"
    return verdict.message


# ---------------------------------------------------------------- trust list


def _bump(session: Session, now: dt.datetime) -> None:
    state = session.get(TrustState, 1)
    if state is None:
        state = TrustState(id=1, version=0, stamp="", changed_at=now)
        session.add(state)
    state.version += 1
    state.stamp = secrets.token_hex(16)
    state.changed_at = now
    session.flush()


def list_cas(session: Session, *, include_removed: bool = False) -> list[TrustedCa]:
    """The trust list, newest first; removed entries only on request."""
    stmt = select(TrustedCa).order_by(TrustedCa.status, TrustedCa.id)
    if not include_removed:
        stmt = stmt.where(TrustedCa.status == "active")
    return list(session.execute(stmt).scalars())


def find_ca(session: Session, ref: str) -> TrustedCa:
    """An active CA by name, full fingerprint or a fingerprint prefix of at least 8 hex digits."""
    ref = ref.strip()
    active = list_cas(session)
    hits = [c for c in active if c.name == ref]
    if not hits and len(ref) >= 8:
        hits = [c for c in active if c.fingerprint.startswith(ref.lower().replace(":", ""))]
    if not hits:
        raise NotFound(f"信任列表中没有名为或指纹为 {ref} 的 CA。", code="pki.trust.not_found")
    if len(hits) > 1:
        raise ValidationFailed(f"{ref} 对应多个 CA：请给出完整指纹。", code="pki.trust.ambiguous")
    return hits[0]


def add_ca(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    certificate: bytes,
    name: str,
    provider: str = "",
    crl: bytes | None = None,
    crl_url: str | None = None,
    fetch: Callable[[str], bytes] | None = None,
) -> TrustedCa:
    """Put a root or issuing CA certificate on the trust list, with its CRL (file or URL)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed("请填写 CA 名称（不超过 200 字）。", code="pki.trust.bad_name")
    if crl is not None and crl_url:
        raise ValidationFailed("CRL 只能二选一：上传文件或填写下载地址。", code="pki.trust.two_crl_sources")
    cert = load_certificate(certificate)
    _check_is_ca(cert, now)
    if any(c.name == name for c in list_cas(session)):
        raise Conflict(f"信任列表中已有名为 {name} 的 CA：请换一个名称。", code="pki.trust.duplicate_name")
    row = session.execute(select(TrustedCa).where(TrustedCa.fingerprint == cert.fingerprint)).scalar_one_or_none()
    if row is not None and row.status == "active":
        raise Conflict(f"该 CA 证书已在信任列表中（{row.name}）。", code="pki.trust.duplicate")
    if crl_url:
        crl = (fetch or fetch_url)(_check_url(crl_url))
    parsed = _checked_crl(crl, cert) if crl is not None else None
    if row is None:
        row = TrustedCa(fingerprint=cert.fingerprint, certificate_der=cert.der)
        session.add(row)
    row.name, row.provider = name, provider.strip()[:200]
    row.subject, row.issuer = cert.subject_text[:1000], cert.issuer.rfc4514_string()[:1000]
    row.algorithm = str(cert.algorithm)
    row.kind = "root" if cert.is_self_issued else "issuing"
    row.not_before, row.not_after = cert.not_before, cert.not_after
    row.crl_source = "url" if crl_url else ("file" if crl is not None else "none")
    row.crl_url = crl_url or None
    row.crl_der = crl
    row.crl_fetched_at = now if crl is not None else None
    row.crl_this_update = parsed.this_update if parsed else None
    row.crl_next_update = parsed.next_update if parsed else None
    row.crl_checked_at, row.crl_error = (now if crl is not None else None), None
    row.status, row.added_by, row.added_at = "active", actor.name, now
    row.removed_by = row.removed_at = None
    session.flush()
    _bump(session, now)
    record(
        session,
        tag="pki:trust:added",
        actor=actor,
        now=now,
        subject_id=row.fingerprint,
        payload={
            "name": row.name,
            "provider": row.provider,
            "subject": row.subject,
            "kind": row.kind,
            "algorithm": row.algorithm,
            "crl_source": row.crl_source,
            "crl_url": row.crl_url,
        },
    )
    return row


def _check_is_ca(cert: Certificate, now: dt.datetime) -> None:
    if not cert.is_ca:
        raise ValidationFailed(
            f"这不是 CA 证书（缺少 basicConstraints CA:TRUE）：{cert.subject_text}。"
            "信任列表只收 CA 的根证书或签发证书，不收用户证书。",
            code="pki.trust.not_a_ca",
        )
    if cert.key_usage is not None and "key_cert_sign" not in cert.key_usage:
        raise ValidationFailed("该 CA 证书的密钥用途不含证书签发（keyCertSign）。", code="pki.trust.not_a_ca")
    if now > cert.not_after:
        raise ValidationFailed(
            f"CA 证书已于 {to_shanghai(cert.not_after):%Y-%m-%d} 过期，不能加入信任列表。", code="pki.trust.ca_expired"
        )


def _checked_crl(data: bytes, ca: Certificate):
    parsed = parse_crl(data, ca)
    if isinstance(parsed, Verdict):
        raise ValidationFailed(f"CRL 被拒绝：{parsed.message}", code=f"pki.{parsed.code}", detail=parsed.detail)
    return parsed


def _check_url(url: str) -> str:
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > 1000:
        raise ValidationFailed("CRL 下载地址须为 http:// 或 https:// 开头的网址。", code="pki.trust.bad_crl_url")
    return url


def fetch_url(url: str) -> bytes:
    """Download a CRL (at most 1 MiB, 15 s); network failures become one clear error."""
    try:
        with httpx.stream("GET", url, timeout=15.0, follow_redirects=True) as response:
            if response.status_code != 200:
                raise ValidationFailed(
                    f"下载 CRL 失败：{url} 返回 HTTP {response.status_code}。", code="pki.crl_fetch_failed"
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_INPUT:
                    raise PkiInputTooLarge(f"CRL 过大（超过 {MAX_INPUT} 字节）：{url}", detail={"limit": MAX_INPUT})
            return bytes(body)
    except httpx.HTTPError as exc:
        raise ValidationFailed(
            f"下载 CRL 失败：{url}（{type(exc).__name__}: {exc}）。", code="pki.crl_fetch_failed"
        ) from None


def remove_ca(session: Session, *, actor: Actor, now: dt.datetime, ref: str) -> TrustedCa:
    """Take a CA off the trust list; the row stays with who removed it and when."""
    row = find_ca(session, ref)
    row.status, row.removed_by, row.removed_at = "removed", actor.name, now
    _bump(session, now)
    record(
        session,
        tag="pki:trust:removed",
        actor=actor,
        now=now,
        subject_id=row.fingerprint,
        payload={"name": row.name, "subject": row.subject},
    )
    return row


def refresh_crl(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    ca: TrustedCa,
    data: bytes | None = None,
    fetch: Callable[[str], bytes] | None = None,
) -> bool:
    """Install a newer CRL for ``ca`` (uploaded, or fetched from its URL); False when nothing changed."""
    if data is None:
        if ca.crl_source != "url" or not ca.crl_url:
            raise ValidationFailed(f"{ca.name} 没有 CRL 下载地址：请上传 CRL 文件。", code="pki.trust.no_crl_url")
        data = (fetch or fetch_url)(ca.crl_url)
    cert = load_certificate(ca.certificate_der)
    parsed = _checked_crl(data, cert)
    if ca.crl_der == data:
        ca.crl_checked_at, ca.crl_error = now, None
        return False
    if ca.crl_this_update is not None and parsed.this_update < ca.crl_this_update:
        raise ValidationFailed(
            f"新 CRL 的发布时间（{to_shanghai(parsed.this_update):%Y-%m-%d %H:%M}）早于已有 CRL：拒绝回退到旧 CRL。",
            code="pki.crl_older",
        )
    ca.crl_der, ca.crl_fetched_at, ca.crl_checked_at, ca.crl_error = data, now, now, None
    ca.crl_this_update, ca.crl_next_update = parsed.this_update, parsed.next_update
    if ca.crl_source == "none":
        ca.crl_source = "file"
    _bump(session, now)
    record(
        session,
        tag="pki:trust:crl_updated",
        actor=actor,
        now=now,
        subject_id=ca.fingerprint,
        payload={
            "name": ca.name,
            "this_update": parsed.this_update.isoformat(),
            "next_update": parsed.next_update.isoformat() if parsed.next_update else None,
            "revoked": len(parsed.revoked),
            "sha256": hashlib.sha256(data).hexdigest(),
        },
    )
    return True


def note_crl_failure(session: Session, *, actor: Actor, now: dt.datetime, ca: TrustedCa, error: str) -> None:
    """Remember a failed refresh (shown on the admin page; retried after ``CRL_RETRY``)."""
    ca.crl_checked_at, ca.crl_error = now, error[:500]
    record(
        session,
        tag="pki:trust:crl_failed",
        actor=actor,
        now=now,
        subject_id=ca.fingerprint,
        payload={"name": ca.name, "error": ca.crl_error},
    )


def crl_refresh_due(session: Session, now: dt.datetime, limit: int) -> list[int]:
    """Active CAs with a CRL URL whose CRL nears its nextUpdate or is older than ``CRL_MAX_AGE``."""
    rows = session.execute(
        select(TrustedCa).where(TrustedCa.status == "active", TrustedCa.crl_source == "url").order_by(TrustedCa.id)
    ).scalars()
    due = []
    for ca in rows:
        if ca.crl_checked_at is not None and now - ca.crl_checked_at < CRL_RETRY:
            continue
        stale = ca.crl_next_update is None or now >= ca.crl_next_update - CRL_REFRESH_AHEAD
        if stale or ca.crl_fetched_at is None or now - ca.crl_fetched_at >= CRL_MAX_AGE:
            due.append(ca.id)
    return due[:limit]


_CACHE: dict[str, TrustList] = {}
_CACHE_LOCK = threading.Lock()


def current_trust_list(session: Session) -> TrustList:
    """The active trust list as a ``TrustList``; rebuilt only when the stored stamp changed."""
    state = session.get(TrustState, 1)
    stamp = state.stamp if state is not None else "empty"
    with _CACHE_LOCK:
        cached = _CACHE.get(stamp)
    if cached is not None:
        return cached
    cas = [TrustedCA(load_certificate(c.certificate_der), c.crl_der) for c in list_cas(session)]
    trust = TrustList(cas)
    with _CACHE_LOCK:
        if len(_CACHE) >= 16:
            _CACHE.clear()
        _CACHE[stamp] = trust
    return trust


# ---------------------------------------------------------------- challenges


@dataclass(frozen=True)
class Challenge:
    text: str
    nonce: str
    purpose: str
    account_id: int | None
    expires_at: dt.datetime


def challenge_secret(key: PlatformKey) -> bytes:
    """The HMAC key of challenges, derived from the platform key (shared by every worker)."""
    private = key.key.private_numbers().private_value.to_bytes(32, "big")
    return hmac.new(private, b"ggzy certificate-login challenge v1", hashlib.sha256).digest()


def _mac(secret: bytes, body: str) -> str:
    return base64.urlsafe_b64encode(hmac.new(secret, body.encode(), hashlib.sha256).digest()).decode().rstrip("=")


def issue_challenge(
    secret: bytes, *, now: dt.datetime, purpose: str = "login", account_id: int | None = None
) -> Challenge:
    """A one-time challenge: ``ggzy-<purpose>:<account>:<expiry>:<nonce>:<mac>``, signed as plain ASCII bytes."""
    nonce = secrets.token_urlsafe(18)
    expires = now + CHALLENGE_TTL
    body = f"ggzy-{purpose}:{account_id or 0}:{int(expires.timestamp())}:{nonce}"
    return Challenge(f"{body}:{_mac(secret, body)}", nonce, purpose, account_id, expires)


def read_challenge(
    session: Session, secret: bytes, text: str, *, now: dt.datetime, purpose: str, account_id: int | None = None
) -> Challenge:
    """Check a challenge's MAC, purpose, account, expiry and that it was never spent."""
    text = (text or "").strip()
    parts = text.split(":")
    bad = NotAuthenticated("挑战值无效（不是本平台签发的挑战值）：请重新获取。", code="auth.challenge_invalid")
    if len(parts) != 5 or len(text) > 200:
        raise bad
    body = ":".join(parts[:4])
    if not hmac.compare_digest(_mac(secret, body), parts[4]):
        raise bad
    kind, account, expiry, nonce = parts[0], parts[1], parts[2], parts[3]
    if kind != f"ggzy-{purpose}" or account != str(account_id or 0):
        raise NotAuthenticated("挑战值的用途或账户不符：请重新获取。", code="auth.challenge_wrong_purpose")
    expires = dt.datetime.fromtimestamp(int(expiry), dt.UTC)
    if now > expires:
        raise NotAuthenticated("挑战值已过期（有效 5 分钟）：请重新获取后尽快签名。", code="auth.challenge_expired")
    if session.get(UsedChallenge, nonce) is not None:
        raise NotAuthenticated("该挑战值已经使用过，不能重复使用（防重放）：请重新获取。", code="auth.challenge_used")
    return Challenge(text, nonce, purpose, account_id, expires)


def _spend(session: Session, challenge: Challenge, now: dt.datetime) -> None:
    try:
        with session.begin_nested():
            session.add(UsedChallenge(nonce=challenge.nonce, used_at=now, expires_at=challenge.expires_at))
    except IntegrityError:
        raise NotAuthenticated(
            "该挑战值已经使用过，不能重复使用（防重放）：请重新获取。", code="auth.challenge_used"
        ) from None


# ---------------------------------------------------------------- proof of possession


@dataclass(frozen=True)
class Proof:
    """What a holder sends: the challenge, the certificate (optional with CMS) and a signature over it."""

    challenge: str
    signature: bytes
    certificate: bytes | None = None
    chain: bytes | None = None
    signature_format: str = "auto"  # "auto" | "cms" | "raw"


def looks_like_cms(signature: bytes) -> bool:
    head = signature[:64]
    return (
        (is_pem(signature) and any(label in signature[:4096] for label in (b"BEGIN CMS", b"BEGIN PKCS7")))
        or b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02" in head
        or b"\x06\x0a\x2a\x81\x1c\xcf\x55\x06\x01\x04\x02\x02" in head
        or b"mime-version" in signature[:2048].lower()
    )


def prove_possession(trust: TrustList, *, now: dt.datetime, proof: Proof) -> Certificate:
    """The certificate whose key signed ``proof.challenge``, valid at ``now`` for signing; else raises."""
    check_size(proof.signature, "签名")
    fmt = proof.signature_format
    if fmt not in ("auto", "cms", "raw"):
        raise ValidationFailed("signature_format 只能是 auto、cms 或 raw。", code="input.invalid")
    if not proof.signature:
        raise MalformedSignature("签名为空。", code="pki.malformed_signature.empty")
    given = load_certificate(proof.certificate) if proof.certificate else None
    chain = load_certificates(proof.chain) if proof.chain else []
    message = proof.challenge.strip().encode()
    if fmt == "cms" or (fmt == "auto" and looks_like_cms(proof.signature)):
        return _prove_with_cms(trust, now, message, proof.signature, given, chain)
    if given is None:
        raise ValidationFailed("使用原始签名（openssl dgst）时必须同时提交证书。", code="pki.certificate_required")
    outcome = _raw_signature(given, proof.signature, message, trust.sm2_id)
    if outcome != "valid":
        raise CertificateRejected(Verdict(outcome, cms.MESSAGES[outcome]), certificate=given)
    verdict = trust.validate(given, now=now, purpose=Purpose.SIGNING, intermediates=chain)
    if not verdict.valid:
        raise CertificateRejected(verdict, certificate=given)
    return given


def _prove_with_cms(trust, now, message, signature, given, chain) -> Certificate:
    result = cms.verify_detached(signature, message, trust=trust, now=now, extra_certificates=chain)
    signer = result.signers[0]
    if len(result.signers) != 1:
        raise MalformedSignature("登录签名应当只有一个签名者。", code="pki.malformed_signature.signers")
    if given is not None and signer.certificate is not None and signer.certificate.fingerprint != given.fingerprint:
        verdict = Verdict("certificate_mismatch", "签名者证书与提交的证书不是同一张")
        raise CertificateRejected(verdict, certificate=given)
    if not result.valid:
        verdict = signer.certificate_verdict  # a Verdict is falsy when invalid: compare with None
        if verdict is None:
            verdict = Verdict(result.code, result.message)
        raise CertificateRejected(verdict, certificate=signer.certificate)
    assert signer.certificate is not None
    return signer.certificate


def _raw_signature(cert: Certificate, signature: bytes, message: bytes, sm2_id: bytes) -> str:
    oid = RAW_SIGNATURE_OIDS[cert.algorithm]
    if cert.public_key.verify(signature, message, algorithm_oid=oid, sm2_id=sm2_id):
        return "valid"
    other = sm2.EMPTY_ID if sm2_id else sm2.DEFAULT_ID
    if cert.algorithm is KeyAlgorithm.SM2 and cert.public_key.verify(
        signature, message, algorithm_oid=oid, sm2_id=other
    ):
        return "sm2_wrong_id"
    return "bad_signature"


# ---------------------------------------------------------------- login and bindings


def live_binding(session: Session, fingerprint: str) -> CertificateBinding | None:
    return session.execute(
        select(CertificateBinding).where(
            CertificateBinding.fingerprint == fingerprint, CertificateBinding.unbound_at.is_(None)
        )
    ).scalar_one_or_none()


def login_with_certificate(
    session: Session,
    *,
    trust: TrustList,
    secret: bytes,
    now: dt.datetime,
    ip: str | None,
    proof: Proof,
    kind: str,
    hours: int,
) -> tuple[Account, auth.IssuedSession]:
    """Certificate login at any center: challenge → proof of possession → bound account → session or token.

    A refused certificate that is bound to an account spends the challenge and is audited
    (``pki:login:refused``); the caller commits before turning the error into a response.
    """
    challenge = read_challenge(session, secret, proof.challenge, now=now, purpose="login")
    try:
        cert = prove_possession(trust, now=now, proof=proof)
    except CertificateRejected as exc:
        binding = live_binding(session, exc.certificate.fingerprint) if exc.certificate else None
        if binding is not None:
            _spend(session, challenge, now)
            account = session.get(Account, binding.account_id)
            record(
                session,
                tag="pki:login:refused",
                actor=Actor(account.id, account.display_name, "account", account.home_center_id, ip),
                now=now,
                subject_id=account.id,
                payload={"fingerprint": binding.fingerprint, "code": exc.verdict.code},
            )
        raise
    binding = live_binding(session, cert.fingerprint)
    if binding is None:
        raise NotAuthenticated(
            f"证书有效，但尚未绑定任何账户：{cert.subject_text}。请先用账号密码登录后在“我的证书”中绑定，或请平台管理员绑定。",
            code="auth.certificate.unbound",
            detail={"fingerprint": cert.fingerprint},
        )
    account = session.get(Account, binding.account_id)
    if account is None or account.status != "active":
        raise NotAuthenticated("该证书绑定的账户已停用：请联系交易中心管理员。", code="auth.disabled")
    _spend(session, challenge, now)
    issued = auth.open_session(
        session, now=now, account=account, kind=kind, ip=ip, hours=hours, name=f"证书登录 {cert.fingerprint[:16]}"
    )
    return account, issued


def bindings_of(session: Session, account_id: int, *, include_unbound: bool = False) -> list[CertificateBinding]:
    stmt = select(CertificateBinding).where(CertificateBinding.account_id == account_id)
    if not include_unbound:
        stmt = stmt.where(CertificateBinding.unbound_at.is_(None))
    return list(session.execute(stmt.order_by(CertificateBinding.id)).scalars())


def bind_certificate(
    session: Session, *, actor: Actor, now: dt.datetime, account: Account, certificate: Certificate, trust: TrustList
) -> CertificateBinding:
    """Bind a certificate valid now (chained to the trust list, signing usage) to ``account``."""
    verdict = trust.validate(certificate, now=now, purpose=Purpose.SIGNING)
    if not verdict.valid:
        raise CertificateRejected(verdict, certificate=certificate, status=422)
    existing = live_binding(session, certificate.fingerprint)
    if existing is not None:
        if existing.account_id == account.id:
            raise Conflict("该证书已绑定在此账户上。", code="pki.binding.exists")
        raise Conflict("该证书已绑定到另一个账户：同一张证书不能绑定两个账户。", code="pki.binding.taken")
    binding = CertificateBinding(
        account_id=account.id,
        fingerprint=certificate.fingerprint,
        certificate_der=certificate.der,
        subject=certificate.subject_text[:1000],
        issuer=certificate.issuer.rfc4514_string()[:1000],
        serial=f"{certificate.serial_number:X}"[:64],
        algorithm=str(certificate.algorithm),
        not_after=certificate.not_after,
        bound_at=now,
        bound_by=actor.name,
    )
    try:
        with session.begin_nested():
            session.add(binding)
    except IntegrityError:
        raise Conflict("该证书已绑定到另一个账户：同一张证书不能绑定两个账户。", code="pki.binding.taken") from None
    record(
        session,
        tag="pki:certificate:bound",
        actor=actor,
        now=now,
        subject_id=account.id,
        payload={"fingerprint": binding.fingerprint, "subject": binding.subject, "issuer": binding.issuer},
    )
    return binding


def bind_with_proof(
    session: Session, *, actor: Actor, now: dt.datetime, account: Account, trust: TrustList, secret: bytes, proof: Proof
) -> CertificateBinding:
    """A signed-in account binds a certificate by signing a fresh binding challenge with its key."""
    challenge = read_challenge(session, secret, proof.challenge, now=now, purpose="bind", account_id=account.id)
    try:
        cert = prove_possession(trust, now=now, proof=proof)
    except CertificateRejected as exc:
        exc.status = 422
        raise
    _spend(session, challenge, now)
    return bind_certificate(session, actor=actor, now=now, account=account, certificate=cert, trust=trust)


def unbind(session: Session, *, actor: Actor, now: dt.datetime, account: Account, fingerprint: str) -> None:
    """Unbind one of ``account``'s certificates (the row stays, with ``unbound_at``)."""
    binding = live_binding(session, fingerprint.strip().lower())
    if binding is None or binding.account_id != account.id:
        raise NotFound("此账户没有绑定该证书。", code="pki.binding.not_found")
    binding.unbound_at = now
    record(
        session,
        tag="pki:certificate:unbound",
        actor=actor,
        now=now,
        subject_id=account.id,
        payload={"fingerprint": binding.fingerprint, "subject": binding.subject},
    )
