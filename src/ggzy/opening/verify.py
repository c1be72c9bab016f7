"""``ggzy verify-opening``: check that what was opened is exactly what was submitted.

What is checked, and with what:

With the published transcript and record + the platform certificate + the stored ciphertexts (anyone the
center gives the ciphertexts to — a regulator, an auditor, a court):
  1. the transcript's and the record's platform signatures;
  2. the record the transcript names is this record (SHA-256);
  3. every receipt's platform signature over its exact content, and that the receipt's ciphertext
     SHA-256/SM3/size and opening-key fingerprint equal the transcript's;
  4. each stored ciphertext, re-hashed now (SHA-256 and SM3, size), equals the receipt — so any change to a
     stored envelope blob, by anyone, fails here;
  5. each stored envelope is a CMS envelope addressed to the published opening-key certificate;
  6. every key handover's statement is for this section and bid; every share handover's commitment is one of
     the commitments published at the key ceremony.
With the platform's database as well (the content keys kept after opening — ``verify-opening`` run by the
operator or a regulator with access):
  7. each opened bid, decrypted again with its stored content key, has the plaintext SHA-256/SM3 and the
     manifest hash the transcript published (and the key's SHA-256 equals the one the bidder signed);
  8. each bidder's electronic signature on the record (E-13) is over the published record bytes, by the
     certificate the transcript names, valid on the platform's trust list when it was given.
Plaintext hashes cannot be checked from published data alone: that would need the content keys, which
would make the bids readable to anyone holding the ciphertexts.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from ggzy.kit.blobs import BlobStore
from ggzy.kit.errors import GgzyError
from ggzy.kit.signing import PlatformKey
from ggzy.opening import repository as repo
from ggzy.opening.decryption import hash_file
from ggzy.opening.models import Opening
from ggzy.pki import envelope
from ggzy.pki.certs import load_certificate
from ggzy.pki.documents import verify_document


@dataclass
class Report:
    section: str
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def check(self, condition: bool, problem: str) -> None:
        self.checked += 1
        if not condition:
            self.problems.append(problem)


class _Hasher(io.RawIOBase):
    def __init__(self) -> None:
        self.sha, self.sm3, self.size = hashlib.sha256(), hashlib.new("sm3"), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.sha.update(data)
        self.sm3.update(data)
        self.size += len(data)
        return len(data)


def verify_section(session: Session, code: str, *, blobs: BlobStore, key: PlatformKey, now: dt.datetime) -> Report:
    report = Report(code)
    section = repo.section_by_code(session, code)
    opening = repo.opening_of(session, section.id)
    if opening is None:
        report.check(False, "本标段尚未开标。")
        return report
    if opening.transcript_json is None:
        report.check(opening.status == "failed_insufficient", "开标记录尚未确认公布，没有可核验的开标过程记录。")
        if opening.record_json is not None:
            report.check(_signed(opening.record_json, opening.record_signature, key, now), "开标记录的平台签名无效。")
        return report
    _verify_documents(opening, report, key, now)
    transcript = json.loads(opening.transcript_json)
    cert_pem = (transcript.get("opening_key") or {}).get("certificate_pem")
    opening_cert = load_certificate(cert_pem.encode()) if cert_pem else None
    commitments = {s["commitment"] for s in (transcript.get("opening_key") or {}).get("shares", [])}
    for action in transcript.get("custodian_actions", []):
        report.check(action["commitment"] in commitments, f"份额 #{action['index']} 的承诺不是密钥分持时公布的承诺。")
    _verify_confirmations(session, opening, transcript, report)
    stored = {ob.number: ob for ob in repo.opening_bids(session, opening.id)}
    for entry in transcript["bids"]:
        _verify_bid(
            entry,
            report,
            blobs=blobs,
            key=key,
            now=now,
            section=code,
            cert=opening_cert,
            content_key=getattr(stored.get(entry["bid"]), "content_key", None),
        )
    return report


def _verify_confirmations(session: Session, opening: Opening, transcript: dict, report: Report) -> None:
    """8. every bidder's signature on the record (E-13) is over these record bytes, by the certificate named, and
    was valid on the trust list when it was given."""
    from ggzy.pki.cms import verify_detached
    from ggzy.pki.service import current_trust_list

    record_json = opening.record_json or b""
    digest = hashlib.sha256(record_json).hexdigest()
    trust = None
    for c in transcript.get("record_confirmations", []):
        if c["answer"] == "none":
            continue
        n = c["bid"]
        report.check(c["record_sha256"] == digest, f"投标 {n} 的投标人确认的不是公布的开标记录。")
        if c["answer"] != "signed":
            continue
        trust = trust or current_trust_list(session)
        try:
            at = dt.datetime.fromisoformat(c["at"])
            verdict = verify_detached(base64.b64decode(c["signature"]), record_json, trust=trust, now=at)
            ok = verdict.valid and verdict.signers[0].certificate.fingerprint == c["signer"]  # type: ignore[union-attr]
        except (GgzyError, ValueError):
            ok = False
        report.check(ok, f"投标 {n} 的投标人对开标记录的电子签名无效。")


def _signed(content: bytes, signature: bytes | None, key: PlatformKey, now: dt.datetime) -> bool:
    if signature is None:
        return False
    try:
        return verify_document(content, signature, key, now=now).valid
    except GgzyError:
        return False


def _verify_documents(opening: Opening, report: Report, key: PlatformKey, now: dt.datetime) -> None:
    assert opening.transcript_json is not None
    report.check(
        _signed(opening.transcript_json, opening.transcript_signature, key, now),
        "开标过程记录（transcript）的平台签名无效。",
    )
    report.check(_signed(opening.record_json or b"", opening.record_signature, key, now), "开标记录的平台签名无效。")
    named = json.loads(opening.transcript_json).get("record_sha256")
    report.check(
        named == hashlib.sha256(opening.record_json or b"").hexdigest(), "过程记录所指的开标记录与公布的不一致。"
    )


def _verify_bid(entry, report: Report, *, blobs: BlobStore, key, now, section: str, cert, content_key) -> None:
    n = entry["bid"]
    cipher = entry["ciphertext"]
    for r in entry["receipts"]:
        content = r["content"].encode()
        report.check(
            _signed(content, base64.b64decode(r["signature"]), key, now), f"投标 {n} 的回执 {r['number']} 签名无效。"
        )
        body = json.loads(content)
        if body.get("action") in ("submitted", "replaced"):
            c = body.get("ciphertext", {})
            same = (c.get("sha256"), c.get("sm3"), c.get("size")) == (cipher["sha256"], cipher["sm3"], cipher["size"])
            report.check(same, f"投标 {n} 的回执 {r['number']} 与过程记录中的密文摘要不符。")
    path: Path = blobs.path(cipher["sha256"])
    if not path.exists():
        report.check(False, f"投标 {n} 的密文文件不存在。")
        return
    sha, sm3, size = hash_file(path)
    report.check(
        (sha, sm3, size) == (cipher["sha256"], cipher["sm3"], cipher["size"]),
        f"投标 {n} 的存储密文已被改动：重新计算的摘要与回执不符。",
    )
    try:
        with path.open("rb") as fh:
            info = envelope.parse_envelope(fh)
        if cert is not None:
            report.check(info.is_addressed_to(cert), f"投标 {n} 的数字信封不是发给公布的开标密钥的。")
    except GgzyError as exc:
        report.check(False, f"投标 {n} 的密文不是可解析的数字信封：{exc.message}")
        return
    for h in entry.get("key_handovers", []):
        stmt = json.loads(h["statement"])
        report.check(stmt.get("section") == section and stmt.get("bid") == n, f"投标 {n} 的密钥提交声明不属于本投标。")
    plain = entry.get("plaintext")
    if plain is None or content_key is None:
        return
    sink = _Hasher()
    try:
        with path.open("rb") as fh:
            envelope.decrypt(fh, content_key, out=sink)  # type: ignore[arg-type]
    except GgzyError as exc:
        report.check(False, f"投标 {n} 用开标时的内容密钥已无法解密：{exc.message}")
        return
    report.check(
        (sink.sha.hexdigest(), sink.sm3.hexdigest(), sink.size) == (plain["sha256"], plain["sm3"], plain["size"]),
        f"投标 {n} 重新解密后的明文摘要与过程记录不符。",
    )
    signed_keys = [
        json.loads(h["statement"]).get("cek_sha256")
        for h in entry.get("key_handovers", [])
        if h.get("outcome") == "opened"
    ]
    if entry.get("opened_by") == "bidder":
        report.check(
            hashlib.sha256(content_key).hexdigest() in signed_keys,
            f"投标 {n} 保存的内容密钥不是投标人签名提交的那一把。",
        )
