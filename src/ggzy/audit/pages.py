"""Public page: the latest signed checkpoint and how anyone can check the chain against it.

The event count shown is the checkpoint's, not the live head: a live total, read next to the served
events, would tell how many confidential events (downloads, bids…) were just recorded."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from ggzy.audit import service as audit
from ggzy.web.context import Viewer, db_session, platform_of, viewer
from ggzy.web.render import page

router = APIRouter(include_in_schema=False)


@router.get("/audit")
def audit_home(request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(viewer)):
    cp = audit.latest_checkpoint(session)
    platform = platform_of(request)
    return page(
        request,
        "audit/index.html",
        v,
        checkpoint=audit.published_checkpoint(cp, platform.key.certificate) if cp else None,
        checkpoint_at=cp.at if cp else None,
        key_id=platform.key.key_id,
    )
