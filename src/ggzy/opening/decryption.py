"""Opening one sealed bid: no session, no clock — a stored envelope, a content key and what the receipt says
go in; an ``Outcome`` (opened, with the extracted form, hashes and file metadata, or a failure with whose
fault it is) comes out. The service stores the outcome; the benchmark times exactly this path.

Order: (1) the stored ciphertext's SHA-256/SM3 must equal the receipt (else the platform's storage is at
fault); (2) decrypt in 1 MiB steps into a temporary file, hashing the plaintext; (3) ``read_package`` checks
the ZIP (bombs, traversal, manifest hashes); (4) the package's manifest signature must verify and be by the
certificate that signed the submission; (5) the form must name this section.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ggzy.bidding.package import BidPackage, read_package
from ggzy.kit.errors import GgzyError
from ggzy.opening.forensics import file_metadata
from ggzy.opening.workflow import Failure
from ggzy.pki import envelope
from ggzy.pki.cms import verify_detached
from ggzy.pki.validation import TrustList

CHUNK = 1 << 20


@dataclass(frozen=True)
class Expected:
    """What the receipt and the submission say about one bid."""

    section: str
    number: str
    sha256: str
    sm3: str
    size: int
    signer: str  # fingerprint of the certificate that signed the submission
    submitted_at: dt.datetime


@dataclass
class Outcome:
    opened: bool
    failure: Failure | None = None
    reason: str = ""
    plaintext_sha256: str | None = None
    plaintext_sm3: str | None = None
    plaintext_size: int | None = None
    manifest_sha256: str | None = None
    signer: str | None = None
    form: dict[str, Any] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)
    plaintext_path: Path | None = None  # the package, for the caller to keep; removed by ``cleanup``
    workdir: Path | None = None

    def cleanup(self) -> None:
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


def hash_file(path: Path) -> tuple[str, str, int]:
    sha, sm3, size = hashlib.sha256(), hashlib.new("sm3"), 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
            sm3.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), sm3.hexdigest(), size


class _HashingWriter:
    def __init__(self, fh) -> None:
        self.fh, self.sha, self.sm3, self.size = fh, hashlib.sha256(), hashlib.new("sm3"), 0

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.sm3.update(data)
        self.size += len(data)
        return self.fh.write(data)


def _fail(failure: Failure, reason: str, workdir: Path | None = None) -> Outcome:
    if workdir is not None:
        shutil.rmtree(workdir, ignore_errors=True)
    return Outcome(False, failure, reason)


def open_bid(
    blob: Path,
    cek: bytes,
    expected: Expected,
    *,
    trust: TrustList,
    by_bidder: bool,
    metadata: bool = True,
    verify_signature: Callable[[BidPackage], str | None] | None = None,
    tmp_root: Path | None = None,
) -> Outcome:
    """Open the stored envelope ``blob`` with ``cek``; every failure is an ``Outcome`` naming whose fault it is."""
    if not blob.exists():
        return _fail(Failure.STORAGE, "平台存储中找不到该投标文件的密文。")
    sha, sm3, size = hash_file(blob)
    if (sha, sm3, size) != (expected.sha256, expected.sm3, expected.size):
        return _fail(Failure.STORAGE, "平台存储的密文摘要与投标回执不符（密文在平台一侧被改动或损坏）。")
    with blob.open("rb") as fh:
        try:
            aead = envelope.CONTENT_ALGORITHMS[envelope.parse_envelope(fh).content_algorithm].aead
        except GgzyError as exc:
            return _fail(Failure.ENVELOPE, f"投标文件不是可解析的数字信封：{exc.message}")
    if tmp_root is not None:
        tmp_root.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="ggzy-open-", dir=tmp_root))
    plain = workdir / "package.zip"
    try:
        with blob.open("rb") as src, plain.open("wb") as dst:
            sink = _HashingWriter(dst)
            envelope.decrypt(src, cek, out=sink)  # type: ignore[arg-type]
    except GgzyError as exc:
        # A wrong content key from the bidder may still be remedied by the custodians; the true key failing
        # means the envelope itself is bad — the bidder made it.
        return _fail(Failure.KEY if by_bidder else Failure.ENVELOPE, f"解密失败：{exc.message}", workdir)
    try:
        package = read_package(plain, extract_to=workdir / "files" if metadata else None)
    except GgzyError as exc:
        # Under AES-GCM/SM4-GCM a right tag proves the key right, so a bad package is the bidder's; under CBC a
        # wrong key can pass the padding check and yield garbage, so the remedy is still tried.
        blame = Failure.KEY if (by_bidder and not aead) else Failure.PACKAGE
        return _fail(blame, f"解密后的投标包无效：{exc.message}", workdir)
    reason, signer = _check_package(package, expected, trust=trust, verify_signature=verify_signature)
    if reason:
        return _fail(Failure.PACKAGE, reason, workdir)
    files = []
    for f in package.files:
        meta = file_metadata(workdir / "files" / f.name) if metadata else {}
        files.append({"name": f.name, "sha256": f.sha256, "size": f.size, "metadata": meta})
    return Outcome(
        True,
        plaintext_sha256=sink.sha.hexdigest(),
        plaintext_sm3=sink.sm3.hexdigest(),
        plaintext_size=sink.size,
        manifest_sha256=hashlib.sha256(package.manifest).hexdigest(),
        signer=signer,
        form=package.form,
        files=files,
        plaintext_path=plain,
        workdir=workdir,
    )


def _check_package(
    package: BidPackage, expected: Expected, *, trust: TrustList, verify_signature
) -> tuple[str | None, str | None]:
    if verify_signature is not None:
        return verify_signature(package), expected.signer
    try:
        # Checked at the submission time: the certificate had to be valid when the bid was signed and sent.
        verdict = verify_detached(package.signature, package.manifest, trust=trust, now=expected.submitted_at)
    except GgzyError as exc:
        return f"投标包签名无法解析：{exc.message}", None
    if not verdict.valid:
        return f"投标包签名无效：{verdict.message}", None
    cert = verdict.signers[0].certificate
    assert cert is not None
    if cert.fingerprint != expected.signer:
        return "投标包不是由递交投标文件时的签名证书签名的。", cert.fingerprint
    if package.form.get("section") != expected.section:
        return (
            f"投标包的投标函写的是标段 {package.form.get('section')}，不是本标段 {expected.section}。",
            cert.fingerprint,
        )
    return None, cert.fingerprint
