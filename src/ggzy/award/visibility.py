"""What each viewer sees of an award: the public its publicity and result (data sets 511, 513/553), the tenderee
and the objectors their objections. Expert identities never appear here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ggzy.award import repository
from ggzy.award.models import AwardObjection
from ggzy.award.service import Loaded
from ggzy.award.workflow import STATUS_LABELS, AwardStatus
from ggzy.kit.clock import to_shanghai
from ggzy.kit.errors import NotFound
from ggzy.kit.money import fen_to_yuan
from ggzy.registry.models import Entity

OBJECTION_METHOD = (
    "公示期内，本标段投标人登录平台在本页面提交书面异议；招标人在规定期限内通过平台答复，答复前暂停招标投标活动。"
)


def _stamp(when: dt.datetime | None) -> str | None:
    return None if when is None else to_shanghai(when).strftime("%Y%m%d%H%M%S")


def public_view(session: Session, x: Loaded) -> dict[str, Any]:
    """The publicity and, once notices are out, the result. Not public before the publicity starts."""
    r = x.result
    if r.publicity_start is None:
        raise NotFound(f"标段 {x.section.code} 的中标候选人尚未公示。", code="award.not_public")
    cands = repository.candidates(session, r.id)
    view: dict[str, Any] = {
        "section": {"code": x.section.code, "name": x.section.name},
        "tender_project": {"code": x.tp.code, "name": x.tp.name},
        "status": r.status,
        "status_label": STATUS_LABELS[AwardStatus(r.status)],
        "publicity_label": x.rules.publicity_label,
        "publicity_start": r.publicity_start.isoformat(),
        "publicity_end": r.publicity_end.isoformat() if r.publicity_end else None,
        "publicity_rule": r.publicity_rule,
        "objection_method": OBJECTION_METHOD,
        "candidates": [
            {
                "rank": c.rank,
                "name": c.name,
                "code": c.code,
                "price_fen": c.price_fen,
                "score": c.score or None,
                "quality": c.quality,
                "duration_days": c.duration_days,
                "project_manager": c.project_manager,
            }
            for c in cands
        ],
        "dataset_511": _dataset_511(x, cands),
        "result": None,
        "contract": None,
    }
    if r.status in (AwardStatus.NOTIFIED.value, AwardStatus.CONTRACTED.value):
        won = next(c for c in cands if c.entity_id == r.winner_entity_id)
        view["result"] = {
            "winner": won.name,
            "code": won.code,
            "price_fen": won.price_fen,
            "notice_at": r.notice_issued_at.isoformat(),
        }
        view["dataset_513"] = _dataset_513(x, won)
    contract = repository.contract(session, r.id)
    if contract is not None:
        view["contract"] = {
            "code": contract.code,
            "name": contract.name,
            "amount_fen": contract.amount_fen,
            "signed_at": contract.signed_at.isoformat(),
        }
    return view


def _dataset_511(x: Loaded, cands) -> dict[str, Any]:
    """中标候选人公示 (511 TENDER_CANDIDATE_ANNOUNCE) with the national field names."""
    out: dict[str, Any] = {
        "TENDER_PROJECT_CODE": x.tp.code,
        "BID_SECTION_CODES": x.section.code,
        "PUBLICITY_NAME": f"{x.tp.name}{x.section.name}{x.rules.publicity_label}",
        "PUBLICITY_START_TIME": _stamp(x.result.publicity_start),
        "PUBLICITY_END_TIME": _stamp(x.result.publicity_end),
        "OBJECTION_METHOD": OBJECTION_METHOD,
    }
    for c, word in zip(cands, ("FIRST", "SECOND", "THIRD"), strict=False):
        out[f"{word}_BIDDER_NAME"], out[f"{word}_BIDDER_CODE"] = c.name, c.code
    return out


def _dataset_513(x: Loaded, won) -> dict[str, Any]:
    """中标结果公告 (513 WIN_RESULT_ANNO; 553 BID_DEAL_ANNOUNCE for procurement) with the national field names."""
    return {
        "TENDER_PROJECT_CODE": x.tp.code,
        "BID_SECTION_CODE": x.section.code,
        "NOTICE_NAME": f"{x.tp.name}{x.section.name}中标结果公告",
        "NOTICE_SEND_TIME": _stamp(x.result.notice_issued_at),
        "WIN_BIDDER_NAME": won.name,
        "WIN_BIDDER_CODE": won.code,
        "BID_AMOUNT": str(fen_to_yuan(won.price_fen)),
        "PRICE_UNIT": "1",
    }


def objection_view(session: Session, o: AwardObjection, *, show_objector: bool) -> dict[str, Any]:
    entity = session.get(Entity, o.entity_id) if show_objector else None
    return {
        "id": o.id,
        "objector": entity.name if entity else None,
        "text": o.text,
        "filed_at": o.filed_at.isoformat(),
        "reply_due_by": o.reply_due_by.isoformat(),
        "reply": o.reply,
        "replied_at": o.replied_at.isoformat() if o.replied_at else None,
    }
