"""Runs the collusion comparisons when decryption completes: findings are stored for the evaluation
committee and sent to supervision as audit events (one per finding)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy.orm import Session

from ggzy.audit.chain import canonical_json
from ggzy.audit.service import record
from ggzy.bidding.models import Bid
from ggzy.kit.actor import CHRONOGRAPH
from ggzy.opening import forensics
from ggzy.opening import repository as repo
from ggzy.opening.models import ForensicFinding, Opening
from ggzy.opening.workflow import OPENED_BID, BidOpeningStatus
from ggzy.projects.models import Section


def submissions(session: Session, opening: Opening) -> list[forensics.Submission]:
    bids = [b for b in repo.opening_bids(session, opening.id) if BidOpeningStatus(b.status) in OPENED_BID]
    names = repo.entity_names(session, [b.entity_id for b in bids])
    accounts = repo.deposit_accounts(session, opening.section_id)
    calls = {r.entity_id: r for r in repo.roll_calls(session, opening.id)}
    keys = {k.opening_bid_id: k for k in repo.key_submissions(session, [b.id for b in bids])}
    out = []
    for ob in bids:
        bid = session.get(Bid, ob.bid_id)
        assert bid is not None
        files = json.loads(ob.files_json or "[]")
        agents = {
            a
            for a in (
                getattr(calls.get(ob.entity_id), "user_agent", None),
                getattr(keys.get(ob.id), "user_agent", None),
            )
            if a
        }
        out.append(
            forensics.Submission(
                bid=ob.number,
                entity_id=ob.entity_id,
                entity_name=names.get(ob.entity_id, str(ob.entity_id)),
                files=tuple((f["name"], f["sha256"]) for f in files),
                metadata=tuple((f["name"], k, v) for f in files for k, v in sorted(f.get("metadata", {}).items())),
                ip=bid.ip,
                user_agent=min(agents) if agents else None,
                certificate=ob.signer_fingerprint or bid.signer_fingerprint,
                deposit_accounts=tuple(sorted(accounts.get(ob.entity_id, ()))),
                price_fen=ob.price_fen,
            )
        )
    return out


def run(session: Session, opening: Opening, *, now: dt.datetime) -> list[ForensicFinding]:
    """Compare the opened bids once; a second run finds the findings stored and adds none."""
    existing = repo.findings(session, opening.id)
    if existing:
        return existing
    section = session.get(Section, opening.section_id)
    assert section is not None
    found = forensics.analyse(submissions(session, opening), ceiling_fen=section.ceiling_fen)
    rows = []
    for f in found:
        row = ForensicFinding(
            opening_id=opening.id,
            kind=f.kind,
            statement=f.statement,
            bids=json.dumps(list(f.bids)),
            evidence=canonical_json(f.evidence),
            found_at=now,
        )
        session.add(row)
        rows.append(row)
        record(
            session,
            tag="opening:finding:found",
            actor=CHRONOGRAPH,
            now=now,
            subject_id=section.code,
            center_id=section.center_id,
            payload={"kind": f.kind, "statement": f.statement, "bids": list(f.bids)},
        )
    session.flush()
    return rows
