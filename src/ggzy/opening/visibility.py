"""What each viewer sees of the opening hall — the one serializer (DESIGN.md, STYLE.md "visibility").

Before the deadline nobody sees anything, not even whether an opening will happen with how many bids
(招标投标法 第二十二条, E-8). Once the session has started:

* the host side — center staff witnessing (``center:opening:witness``), regulators of the region
  (``supervision:opening:read``), the tenderee/agency of the project — watches everything as it happens:
  roll call, each bid's bidder and decryption result, prices as each bid opens, objections;
* a bidder of the section sees the roll-call and decryption counts, its own bid in full, the objections,
  and — only after ALL decryption is complete — every bidder's name and price (E-11, 《电子招标投标办法》
  第三十条);
* everyone else (the public, other entities) sees the session's status and, once published, the record (E-15).

Once the record exists, the host side and the bidders see each bidder's answer to it (signed / refused with the
reason / not yet, E-13); the public sees the same once the record is published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ggzy.opening.workflow import BID_LABELS, DISCLOSED, OPENED_BID, STATUS_LABELS, BidOpeningStatus, OpeningStatus


@dataclass(frozen=True)
class Audience:
    kind: str  # "public", "bidder", "host"
    entity_id: int | None = None
    custodian: bool = False


def _t(at) -> str | None:
    return at.isoformat(timespec="seconds") if at else None


def hall_view(snapshot: dict[str, Any] | None, audience: Audience) -> dict[str, Any]:
    """The view of one audience over a full snapshot (``service.snapshot``); None snapshot = not started."""
    if snapshot is None:
        return {"started": False, "message": "开标尚未开始。投标截止前不公开任何投标信息。"}
    status = OpeningStatus(snapshot["status"])
    view: dict[str, Any] = {
        "started": True,
        "section": snapshot["section"],
        "seq": snapshot["seq"],
        "status": status.value,
        "status_label": STATUS_LABELS[status],
        "deadline": snapshot["deadline"],
        "published": snapshot["published"],
    }
    if status is OpeningStatus.FAILED_INSUFFICIENT:
        view.update(
            bids_counted=snapshot["bids_counted"],
            min_bidders=snapshot["min_bidders"],
            min_bidders_source=snapshot["min_bidders_source"],
        )
        return view
    if audience.kind == "public":
        if snapshot["published"]:  # the record is public (E-15): what it says, nothing more
            view["bids"] = [_bid(b, full=True, record=True) for b in snapshot["bids"]]
            view["confirmations"] = _confirmations(snapshot)
        return view
    bids = snapshot["bids"]
    view.update(
        windows=snapshot["windows"],
        counts={
            "bids": len(bids),
            "signed_in": len(snapshot["roll_call"]),
            "opened": sum(1 for b in bids if BidOpeningStatus(b["status"]) in OPENED_BID),
            "failed": sum(1 for b in bids if b["status"] in ("failed_bidder", "failed_other")),
            "pending": sum(1 for b in bids if b["status"] == "pending"),
        },
        objections=snapshot["objections"],
    )
    disclosed = status in DISCLOSED
    if status in (OpeningStatus.RECORDED, OpeningStatus.PUBLISHED):
        view["confirmations"] = _confirmations(snapshot)
    if audience.kind == "host":
        view.update(
            roll_call=snapshot["roll_call"], bids=[_bid(b, full=True) for b in bids], findings=snapshot["findings"]
        )
    elif audience.kind == "bidder":
        view["bids"] = [
            _bid(b, full=disclosed or b["entity_id"] == audience.entity_id, own=b["entity_id"] == audience.entity_id)
            for b in bids
            if disclosed or b["entity_id"] == audience.entity_id
        ]
        view["signed_in"] = any(r["entity_id"] == audience.entity_id for r in snapshot["roll_call"])
    if audience.custodian:
        view["custodian"] = snapshot["custodian"]
    return view


def _confirmations(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """Each bidder's answer to the record (E-13): signed, refused with its reason, or not yet answered."""
    answered = {c["entity_id"]: c for c in snapshot.get("confirmations", [])}
    out = []
    for b in snapshot["bids"]:
        c = answered.get(b["entity_id"])
        if c is None:
            out.append({"bidder": b["bidder"], "answer": "pending", "label": "未签字确认"})
        elif c["declined"] is None:
            out.append({"bidder": b["bidder"], "answer": "signed", "label": "已电子签名确认", "at": c["at"]})
        else:
            label = "拒绝签字：" + c["declined"]
            out.append({"bidder": b["bidder"], "answer": "declined", "label": label, "at": c["at"]})
    return out


def _bid(b: dict[str, Any], *, full: bool, own: bool = False, record: bool = False) -> dict[str, Any]:
    out = {"bid": b["number"], "status": b["status"], "result": BID_LABELS[BidOpeningStatus(b["status"])]}
    if own:
        out["own"] = True
    if full:
        out.update(
            bidder=b["bidder"],
            price_fen=b["price_fen"],
            duration_days=b["duration_days"],
            quality=b["quality"],
            key_terms=b["key_terms"],
            opened_by=b["opened_by"],
            failure_reason=b["failure_reason"],
            key_failure=b["key_failure"],
        )
    return out


def key_terms(form_json: str | None) -> dict[str, Any]:
    return json.loads(form_json).get("key_terms", {}) if form_json else {}
