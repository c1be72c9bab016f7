"""The custodians' remedy: k custodians bring back their shares, the opening key is rebuilt in memory only,
and the bids whose bidder's key failed (or who did not come) are opened with it (E-12 remedy).

A share is checked the moment it arrives — parsed, against this key's split fingerprint and its own
commitment (``pki.sharing``), and its handover signature against a certificate bound to the custodian's
account — so a share that would not combine is refused then, naming its index and custodian. Shares are
kept (so that a crash between arrival and use loses nothing) and wiped once the remedy is over.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

from sqlalchemy.orm import Session

from ggzy.audit.service import record
from ggzy.bidding.models import Bid, CustodianShare, OpeningKey
from ggzy.kit.actor import Actor
from ggzy.kit.errors import Forbidden, IllegalTransition, NotFound, ValidationFailed
from ggzy.opening import repository as repo
from ggzy.opening.decryption import open_bid
from ggzy.opening.handover import read_statement
from ggzy.opening.models import Opening, ShareSubmission
from ggzy.opening.workflow import BidOpeningStatus, OpeningStatus
from ggzy.pki import envelope, sharing
from ggzy.pki.certs import certificate_from_der
from ggzy.pki.keys import load_private_key
from ggzy.pki.validation import TrustList
from ggzy.projects.models import Section


class ShareRefused(ValidationFailed):
    code = "opening.share_refused"


def _key(session: Session, opening: Opening) -> OpeningKey:
    key = repo.opening_key_for(session, opening.section_id)
    if key is None:
        raise NotFound("本标段没有开标密钥。", code="opening.no_opening_key")
    return key


def my_share(session: Session, opening: Opening, account_id: int) -> CustodianShare:
    stored = next(
        (s for s in repo.custodian_shares(session, _key(session, opening).id) if s.account_id == account_id), None
    )
    if stored is None:
        raise Forbidden("您不是本标段开标密钥的保管人。", code="opening.not_a_custodian")
    return stored


def submit_share(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    code: str,
    account_id: int,
    share: bytes,
    statement: str,
    signature: bytes,
    trust: TrustList,
    env,
) -> ShareSubmission:
    """Accept one custodian's decrypted share; when k are in, the remaining bids are opened."""
    from ggzy.opening import service

    section, opening = service._live_opening(session, code)
    stored = my_share(session, opening, account_id)
    existing = next(
        (s for s in repo.share_submissions(session, opening.id) if s.share_index == stored.share_index), None
    )
    if existing is not None:
        return existing
    if opening.status != OpeningStatus.CUSTODIANS.value:
        raise IllegalTransition("当前不需要保管人补救解密。", code="opening.no_remedy_needed")
    parsed = _checked(session, opening, stored, share)
    read_statement(
        statement, {"section": section.code, "index": parsed.index, "share_sha256": hashlib.sha256(share).hexdigest()}
    )
    signer = _signed_by_custodian(statement.encode(), signature, stored, trust=trust, now=now)
    row = ShareSubmission(
        opening_id=opening.id,
        custodian_share_id=stored.id,
        share_index=stored.share_index,
        account_id=account_id,
        at=now,
        commitment=stored.commitment,
        statement=statement,
        signature=signature,
        signer_fingerprint=signer,
        share=share,
    )
    session.add(row)
    session.flush()
    record(
        session,
        tag="opening:share:submitted",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={"index": stored.share_index, "commitment": stored.commitment},
    )
    service._bump(session, opening)
    service._advance(session, opening, now, env=env, actor=actor)
    return row


def _signed_by_custodian(content: bytes, signature: bytes, stored: CustodianShare, *, trust: TrustList, now) -> str:
    """The handover is signed by the very certificate the share was sealed to at the key ceremony.

    That certificate was checked and bound to the custodian's account when it was appointed; it is the trust
    anchor here, so a custodian certificate from a CA outside the bidders' trust list is fine."""
    from ggzy.kit.errors import GgzyError
    from ggzy.pki.cms import verify_detached

    try:
        verdict = verify_detached(signature, content, trust=trust, now=now)
    except GgzyError as exc:
        raise ShareRefused(f"份额提交的签名无法解析：{exc.message}") from None
    signer = verdict.signers[0]
    signature_ok = signer.valid or signer.certificate_verdict is not None  # only the chain was not checkable
    if not signature_ok or signer.certificate is None:
        raise ShareRefused(f"份额提交的签名无效：{verdict.message}。", code="opening.bad_signature")
    if signer.certificate.fingerprint != stored.certificate_fingerprint:
        raise ShareRefused(
            f"份额 #{stored.share_index} 须由密钥分持时该保管人的加密证书签名提交。",
            code="opening.wrong_custodian_cert",
        )
    return signer.certificate.fingerprint


def _checked(session: Session, opening: Opening, stored: CustodianShare, data: bytes) -> sharing.Share:
    """The share parses, is this custodian's index, belongs to this key's split and matches its commitment."""
    key = _key(session, opening)
    name = f"份额 #{stored.share_index}（保管人账户 {stored.account_id}）"
    try:
        share = sharing.Share.from_bytes(data)
    except sharing.ShareError as exc:
        raise ShareRefused(f"{name} 无法解析：{exc.message}", detail={"index": stored.share_index}) from None
    if share.index != stored.share_index:
        raise ShareRefused(f"{name}：提交的是第 {share.index} 份，不是您保管的那一份。", detail={"index": share.index})
    if share.share_commitments[share.index - 1].hex() != stored.commitment:
        raise ShareRefused(f"{name} 与密钥分持时公布的承诺不符，无法合成。", detail={"index": share.index})
    try:
        sharing.combine([share], expected_split=key.split_fingerprint)
    except sharing.ShareInsufficient:
        pass  # every check of this one share passed; more are needed to combine
    except sharing.ShareError as exc:
        raise ShareRefused(f"{name} 无法合成：{exc.message}", detail={"index": share.index}) from None
    return share


def ready(session: Session, opening: Opening) -> bool:
    key = _key(session, opening)
    return sum(1 for s in repo.share_submissions(session, opening.id) if s.share is not None) >= key.threshold


def open_remaining(session: Session, opening: Opening, *, now: dt.datetime, env, actor: Actor) -> int:
    """Rebuild the opening key in memory and open every pending bid with it; returns how many were opened."""
    from ggzy.opening import service
    from ggzy.pki.service import current_trust_list

    key_row = _key(session, opening)
    section = session.get(Section, opening.section_id)
    assert section is not None
    shares = [sharing.Share.from_bytes(s.share) for s in repo.share_submissions(session, opening.id) if s.share]
    try:
        secret = sharing.combine(shares, expected_split=key_row.split_fingerprint)
    except sharing.ShareError as exc:
        index = exc.detail.get("index")
        raise ShareRefused(f"份额无法合成开标密钥（份额 #{index}）：{exc.message}", detail=exc.detail) from None
    private = load_private_key(secret)
    del secret
    cert = certificate_from_der(key_row.certificate_der)
    trust = current_trust_list(session)
    pending = [b for b in repo.opening_bids(session, opening.id) if b.status == BidOpeningStatus.PENDING.value]
    opened = 0
    for ob in pending:
        bid = session.get(Bid, ob.bid_id)
        assert bid is not None
        blob = env.blobs.path(bid.sha256)
        try:
            with blob.open("rb") as fh:
                cek = envelope.unwrap_key(envelope.parse_envelope(fh), private, cert)
        except (OSError, envelope.EnvelopeError) as exc:
            cek = b""
            reason = getattr(exc, "message", str(exc))
        else:
            reason = ""
        plan = service.Plan(ob.id, service._expected(section, bid), blob, cek, False, {})
        if cek:
            outcome = open_bid(blob, cek, plan.expected, trust=trust, by_bidder=False, tmp_root=env.tmp_root)
        else:
            from ggzy.opening.decryption import Outcome
            from ggzy.opening.workflow import Failure

            failure = Failure.STORAGE if not blob.exists() else Failure.ENVELOPE
            outcome = Outcome(False, failure, f"开标密钥无法解出内容密钥：{reason}")
        try:
            service.record_outcome(session, opening, ob, plan=plan, outcome=outcome, actor=actor, now=now, env=env)
        finally:
            outcome.cleanup()
        opened += outcome.opened
    del private
    record(
        session,
        tag="opening:custodians:opened",
        actor=actor,
        now=now,
        subject_id=section.code,
        center_id=section.center_id,
        payload={"shares": [s.index for s in shares], "bids": [b.number for b in pending]},
    )
    return opened


def wipe(session: Session, opening: Opening, *, now: dt.datetime) -> None:
    """Forget the decrypted shares once the remedy is over (their commitments stay)."""
    for s in repo.share_submissions(session, opening.id):
        if s.share is not None:
            s.share, s.wiped_at = None, now


def sealed_share_b64(session: Session, opening: Opening, account_id: int) -> dict:
    """What a custodian's client downloads to decrypt: its sealed share (an envelope to its certificate)."""
    stored = my_share(session, opening, account_id)
    return {
        "index": stored.share_index,
        "certificate": stored.certificate_fingerprint,
        "commitment": stored.commitment,
        "sealed_share": base64.b64encode(stored.encrypted_share).decode(),
    }
