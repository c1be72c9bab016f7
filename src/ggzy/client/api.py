"""``GgzyClient``: certificate login (challenge → sign → token), whoami, signing and binding.

All HTTP goes through ``GgzyClient._call`` (httpx), so later issues (bid encryption, upload) add
endpoints, not transports. Keys never leave the process: only signatures are sent.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ggzy.kit.clock import Clock
from ggzy.kit.errors import GgzyError
from ggzy.pki.certs import Certificate, load_certificate, load_certificates, load_pkcs12
from ggzy.pki.cms import CmsVerdict, sign_detached, verify_detached
from ggzy.pki.errors import MalformedKey
from ggzy.pki.keys import KeyAlgorithm, PrivateKey, load_private_key
from ggzy.pki.pem import is_pem
from ggzy.pki.validation import TrustedCA, TrustList, check_issued_by


class ClientError(GgzyError):
    """A refusal from the server (with its code) or a local problem, as one line a person can act on."""

    code = "client.error"
    status = 0


@dataclass(frozen=True)
class Identity:
    key: PrivateKey
    certificate: Certificate
    chain: list[Certificate] = field(default_factory=list)


def _bytes(source: bytes | str | Path, what: str) -> bytes:
    if isinstance(source, bytes):
        return source
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise ClientError(f"无法读取{what} {source}（{exc.strerror}）。", code="client.unreadable") from None


def _password(password: str | bytes | None) -> bytes | None:
    return password.encode() if isinstance(password, str) else password


def load_identity(
    key: bytes | str | Path, cert: bytes | str | Path | None = None, password: str | bytes | None = None
) -> Identity:
    """A key and certificate from PEM / PKCS#8 (optionally encrypted) / PKCS#12; RSA, ECDSA P-256 or SM2."""
    key_data, pw = _bytes(key, "私钥"), _password(password)
    if cert is None and not is_pem(key_data):
        bundle = load_pkcs12(key_data, pw)
        if bundle.certificate is None:
            raise ClientError("PKCS#12 文件中没有证书：请另外用 --cert 给出。", code="client.no_certificate")
        return Identity(bundle.key, bundle.certificate, bundle.chain)
    if cert is None:
        raise ClientError("请同时给出证书文件（--cert），或使用含证书的 PKCS#12 文件。", code="client.no_certificate")
    private = load_private_key(key_data, pw)
    certs = load_certificates(_bytes(cert, "证书"))
    if private.public_key().spki != certs[0].public_key.spki:
        raise MalformedKey("私钥与证书不匹配：请确认两者是同一对。", code="pki.key_certificate_mismatch")
    return Identity(private, certs[0], certs[1:])


class GgzyClient:
    """One server, one identity, one token (kept in memory, or in ``token_file`` when given)."""

    def __init__(
        self,
        server_url: str,
        *,
        token: str | None = None,
        token_file: str | Path | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ):
        self.server_url = server_url.rstrip("/")
        self.token_file = Path(token_file) if token_file else None
        if token is None and self.token_file is not None and self.token_file.exists():
            token = self.token_file.read_text(encoding="utf-8").strip() or None
        self.token = token
        self.identity: Identity | None = None
        self._http = httpx.Client(base_url=self.server_url, transport=transport, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GgzyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ HTTP, in one place

    def _call(self, method: str, path: str, *, auth: bool = False, raw: bool = False, **kwargs: Any) -> Any:
        """The decoded JSON answer (or, with ``raw``, the response itself); an error answer raises ClientError."""
        headers = kwargs.pop("headers", {})
        if auth:
            if not self.token:
                raise ClientError("尚未登录：请先运行 login（或给出令牌）。", code="client.not_logged_in")
            headers["authorization"] = f"Bearer {self.token}"
        try:
            response = self._http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise ClientError(
                f"无法连接平台 {self.server_url}（{type(exc).__name__}: {exc}）。", code="client.unreachable"
            ) from None
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            raise ClientError(
                body.get("message") or f"平台返回 HTTP {response.status_code}",
                code=body.get("code") or f"http.{response.status_code}",
                detail=body.get("detail"),
            )
        if raw:
            return response
        return response.json() if response.content else None

    # ------------------------------------------------------------------ identity and signing

    def load_identity(
        self, key: bytes | str | Path, cert: bytes | str | Path | None = None, password: str | bytes | None = None
    ) -> Identity:
        self.identity = load_identity(key, cert, password)
        return self.identity

    def _identity(self) -> Identity:
        if self.identity is None:
            raise ClientError("尚未载入证书和私钥：请先 load_identity。", code="client.no_identity")
        return self.identity

    def sign(self, content: bytes) -> bytes:
        """A detached CMS signature (DER) over ``content``, carrying the certificate and its chain."""
        ident = self._identity()
        return sign_detached(content, ident.certificate, ident.key, chain=ident.chain)

    def sign_file(self, path: str | Path) -> bytes:
        return self.sign(_bytes(path, "文件"))

    def _proof(self, challenge: str) -> dict[str, Any]:
        ident = self._identity()
        body: dict[str, Any] = {
            "challenge": challenge,
            "certificate": base64.b64encode(ident.certificate.der).decode(),
            "signature": base64.b64encode(self.sign(challenge.encode())).decode(),
            "signature_format": "cms",
        }
        if ident.chain:
            body["chain"] = "".join(_pem(c) for c in ident.chain)
        return body

    # ------------------------------------------------------------------ platform calls

    def login(self) -> str:
        """Challenge → CMS signature with the loaded identity → API token (also saved to ``token_file``)."""
        challenge = self._call("POST", "/api/v1/auth/challenge")["challenge"]
        issued = self._call("POST", "/api/v1/auth/certificate", json=self._proof(challenge))
        self.token = issued["token"]
        self.token_expires_at = dt.datetime.fromisoformat(issued["expires_at"])
        if self.token_file is not None:
            self.token_file.write_text(self.token + "\n", encoding="utf-8")
            self.token_file.chmod(0o600)
        return self.token

    def whoami(self) -> dict[str, Any]:
        return self._call("GET", "/api/v1/me", auth=True)

    def bind_certificate(self) -> dict[str, Any]:
        """Bind the loaded certificate to the logged-in account (signs a fresh binding challenge)."""
        challenge = self._call("POST", "/api/v1/me/certificates/challenge", auth=True)["challenge"]
        return self._call("POST", "/api/v1/me/certificates", auth=True, json=self._proof(challenge))

    def certificates(self) -> list[dict[str, Any]]:
        return self._call("GET", "/api/v1/me/certificates", auth=True)

    # ------------------------------------------------------------------ sealed bids (加密投标)

    def opening_certificate(self, section: str) -> Certificate:
        """The section's opening-key certificate, checked to be issued by the platform for this section."""
        pem = self._call("GET", f"/api/v1/sections/{section}/opening-key.pem", raw=True)
        cert = load_certificate(pem.content)
        platform = load_certificate(self.platform_certificate_pem().encode())
        if check_issued_by(cert, platform) != "ok" or section not in cert.subject_text:
            raise ClientError(
                f"标段 {section} 的开标密钥证书不是平台为该标段签发的，拒绝使用。", code="client.bad_opening_key"
            )
        return cert

    def platform_certificate_pem(self) -> str:
        return self._call("GET", "/api/v1/audit/platform-certificate", raw=True).text

    def build_bid(
        self,
        section: str,
        form: dict[str, Any],
        files: list[str | Path],
        out: str | Path,
        *,
        algorithm: str | None = None,
        opening_cert: Certificate | None = None,
    ) -> dict[str, Any]:
        """Signed bid package (zip: bid.json + files + manifest signature) encrypted to the bidder's own
        certificate and the section's opening key; written to ``out`` without holding the files in memory.

        The content cipher is ``algorithm`` (AES-256-GCM by default), except for a section whose opening key is
        SM2: there it is SM4 (see ``content_algorithm``)."""
        from ggzy.bidding.package import build_package
        from ggzy.pki.envelope import encrypt

        ident = self._identity()
        opening = opening_cert or self.opening_certificate(section)
        algorithm = content_algorithm(opening, algorithm)
        out_path = Path(out)
        with tempfile.TemporaryFile() as plain:
            build_package({**form, "section": form.get("section") or section}, files, self.sign, plain)
            plain.seek(0)
            with out_path.open("wb") as fh:
                encrypt(plain, [ident.certificate, opening], algorithm=algorithm, out=fh)
        return {
            "envelope": str(out_path),
            "sha256": file_sha256(out_path),
            "size": out_path.stat().st_size,
            "algorithm": algorithm,
        }

    def submit_bid(self, section: str, envelope: str | Path, *, chunk_size: int = 8 << 20) -> dict[str, Any]:
        """Resumable chunked upload of a ready envelope, then completion with a signature over its SHA-256."""
        path = Path(envelope)
        size, digest = path.stat().st_size, file_sha256(path)
        started = self._call(
            "POST", f"/api/v1/sections/{section}/uploads", auth=True, json={"size": size, "sha256": digest}
        )
        token = started["upload"]
        self.resume_upload(section, token, path, chunk_size=chunk_size)
        signature = base64.b64encode(self.sign(digest.encode())).decode()
        return self._call(
            "POST", f"/api/v1/sections/{section}/uploads/{token}/complete", auth=True, json={"signature": signature}
        )

    def resume_upload(self, section: str, token: str, path: Path, *, chunk_size: int = 8 << 20) -> int:
        """Send what the platform has not received yet, chunk by chunk (asks first where to resume)."""
        size = path.stat().st_size
        got = self._call("GET", f"/api/v1/sections/{section}/uploads/{token}", auth=True)["received"]
        with path.open("rb") as fh:
            fh.seek(got)
            while got < size:
                chunk = fh.read(chunk_size)
                end = got + len(chunk) - 1
                done = self._call(
                    "PUT",
                    f"/api/v1/sections/{section}/uploads/{token}",
                    auth=True,
                    content=chunk,
                    headers={"content-range": f"bytes {got}-{end}/{size}", "content-type": "application/octet-stream"},
                )
                got = done["received"]
        return got

    # ------------------------------------------------------------------ the online opening (不见面开标)

    def opening_sign_in(self, section: str) -> dict[str, Any]:
        """Roll call: this bidder is present at the opening."""
        return self._call("POST", f"/api/v1/sections/{section}/opening/roll-call", auth=True)

    def opening_hand_over_key(self, section: str, bid: str, envelope: str | Path) -> dict[str, Any]:
        """Decrypt online: unwrap the content key of our own copy of the envelope with our key and hand it
        over, signed; the platform decrypts the stored ciphertext with it and checks it against the receipt."""
        from ggzy.opening.handover import key_handover

        ident = self._identity()
        with Path(envelope).open("rb") as fh:
            body = key_handover(fh, ident.key, ident.certificate, section=section, bid=bid)
        return self._call("POST", f"/api/v1/sections/{section}/opening/keys", auth=True, json=body)

    def opening_hand_over_share(self, section: str) -> dict[str, Any]:
        """A custodian's remedy: fetch our sealed share, open it with our key, hand it over signed."""
        from ggzy.opening.handover import share_handover

        ident = self._identity()
        mine = self._call("GET", f"/api/v1/sections/{section}/opening/shares/mine", auth=True)
        body = share_handover(base64.b64decode(mine["sealed_share"]), ident.key, ident.certificate, section=section)
        return self._call("POST", f"/api/v1/sections/{section}/opening/shares", auth=True, json=body)

    def opening_record(self, section: str, *, now: dt.datetime | None = None) -> bytes:
        """The opening record's exact bytes, after checking the platform's signature on them."""
        response = self._call("GET", f"/api/v1/sections/{section}/opening/record", auth=True, raw=True)
        content = response.content
        signature = response.headers.get("x-signature", "")
        verdict = self.verify_receipt({"signature": signature, "content": content.decode()}, now=now)
        if not verdict.valid:
            raise ClientError(f"开标记录的平台签名无效（{verdict.message}），不予签字。", code="client.bad_record")
        return content

    def opening_answer_record(
        self, section: str, *, declined: str | None = None, now: dt.datetime | None = None
    ) -> dict[str, Any]:
        """E-13: sign the opening record we just checked (detached CMS over its exact bytes), or refuse to sign
        with a reason."""
        if declined:
            body: dict[str, Any] = {"declined": declined}
        else:
            record = self.opening_record(section, now=now)
            body = {"signature": base64.b64encode(self.sign(record)).decode()}
        return self._call("POST", f"/api/v1/sections/{section}/opening/record/confirmations", auth=True, json=body)

    def withdraw_bid(self, section: str, number: str) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/sections/{section}/bids/{number}/withdraw", auth=True)

    def my_bids(self, section: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/api/v1/sections/{section}/bids/mine", auth=True)

    def verify_receipt(self, receipt: dict[str, Any], *, now: dt.datetime | None = None) -> CmsVerdict:
        """Check the platform's CMS signature on a receipt, trusting only the platform certificate."""
        platform = load_certificate(self.platform_certificate_pem().encode())
        trust = TrustList([TrustedCA(platform)], require_revocation=False)
        return verify_detached(
            base64.b64decode(receipt["signature"]),
            receipt["content"].encode(),
            trust=trust,
            now=now or Clock().now(),
        )

    def logout(self) -> None:
        self._call("DELETE", "/api/v1/auth/tokens/current", auth=True)
        self.token = None
        if self.token_file is not None and self.token_file.exists():
            self.token_file.unlink()


def verify_file(
    content: bytes, signature: bytes, *, cas: list[bytes], crls: list[bytes], now: dt.datetime
) -> CmsVerdict:
    """Check a detached CMS signature offline against CA certificates (and CRLs) the user trusts."""
    trust = TrustList([TrustedCA(load_certificate(c)) for c in cas], crls=crls, require_revocation=bool(crls))
    return verify_detached(signature, content, trust=trust, now=now)


def content_algorithm(opening: Certificate, requested: str | None) -> str:
    """The content cipher of a bid to ``opening``: ``requested`` (default AES-256-GCM), but SM4 when the
    section's opening key is SM2 — a 国密 section is sealed with the national algorithms end to end (SM2 key
    transport, SM4 content), so an AES request becomes SM4 in the same mode (GCM unless CBC was asked for)."""
    if opening.algorithm is not KeyAlgorithm.SM2:
        return requested or "aes-256-gcm"
    if requested and requested.startswith("sm4-"):
        return requested
    return "sm4-cbc" if requested and requested.endswith("-cbc") else "sm4-gcm"


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _pem(cert: Certificate) -> str:
    body = base64.encodebytes(cert.der).decode().replace("\n", "")
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n"
