"""The bidder's page of a section (加密投标): the opening-key certificate, how to encrypt and submit, its own
submissions and receipts, withdrawal. Only the acting bidder's own rows are ever shown."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from ggzy.authz.scope import acting_entity
from ggzy.bidding import ceremony, service
from ggzy.kit.errors import GgzyError
from ggzy.web.context import Viewer, csrf_checked, platform_of, signed_in
from ggzy.web.render import page

router = APIRouter(include_in_schema=False)
STATUS_LABELS = {"submitted": "有效", "superseded": "已被替换", "withdrawn": "已撤回"}
ACTION_LABELS = {"submitted": "递交", "replaced": "替换递交", "withdrawn": "撤回"}


def _bid_page(request: Request, v: Viewer, code: str, error: str | None = None, status_code: int = 200):
    entity_id = acting_entity(v.principal, "entity:bid:submit")
    platform = platform_of(request)
    with platform.db.session() as session:
        section = service.open_section(session, code)
        key = ceremony.opening_key_of(session, section.id)
        bids = service.own_bids(session, entity_id=entity_id, section_code=code)
        accepting = section.status == "announced" and section.bid_deadline is not None
        accepting = accepting and platform.clock.now() < section.bid_deadline
    return page(
        request,
        "bidding/section.html",
        v,
        status_code=status_code,
        section=section,
        key_fingerprint=key.fingerprint if key else None,
        key_threshold=(key.threshold, key.shares_total) if key else None,
        key_sm2=bool(key and key.algorithm == "sm2"),
        bids=bids,
        accepting=accepting,
        status_labels=STATUS_LABELS,
        action_labels=ACTION_LABELS,
        error=error,
    )


@router.get("/sections/{code}/bid")
def bid_page(code: str, request: Request, v: Viewer = Depends(signed_in)):
    return _bid_page(request, v, code)


@router.post("/sections/{code}/bid/{number}/withdraw")
async def withdraw_form(code: str, number: str, request: Request, v: Viewer = Depends(csrf_checked)):
    entity_id = acting_entity(v.principal, "entity:bid:submit")
    platform = platform_of(request)
    try:
        with platform.db.session(write=True) as session:
            service.withdraw(
                session,
                actor=v.actor,
                now=platform.clock.now(),
                key=platform.key,
                entity_id=entity_id,
                section_code=code,
                number=number,
            )
    except GgzyError as exc:
        return _bid_page(request, v, code, error=exc.message, status_code=exc.status)
    return RedirectResponse(f"/sections/{code}/bid", status_code=303)
