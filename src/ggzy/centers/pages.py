"""Public pages of the centers network."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ggzy.centers import service as centers
from ggzy.centers.models import Seat, Venue
from ggzy.kit.clock import to_shanghai
from ggzy.web.context import Viewer, db_session, platform_of, viewer
from ggzy.web.render import page

router = APIRouter(include_in_schema=False)


@router.get("/centers")
def center_list(
    request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(viewer)
):
    rows = centers.all_centers(session)
    by_id = {c.id: c for c in rows}
    venue_counts = dict(session.execute(select(Venue.center_id, func.count(Venue.id)).group_by(Venue.center_id)).all())
    seat_counts = dict(
        session.execute(
            select(Venue.center_id, func.count(Seat.id)).join(Seat, Seat.venue_id == Venue.id).group_by(Venue.center_id)
        ).all()
    )
    items = [
        {
            "code": c.code,
            "name": c.name,
            "level": c.level,
            "level_label": centers.LEVEL_LABELS.get(c.level, c.level),
            "region_code": c.region_code or "",
            "parent_name": by_id[c.parent_id].name if c.parent_id else "",
            "venues": venue_counts.get(c.id, 0),
            "seats": seat_counts.get(c.id, 0),
            "status_label": centers.STATUS_LABELS.get(c.status, c.status),
            "merged_into_name": by_id[c.merged_into_id].name if c.merged_into_id else None,
        }
        for c in rows
    ]
    return page(request, "centers/list.html", v, centers=items)


@router.get("/centers/{code}")
def center_detail(
    code: str, request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(viewer)
):
    c = centers.get_center(session, code)
    rows = centers.all_centers(session)
    by_id = {x.id: x for x in rows}
    today = to_shanghai(platform_of(request).clock.now()).date()
    center = {
        "code": c.code,
        "name": c.name,
        "level": c.level,
        "level_label": centers.LEVEL_LABELS.get(c.level, c.level),
        "region_code": c.region_code or "",
        "address": c.address,
        "parent_name": by_id[c.parent_id].name if c.parent_id else "",
        "status_label": centers.STATUS_LABELS.get(c.status, c.status),
        "merged_into_name": by_id[c.merged_into_id].name if c.merged_into_id else None,
        "former_codes": [x.code for x in rows if x.merged_into_id == c.id],
    }
    venues = [
        {"name": vn.name, "code": vn.code, "kind_label": centers.VENUE_KINDS[vn.kind], "seats": seats}
        for vn, seats in centers.venues_of(session, c)
    ]
    days = centers.calendar_days(session, center=c, start=today, end=today + dt.timedelta(days=120), covered_only=True)
    calendar = [
        {"date": d.date.isoformat(), "name": d.name, "kind_label": "休" if d.kind == "holiday" else "班"} for d in days
    ]
    return page(request, "centers/detail.html", v, center=center, venues=venues, calendar=calendar)
