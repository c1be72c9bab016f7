"""The public page of CA certificate services: every provider's fees side by side (数字证书收费公开)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from ggzy.pki import fees
from ggzy.web.context import Viewer, db_session, platform_of, viewer
from ggzy.web.render import page

router = APIRouter(include_in_schema=False)


@router.get("/ca")
def ca_page(request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(viewer)):
    now = platform_of(request).clock.now()
    columns = []
    for p in fees.providers(session):
        current = fees.current_schedule(session, p, now=now)
        columns.append(
            {
                "code": p.code,
                "name": p.name,
                "licence_no": p.licence_no,
                "contact": p.contact,
                "website": p.website,
                "ca_names": json.loads(p.ca_names),
                "algorithms": p.algorithms,
                "effective_from": current.schedule.effective_from if current else None,
                "note": current.schedule.note if current else "",
                "items": {k: (i.amount_fen, i.unit) for k, i in current.items.items()} if current else {},
                "history": len(fees.schedules(session, p)),
            }
        )
    rows = [(key, label) for key, label in fees.ITEMS.items()]
    return page(request, "pki/ca.html", v, providers=columns, rows=rows)
