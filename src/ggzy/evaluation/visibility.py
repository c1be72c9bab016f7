"""What each viewer sees of a draw. Identities (who was drawn) only once the draw is revealed
(招标投标法 第三十七条: 评标委员会成员名单在中标结果确定前应当保密, X-1); before, anyone sees the commitment,
the algorithm and (once drawn) the snapshot hash; staff of the owning center also see the slots' progress."""

from __future__ import annotations

import json
from typing import Any

from ggzy.evaluation import draw as algo
from ggzy.evaluation.models import Draw, DrawMember
from ggzy.evaluation.workflow import DrawStatus

PUBLISHED = (DrawStatus.REVEALED, DrawStatus.CANCELLED)


def identities_public(d: Draw) -> bool:
    return d.status in PUBLISHED


def _public_request(d: Draw) -> dict[str, Any]:
    req = json.loads(d.request)
    if not identities_public(d):
        # The bidders' list is the bidders' secret until the opening and stays out of the page before the reveal.
        req.pop("bidder_ids", None)
    return req


def proof(
    d: Draw,
    section_code: str,
    members: list[DrawMember],
    names: dict[int, tuple[str, str]],
    *,
    monitor: bool,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": d.id,
        "section": section_code,
        "status": d.status,
        "algorithm": algo.ALGORITHM,
        "commitment": d.commitment,
        "committed_at": d.committed_at.isoformat(),
        "evaluation_date": d.evaluation_date.isoformat(),
        "request": _public_request(d),
        "request_hash": d.request_hash,
        "snapshot_hash": d.snapshot_hash,
        "drawn_at": d.drawn_at.isoformat() if d.drawn_at else None,
        "note": d.note,
    }
    if d.snapshot:
        groups = json.loads(d.snapshot)["groups"]
        out["groups"] = [
            {
                "specialty": g["specialty"],
                "count": g["count"],
                "eligible": len(g["eligible"]),
                "excluded": g["excluded"],
            }
            for g in groups
        ]
    if identities_public(d):
        out["seed"] = d.seed.hex()
        out["revealed_at"] = d.revealed_at.isoformat() if d.revealed_at else None
        out["refusals"] = json.loads(d.refusals)
        out["members"] = [
            {
                "seq": m.seq,
                "specialty": m.specialty,
                "expert_id": m.expert_id,
                "name": names.get(m.expert_id, ("", ""))[0],
                "title": names.get(m.expert_id, ("", ""))[1],
                "venue": m.center_code,
                "counter": m.counter,
                "replaces_seq": m.replaces_seq,
                "status": m.status,
            }
            for m in members
        ]
    elif monitor:
        out["slots"] = [
            {"seq": m.seq, "specialty": m.specialty, "venue": m.center_code, "status": m.status} for m in members
        ]
    return out
