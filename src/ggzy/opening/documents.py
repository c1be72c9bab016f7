"""The opening record (开标记录, data set 506 BID_OPENING_RECORD with the bidder list of 507 where fields map)
and the opening transcript, both canonical JSON signed by the platform key; the record also as a sealed PDF.

Record: who took part, each bid's bidder, price (fen), duration, quality, key terms and decryption result,
objections with their answers, and the collusion findings stated neutrally. Published on the tender page
once a center staff member has confirmed it (E-15).

Transcript (``ggzy.opening-transcript/1``): everything needed to check that what was opened is what was
submitted — the opening-key certificate and its custodians' share commitments, each bid's receipts (exact
signed content + platform signature), ciphertext SHA-256/SM3/size, the bidder's signing certificate, the
key handovers and share handovers (signed statements), and each opened bid's plaintext SHA-256/SM3 and
manifest hash. ``verify.py`` says exactly what it checks.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy.orm import Session

from ggzy.audit.chain import canonical_json
from ggzy.auth.models import Account
from ggzy.bidding.models import Bid
from ggzy.kit.clock import to_shanghai
from ggzy.kit.money import format_yuan
from ggzy.kit.signing import PlatformKey
from ggzy.opening import repository as repo
from ggzy.opening.forensics import KIND_LABELS
from ggzy.opening.models import Opening, OpeningBid
from ggzy.opening.workflow import BID_LABELS, STATUS_LABELS, BidOpeningStatus, OpeningStatus, deemed
from ggzy.pki.documents import render_record_pdf, seal_platform_pdf, sign_document
from ggzy.projects.models import Section

RECORD_FORMAT = "ggzy.opening-record/1"
TRANSCRIPT_FORMAT = "ggzy.opening-transcript/1"


def _t(at: dt.datetime | None) -> str | None:
    return at.astimezone(dt.UTC).isoformat(timespec="milliseconds") if at else None


def _stamp(at: dt.datetime) -> str:
    """yyyyMMddHHmmss in Beijing time, as the national data sets write times."""
    return to_shanghai(at).strftime("%Y%m%d%H%M%S")


def bid_entry(ob: OpeningBid, name: str, *, disclose: bool = True, ceiling_fen: int | None = None) -> dict[str, Any]:
    status = BidOpeningStatus(ob.status)
    entry: dict[str, Any] = {
        "bid": ob.number,
        "bidder": name,
        "status": status.value,
        "result": BID_LABELS[status],
        "deemed": deemed(status),
    }
    if disclose and ob.form_json:
        form = json.loads(ob.form_json)
        entry.update(
            price_fen=ob.price_fen,
            duration_days=ob.duration_days,
            quality=ob.quality,
            key_terms=form.get("key_terms", {}),
            opened_by=ob.opened_by,
        )
        if ceiling_fen is not None and ob.price_fen is not None and ob.price_fen > ceiling_fen:
            # Stated, not decided: the committee rejects it (条例 第五十一条); the opening only records it.
            entry["above_ceiling"] = True
    if ob.failure_reason:
        entry["failure_reason"] = ob.failure_reason
    return entry


def build_record(session: Session, opening: Opening, *, now: dt.datetime) -> dict[str, Any]:
    section = session.get(Section, opening.section_id)
    assert section is not None
    tp, project = repo.context_of(session, section)
    bids = repo.opening_bids(session, opening.id)
    names = repo.entity_names(session, [b.entity_id for b in bids])
    calls = repo.roll_calls(session, opening.id)
    staff = session.get(Account, opening.instructed_by) if opening.instructed_by else None
    failed = opening.status == OpeningStatus.FAILED_INSUFFICIENT.value
    content: dict[str, Any] = {
        "status": opening.status,
        "status_label": STATUS_LABELS[OpeningStatus(opening.status)],
        "bids_counted": opening.bids_counted,
        "min_bidders": opening.min_bidders,
        "min_bidders_source": opening.min_bidders_source,
    }
    if section.ceiling_fen is not None:  # re-announced at the opening (E-13), data set CONTROL_PRICE
        content["ceiling_fen"] = section.ceiling_fen
    if failed:
        content["conclusion"] = (
            f"截至投标截止时间共收到 {opening.bids_counted} 份有效投标文件，少于 {opening.min_bidders} 份，"
            f"依据{opening.min_bidders_source}，不予开标；投标文件不予解密，招标人应依法重新招标。"
        )
    else:
        content.update(
            decryption_window_minutes=opening.window_minutes,
            decryption_window_source=opening.window_source,
            remedy=opening.remedy,
            roll_call=[{"bidder": names.get(r.entity_id), "at": _t(r.at)} for r in calls],
            bids=[bid_entry(b, names.get(b.entity_id, ""), ceiling_fen=section.ceiling_fen) for b in bids],
            objections=[
                {
                    "text": o.text,
                    "raised_at": _t(o.raised_at),
                    "answer": o.answer,
                    "answered_at": _t(o.answered_at),
                    "bidder": names.get(o.entity_id),
                }
                for o in repo.objections(session, opening.id)
            ],
            findings=[
                {
                    "kind": f.kind,
                    "label": KIND_LABELS.get(f.kind, f.kind),
                    "statement": f.statement,
                    "bids": json.loads(f.bids),
                }
                for f in repo.findings(session, opening.id)
            ],
            findings_note="以上为平台自动比对的客观情况，不构成串通投标的认定；由评标委员会和行政监督部门依法判断。",
        )
    return {
        "format": RECORD_FORMAT,
        # 506 BID_OPENING_RECORD
        "TENDER_PROJECT_CODE": tp.code,
        "BID_SECTION_CODES": section.code,
        "NOTICE_NAME": f"{tp.name}{section.name}开标记录",
        "BID_OPENING_ACTOR": "、".join(names.get(r.entity_id, "") for r in calls),
        "BID_OPENING_ADDRESS": "不见面开标（网上开标大厅）",
        "BID_OPENING_TIME": _stamp(opening.deadline),
        "URL": f"/sections/{section.code}/opening",
        "OPEN_COMPERE": staff.display_name if staff else "平台自动主持",
        "TENDERER_PERSON": repo.entity_names(session, [project.tenderee_id]).get(project.tenderee_id, ""),
        "TENDER_AGENCY_PERSON": repo.entity_names(session, [project.agency_id]).get(project.agency_id, "")
        if project.agency_id
        else "",
        "BID_OPENING_CONTENT": content,
        "drawn_up_at": _t(now),
    }


def _pdf_fields(record: dict[str, Any]) -> list[tuple[str, str]]:
    c = record["BID_OPENING_CONTENT"]
    fields = [
        ("招标项目编号", record["TENDER_PROJECT_CODE"]),
        ("标段（包）编号", record["BID_SECTION_CODES"]),
        ("开标时间", record["BID_OPENING_TIME"]),
        ("开标地点", record["BID_OPENING_ADDRESS"]),
        ("开标主持人", record["OPEN_COMPERE"]),
        ("招标人", record["TENDERER_PERSON"]),
        ("结果", c["status_label"]),
        ("有效投标文件", f"{c['bids_counted']} 份（不少于 {c['min_bidders']} 份方可开标）"),
    ]
    if "conclusion" in c:
        fields.append(("结论", c["conclusion"]))
    if c.get("ceiling_fen") is not None:
        fields.append(("最高投标限价", format_yuan(c["ceiling_fen"])))
    for b in c.get("bids", []):
        price = format_yuan(b["price_fen"]) if b.get("price_fen") is not None else "—"
        detail = f"报价 {price}；工期 {b.get('duration_days', '—')} 日历天；质量 {b.get('quality', '—')}；{b['result']}"
        if b.get("above_ceiling"):
            detail += "；报价高于最高投标限价"
        fields.append((b["bidder"], detail))
    for o in c.get("objections", []):
        fields.append(("异议", f"{o['bidder']}：{o['text']} —— 答复：{o['answer'] or '（未答复）'}"))
    for f in c.get("findings", []):
        fields.append(("比对情况", f["statement"]))
    return fields


def draw_up(session: Session, opening: Opening, *, now: dt.datetime, key: PlatformKey) -> None:
    """Generate, sign and seal the record (once; a re-run keeps the first)."""
    if opening.record_json is not None:
        return
    record = build_record(session, opening, now=now)
    opening.record_json = canonical_json(record).encode()
    opening.record_signature = sign_document(opening.record_json, key, signing_time=now)
    pdf = render_record_pdf(
        record["NOTICE_NAME"],
        _pdf_fields(record)[:200],
        number=record["BID_SECTION_CODES"],
        issued_at=now,
        note=record["BID_OPENING_CONTENT"].get("findings_note"),
    )
    opening.record_pdf = seal_platform_pdf(pdf, key, signing_time=now)
    opening.recorded_at = now
    if opening.status == OpeningStatus.FAILED_INSUFFICIENT.value:
        opening.published_at = now


def build_transcript(session: Session, opening: Opening, *, key: PlatformKey) -> dict[str, Any]:
    section = session.get(Section, opening.section_id)
    assert section is not None
    key_row = repo.opening_key_for(session, section.id)
    bids = repo.opening_bids(session, opening.id)
    names = repo.entity_names(session, [b.entity_id for b in bids])
    receipts = repo.receipts_of(session, [b.bid_id for b in bids])
    handovers: dict[int, list] = {}
    for k in repo.key_submissions(session, [b.id for b in bids]):
        handovers.setdefault(k.opening_bid_id, []).append(k)
    opening_key: dict[str, Any] | None = None
    if key_row is not None:
        cert = x509.load_der_x509_certificate(key_row.certificate_der)
        opening_key = {
            "certificate_pem": cert.public_bytes(Encoding.PEM).decode(),
            "sha256": key_row.fingerprint,
            "threshold": key_row.threshold,
            "shares_total": key_row.shares_total,
            "split_fingerprint": key_row.split_fingerprint,
            "shares": [
                {"index": s.share_index, "custodian_certificate": s.certificate_fingerprint, "commitment": s.commitment}
                for s in repo.custodian_shares(session, key_row.id)
            ],
        }
    entries = []
    for ob in bids:
        bid = session.get(Bid, ob.bid_id)
        assert bid is not None
        entries.append(
            {
                "bid": ob.number,
                "bidder": names.get(ob.entity_id),
                "status": ob.status,
                "opened_by": ob.opened_by,
                "failure": ob.failure,
                "failure_reason": ob.failure_reason,
                "receipts": [
                    {"number": r.number, "content": r.content, "signature": base64.b64encode(r.signature).decode()}
                    for r in receipts.get(ob.bid_id, [])
                ],
                "ciphertext": {
                    "sha256": bid.sha256,
                    "sm3": bid.sm3,
                    "size": bid.size,
                    "content_algorithm": bid.content_algorithm,
                },
                "bidder_certificate": bid.signer_fingerprint,
                "bidder_signature_sha256": hashlib.sha256(bid.signature).hexdigest(),
                "key_handovers": [
                    {
                        "at": _t(k.at),
                        "statement": k.statement,
                        "signature": base64.b64encode(k.signature).decode(),
                        "signer": k.signer_fingerprint,
                        "outcome": k.outcome,
                    }
                    for k in handovers.get(ob.id, [])
                ],
                "plaintext": None
                if ob.plaintext_sha256 is None
                else {
                    "sha256": ob.plaintext_sha256,
                    "sm3": ob.plaintext_sm3,
                    "size": ob.plaintext_size,
                    "manifest_sha256": ob.manifest_sha256,
                    "package_signer": ob.signer_fingerprint,
                },
            }
        )
    return {
        "format": TRANSCRIPT_FORMAT,
        "section": section.code,
        "deadline": _t(opening.deadline),
        "status": opening.status,
        "platform_key": key.key_id,
        "opening_key": opening_key,
        "custodian_actions": [
            {
                "index": s.share_index,
                "at": _t(s.at),
                "commitment": s.commitment,
                "statement": s.statement,
                "signature": base64.b64encode(s.signature).decode(),
                "signer": s.signer_fingerprint,
            }
            for s in repo.share_submissions(session, opening.id)
        ],
        "bids": entries,
        "record_sha256": hashlib.sha256(opening.record_json or b"").hexdigest(),
        "record_confirmations": _confirmations(session, opening, bids, names),
    }


def _confirmations(session: Session, opening: Opening, bids, names) -> list[dict[str, Any]]:
    """Each bidder's answer to the record (E-13), in bid order; ``answer`` is signed / declined / none."""
    answered = {c.entity_id: c for c in repo.confirmations(session, opening.id)}
    out: list[dict[str, Any]] = []
    for ob in bids:
        c = answered.get(ob.entity_id)
        item: dict[str, Any] = {"bid": ob.number, "bidder": names.get(ob.entity_id)}
        if c is None:
            item["answer"] = "none"
        elif c.signature is not None:
            item.update(
                answer="signed",
                at=_t(c.at),
                record_sha256=c.record_sha256,
                signer=c.signer_fingerprint,
                signature=base64.b64encode(c.signature).decode(),
            )
        else:
            item.update(answer="declined", at=_t(c.at), record_sha256=c.record_sha256, reason=c.declined)
        out.append(item)
    return out


def publish_transcript(session: Session, opening: Opening, *, now: dt.datetime, key: PlatformKey) -> None:
    if opening.transcript_json is not None:
        return
    opening.transcript_json = canonical_json(build_transcript(session, opening, key=key)).encode()
    opening.transcript_signature = sign_document(opening.transcript_json, key, signing_time=now)
