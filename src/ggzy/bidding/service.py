"""Use cases of sealed-bid submission: resumable uploads, completion (checks → ciphertext stored → signed
receipt), replacement and withdrawal before the deadline, the bidder's own submissions.

Nothing here tells anybody but the bidder itself that it has submitted: every event is confidential
(招标投标法 第二十二条, E-8) and there is no query that counts or lists other bidders' submissions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ggzy.audit.chain import canonical_json
from ggzy.audit.service import record, register_confidential
from ggzy.bidding import ceremony, policies
from ggzy.bidding.models import Bid, OpeningKey, Receipt, Upload
from ggzy.bidding.workflow import BID, BidStatus
from ggzy.deposits import service as deposits
from ggzy.kit.actor import Actor
from ggzy.kit.blobs import BlobStore
from ggzy.kit.errors import Conflict, Forbidden, GgzyError, NotFound, ValidationFailed
from ggzy.kit.signing import PlatformKey
from ggzy.pki import envelope
from ggzy.pki.cms import verify_detached
from ggzy.pki.documents import sign_document
from ggzy.pki.models import CertificateBinding
from ggzy.pki.validation import TrustList
from ggzy.projects.models import Section
from ggzy.projects.workflow import SectionStatus
from ggzy.registry.models import Entity

RECEIPT_FORMAT = "ggzy.bid-receipt/1"
# A signature over the whole envelope is accepted up to this size; beyond it, sign the SHA-256 hex text.
MAX_WHOLE_SIGNED = 32 << 20
HASH_BLOCK = 1 << 20
TAGS = (
    "bidding:upload:started",
    "bidding:upload:expired",
    "bidding:bid:submitted",
    "bidding:bid:replaced",
    "bidding:bid:withdrawn",
    "bidding:bid:refused",
)
register_confidential(*TAGS)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class SubmissionRefused(ValidationFailed):
    code = "bidding.refused"


def _refuse(message: str, code: str) -> SubmissionRefused:
    return SubmissionRefused(message, code=code)


# --- sections --------------------------------------------------------------------------------------------


def open_section(session: Session, code: str) -> Section:
    """A section that is (or was) on sale: announced or closed. Drafts do not exist for bidders."""
    section = session.execute(select(Section).where(Section.code == code)).scalar_one_or_none()
    if section is None or section.status not in (SectionStatus.ANNOUNCED.value, SectionStatus.CLOSED.value):
        raise NotFound(f"标段 {code} 不存在或未发布招标公告。", code="bidding.section_not_found")
    return section


def opening_key(session: Session, section: Section) -> OpeningKey:
    row = ceremony.opening_key_of(session, section.id)
    if row is None:
        raise NotFound(f"标段 {section.code} 没有开标密钥（不接受电子投标）。", code="bidding.no_opening_key")
    return row


def _check_accepting(section: Section, now: dt.datetime) -> None:
    if section.status != SectionStatus.ANNOUNCED.value:
        raise _refuse("该标段已截标或终止，不再接收投标文件。", "bidding.closed")
    reason = policies.deadline_reason(section.bid_deadline, now)
    if reason:
        raise _refuse(reason, "bidding.late")


def _check_eligible(session: Session, section: Section, entity_id: int) -> None:
    entity = session.get(Entity, entity_id)
    if entity is None:
        raise Forbidden("账户关联的市场主体不存在。", code="bidding.no_entity")
    reason = policies.eligibility_reason(
        entity_roles=entity.roles,
        entity_status=entity.status,
        deposit_fen=section.deposit_fen,
        deposit_status=deposits.deposit_status(session, section.id, entity_id) if section.deposit_fen else "none",
    )
    if reason:
        raise _refuse(reason, "bidding.not_eligible")


# --- uploads -----------------------------------------------------------------------------------------------


def upload_path(upload_dir: Path, token: str) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,40}", token):
        raise NotFound("上传不存在。", code="bidding.upload_not_found")
    return upload_dir / f"{token}.part"


def start_upload(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    entity_id: int,
    account_id: int,
    section_code: str,
    size: int,
    sha256: str,
    upload_dir: Path,
) -> Upload:
    """Declare an envelope (size, SHA-256); the bytes then arrive in chunks to a temporary file."""
    section = open_section(session, section_code)
    opening_key(session, section)
    _check_accepting(section, now)
    if reason := policies.upload_size_reason(size):
        raise ValidationFailed(reason, code="bidding.bad_size")
    if not _SHA256.match(sha256 or ""):
        raise ValidationFailed("请给出投标文件的 SHA-256（64 位小写十六进制）。", code="bidding.bad_hash")
    _check_eligible(session, section, entity_id)
    upload = Upload(
        token=secrets.token_urlsafe(24),
        section_id=section.id,
        entity_id=entity_id,
        account_id=account_id,
        size=size,
        sha256=sha256,
        status="open",
        created_at=now,
        expires_at=now + policies.UPLOAD_LIFETIME,
        next_check=now + policies.UPLOAD_LIFETIME,
    )
    session.add(upload)
    session.flush()
    upload_dir.mkdir(parents=True, exist_ok=True)
    upload_path(upload_dir, upload.token).touch()
    record(
        session,
        tag="bidding:upload:started",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={"size": size, "sha256": sha256},
    )
    return upload


def own_upload(session: Session, token: str, account_id: int, now: dt.datetime) -> Upload:
    upload = session.execute(select(Upload).where(Upload.token == token)).scalar_one_or_none()
    if upload is None or upload.account_id != account_id:
        raise NotFound("上传不存在或不属于您的账户。", code="bidding.upload_not_found")
    if upload.status != "open" or upload.expires_at <= now:
        raise Conflict("该上传已完成或已过期：请重新开始上传。", code="bidding.upload_closed")
    return upload


def received(upload_dir: Path, token: str) -> int:
    path = upload_path(upload_dir, token)
    return path.stat().st_size if path.exists() else 0


def parse_content_range(header: str | None, declared: int) -> tuple[int, int]:
    """``bytes START-END/TOTAL`` → (start, length); TOTAL must be the declared size."""
    m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", (header or "").strip())
    if not m:
        raise ValidationFailed("请用 Content-Range: bytes 起-止/总长 标明分片位置。", code="bidding.bad_range")
    start, end = int(m.group(1)), int(m.group(2))
    if end < start or (m.group(3) != "*" and int(m.group(3)) != declared) or end >= declared:
        raise ValidationFailed(f"分片范围 {header} 与声明的文件大小 {declared} 字节不符。", code="bidding.bad_range")
    return start, end - start + 1


# --- completion --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Digests:
    sha256: str
    sm3: str
    size: int


def _digests(path: Path) -> Digests:
    sha, sm3, size = hashlib.sha256(), hashlib.new("sm3"), 0
    with path.open("rb") as fh:
        while block := fh.read(HASH_BLOCK):
            sha.update(block)
            sm3.update(block)
            size += len(block)
    return Digests(sha.hexdigest(), sm3.hexdigest(), size)


def _check_envelope(path: Path, opening: OpeningKey) -> envelope.EnvelopeInfo:
    """E-9: only an envelope addressed to the section's opening key is accepted."""
    try:
        with path.open("rb") as fh:
            info = envelope.parse_envelope(fh)
    except envelope.NotAnEnvelope:
        raise _refuse(
            "投标文件未按要求加密，平台拒收：请用本标段的开标密钥证书（及您自己的证书）"
            "把投标文件加密成 CMS 数字信封后再递交（电子招标投标办法 第二十六条）。",
            "bidding.not_encrypted",
        ) from None
    except envelope.EnvelopeError as exc:
        raise _refuse(f"投标文件不是完整有效的加密信封：{exc.message}", "bidding.bad_envelope") from None
    if not info.is_addressed_to(ceremony.certificate(opening)):
        raise _refuse(
            "投标文件没有加密给本标段的开标密钥（收件人中没有本标段的开标密钥证书），开标时无法解密，平台拒收："
            "请从本标段页面下载开标密钥证书后重新加密。",
            "bidding.wrong_key",
        )
    if opening.algorithm == "sm2" and not info.content_algorithm.startswith("sm4"):
        # A section sealed with the national algorithms (国密) keeps them end to end: SM2 key, SM4 content.
        raise _refuse(
            f"本标段的开标密钥为 SM2（国密），投标文件内容须用 SM4 加密（现为 {info.content_algorithm}），平台拒收："
            "请用 ggzy-client 重新加密（自动选用 SM4-GCM）。",
            "bidding.sm4_required",
        )
    return info


def _check_signature(
    session: Session, *, signature: bytes, path: Path, digests: Digests, account_id: int, trust: TrustList, now
) -> tuple[str, str]:
    """The bidder's detached CMS signature over the SHA-256 hex text (or the whole envelope, if small);
    the signer's certificate must be valid on the trust list and bound to the submitting account."""
    if not signature:
        raise _refuse("缺少投标人对投标文件的签名：请用 CA 证书签名后再完成递交。", "bidding.no_signature")
    attempts = [("sha256-hex", digests.sha256.encode())]
    if digests.size <= MAX_WHOLE_SIGNED:
        attempts.append(("envelope", path.read_bytes()))
    for attempt in attempts:
        signed = attempt[0]
        try:
            verdict = verify_detached(signature, attempt[1], trust=trust, now=now)
        except GgzyError as exc:
            raise _refuse(f"签名无法解析：{exc.message}", "bidding.bad_signature") from None
        if verdict.valid or verdict.code not in ("bad_signature", "digest_mismatch"):
            break
    if not verdict.valid:
        raise _refuse(f"投标人签名无效：{verdict.message}。", "bidding.bad_signature")
    cert = verdict.signers[0].certificate
    assert cert is not None
    bound = session.execute(
        select(CertificateBinding.id).where(
            CertificateBinding.fingerprint == cert.fingerprint,
            CertificateBinding.account_id == account_id,
            CertificateBinding.unbound_at.is_(None),
        )
    ).first()
    if bound is None:
        raise _refuse(
            "签名证书没有绑定到您的账户：请先在“我的证书”中绑定该证书，或用已绑定的证书签名。",
            "bidding.signer_not_bound",
        )
    return signed, cert.fingerprint


def _number(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(8).upper()}"


def _live_bid(session: Session, section_id: int, entity_id: int) -> Bid | None:
    return session.execute(
        select(Bid).where(
            Bid.section_id == section_id, Bid.entity_id == entity_id, Bid.status == BidStatus.SUBMITTED.value
        )
    ).scalar_one_or_none()


@dataclass(frozen=True)
class Inspected:
    """An upload that passed the checks that need no write: complete, hashed, an envelope to the opening key,
    signed by a certificate bound to the account."""

    token: str
    digests: Digests
    content_algorithm: str
    opening_key_id: int
    signature: bytes
    signed_content: str
    signer: str


def inspect_upload(
    session: Session,
    *,
    now: dt.datetime,
    trust: TrustList,
    account_id: int,
    token: str,
    signature: bytes,
    upload_dir: Path,
) -> Inspected:
    """The slow checks (hashing, envelope, signature), done before any write transaction starts."""
    upload = own_upload(session, token, account_id, now)
    section = session.get(Section, upload.section_id)
    assert section is not None
    _check_accepting(section, now)
    path = upload_path(upload_dir, token)
    got = received(upload_dir, token)
    if got != upload.size:
        raise _refuse(f"上传不完整：已收到 {got} 字节，声明 {upload.size} 字节。请续传后再完成。", "bidding.incomplete")
    digests = _digests(path)
    if digests.sha256 != upload.sha256:
        raise _refuse("收到的文件与声明的 SHA-256 不符（传输损坏或文件已改变），请重新上传。", "bidding.hash_mismatch")
    opening = opening_key(session, section)
    info = _check_envelope(path, opening)
    signed, signer = _check_signature(
        session, signature=signature, path=path, digests=digests, account_id=account_id, trust=trust, now=now
    )
    return Inspected(token, digests, info.content_algorithm, opening.id, signature, signed, signer)


def complete_upload(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    key: PlatformKey,
    trust: TrustList,
    entity_id: int,
    account_id: int,
    token: str,
    signature: bytes,
    upload_dir: Path,
    blobs: BlobStore,
) -> tuple[Bid, Receipt]:
    """Check the whole envelope and accept it as the bid (replacing a live one), or refuse and keep nothing."""
    inspected = inspect_upload(
        session, now=now, trust=trust, account_id=account_id, token=token, signature=signature, upload_dir=upload_dir
    )
    return accept_upload(
        session,
        actor=actor,
        now=now,
        key=key,
        entity_id=entity_id,
        account_id=account_id,
        inspected=inspected,
        upload_dir=upload_dir,
        blobs=blobs,
    )


def accept_upload(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    key: PlatformKey,
    entity_id: int,
    account_id: int,
    inspected: Inspected,
    upload_dir: Path,
    blobs: BlobStore,
) -> tuple[Bid, Receipt]:
    """Accept an inspected upload as the bid, in the caller's write transaction.

    ``now`` is the time the completion arrived: the transmission-completed time of the receipt (E-10)."""
    upload = own_upload(session, inspected.token, account_id, now)
    section = session.get(Section, upload.section_id)
    assert section is not None
    _check_accepting(section, now)
    _check_eligible(session, section, entity_id)
    digests, path = inspected.digests, upload_path(upload_dir, inspected.token)
    previous = _live_bid(session, section.id, entity_id)
    bid = Bid(
        number=_number("TB"),
        section_id=section.id,
        entity_id=entity_id,
        account_id=account_id,
        status=BidStatus.SUBMITTED.value,
        sha256=digests.sha256,
        sm3=digests.sm3,
        size=digests.size,
        content_algorithm=inspected.content_algorithm,
        opening_key_id=inspected.opening_key_id,
        signature=inspected.signature,
        signed_content=inspected.signed_content,
        signer_fingerprint=inspected.signer,
        submitted_at=now,
        ip=actor.ip,
        supersedes_id=previous.id if previous else None,
    )
    if previous is not None:
        previous.status = BID.decide(
            previous, BidStatus.SUBMITTED, "supersede", {"now": now, "deadline": section.bid_deadline}
        ).target.value
        session.flush()
    session.add(bid)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("您的另一次递交正在处理，请稍后刷新查看回执。", code="bidding.concurrent") from None
    if previous is not None:
        previous.superseded_by_id = bid.id
    upload.status, upload.next_check = "completed", None
    _keep_ciphertext(path, blobs, digests.sha256)
    action = "replaced" if previous is not None else "submitted"
    receipt = _receipt(session, key=key, bid=bid, section=section, action=action, now=now, previous=previous)
    record(
        session,
        tag=f"bidding:bid:{action}",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={"bid": bid.number, "receipt": receipt.number, "sha256": bid.sha256, "size": bid.size},
    )
    return bid, receipt


def _keep_ciphertext(path: Path, blobs: BlobStore, sha256: str) -> None:
    """Link the verified temporary file into the content-addressed store (the temp file goes after commit)."""
    target = blobs.path(sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        os.link(path, target)


def discard_upload(upload_dir: Path, token: str) -> None:
    upload_path(upload_dir, token).unlink(missing_ok=True)


# --- receipts ---------------------------------------------------------------------------------------------


def receipt_content(
    *,
    number: str,
    action: str,
    section: Section,
    bid: Bid,
    opening_fingerprint: str,
    now: dt.datetime,
    key_id: str,
    supersedes: str | None,
) -> dict[str, Any]:
    assert section.bid_deadline is not None
    return {
        "format": RECEIPT_FORMAT,
        "number": number,
        "action": action,
        "section": section.code,
        "bid": bid.number,
        "time": now.astimezone(dt.UTC).isoformat(timespec="milliseconds"),
        "deadline": section.bid_deadline.astimezone(dt.UTC).isoformat(timespec="milliseconds"),
        "ciphertext": {
            "sha256": bid.sha256,
            "sm3": bid.sm3,
            "size": bid.size,
            "content_algorithm": bid.content_algorithm,
        },
        "bidder_signature_sha256": hashlib.sha256(bid.signature).hexdigest(),
        "bidder_certificate": bid.signer_fingerprint,
        "opening_key": opening_fingerprint,
        "supersedes": supersedes,
        "platform_key": key_id,
    }


def _receipt(
    session: Session, *, key: PlatformKey, bid: Bid, section: Section, action: str, now: dt.datetime, previous
) -> Receipt:
    opening = session.get(OpeningKey, bid.opening_key_id)
    assert opening is not None
    number = _number("HZ")
    content = canonical_json(
        receipt_content(
            number=number,
            action=action,
            section=section,
            bid=bid,
            opening_fingerprint=opening.fingerprint,
            now=now,
            key_id=key.key_id,
            supersedes=previous.number if previous is not None else None,
        )
    )
    receipt = Receipt(
        number=number,
        bid_id=bid.id,
        action=action,
        at=now,
        content=content,
        signature=sign_document(content.encode(), key, signing_time=now),
    )
    session.add(receipt)
    session.flush()
    return receipt


# --- withdrawal and the bidder's own view ---------------------------------------------------------------------


def withdraw(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    key: PlatformKey,
    entity_id: int,
    section_code: str,
    number: str,
) -> Receipt:
    """Withdraw the bidder's live bid before the deadline (法 第二十九条); the row and ciphertext stay."""
    section = open_section(session, section_code)
    bid = session.execute(select(Bid).where(Bid.number == number)).scalar_one_or_none()
    if bid is None or bid.entity_id != entity_id or bid.section_id != section.id:
        raise NotFound("投标不存在或不属于您的单位。", code="bidding.bid_not_found")
    decision = BID.decide(bid, BidStatus(bid.status), "withdraw", {"now": now, "deadline": section.bid_deadline})
    bid.status, bid.withdrawn_at = decision.target.value, now
    receipt = _receipt(session, key=key, bid=bid, section=section, action="withdrawn", now=now, previous=None)
    record(
        session,
        tag="bidding:bid:withdrawn",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={"bid": bid.number, "receipt": receipt.number},
    )
    return receipt


def own_bids(session: Session, *, entity_id: int, section_code: str) -> list[tuple[Bid, list[Receipt]]]:
    """The acting bidder's own submissions for a section, newest first, with their receipts."""
    section = open_section(session, section_code)
    bids = list(
        session.execute(
            select(Bid).where(Bid.section_id == section.id, Bid.entity_id == entity_id).order_by(Bid.id.desc())
        ).scalars()
    )
    receipts: dict[int, list[Receipt]] = {b.id: [] for b in bids}
    if bids:
        for r in session.execute(
            select(Receipt).where(Receipt.bid_id.in_(list(receipts))).order_by(Receipt.id)
        ).scalars():
            receipts[r.bid_id].append(r)
    return [(b, receipts[b.id]) for b in bids]


def own_receipt(session: Session, *, entity_id: int, number: str) -> Receipt:
    receipt = session.execute(select(Receipt).where(Receipt.number == number)).scalar_one_or_none()
    bid = session.get(Bid, receipt.bid_id) if receipt is not None else None
    if receipt is None or bid is None or bid.entity_id != entity_id:
        raise NotFound("回执不存在或不属于您的单位。", code="bidding.receipt_not_found")
    return receipt


# --- chronograph: expired uploads ------------------------------------------------------------------------------


def due_uploads(session: Session, now: dt.datetime, limit: int) -> list[int]:
    return list(
        session.execute(
            select(Upload.id)
            .where(Upload.next_check.is_not(None), Upload.next_check <= now)
            .order_by(Upload.next_check)
            .limit(limit)
        ).scalars()
    )


def expire_upload(session: Session, upload_id: int, now: dt.datetime, upload_dir: Path) -> bool:
    """An upload never completed: delete its temporary file; it never was a bid. Idempotent."""
    upload = session.get(Upload, upload_id)
    if upload is None or upload.status != "open" or upload.expires_at > now:
        return False
    upload.status, upload.next_check = "expired", None
    discard_upload(upload_dir, upload.token)
    record(
        session,
        tag="bidding:upload:expired",
        actor=Actor(None, "时序任务", "chronograph"),
        now=now,
        subject_id=upload.token[:8],
        center_id=None,
        payload={},
    )
    return True
