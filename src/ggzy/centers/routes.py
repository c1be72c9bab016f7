"""JSON API of the centers network (public reads; managed writes in checked scopes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from sqlalchemy.orm import Session

from ggzy.centers import national
from ggzy.centers import service as centers
from ggzy.centers.models import Center
from ggzy.centers.schemas import (
    CalendarDayRead,
    CalendarYearRead,
    CenterDetail,
    CenterRead,
    MergerCreate,
    MergerRead,
    VenueCreate,
    VenueRead,
)
from ggzy.kit.errors import ValidationFailed
from ggzy.web.context import Viewer, csrf_checked, db_session, platform_of, scope_for

router = APIRouter(prefix="/api/v1/centers", tags=["交易中心网络"])
calendar_router = APIRouter(prefix="/api/v1/calendar", tags=["工作日历"])


def center_read(session: Session, c: Center, codes: dict[int, str]) -> dict:
    return dict(
        code=c.code,
        name=c.name,
        short_name=c.short_name,
        level=c.level,
        level_label=centers.LEVEL_LABELS.get(c.level, c.level),
        region_code=c.region_code,
        parent=codes.get(c.parent_id) if c.parent_id else None,
        address=c.address,
        status=c.status,
        status_label=centers.STATUS_LABELS.get(c.status, c.status),
        merged_into=codes.get(c.merged_into_id) if c.merged_into_id else None,
        current=centers.current_center(session, c).code,
    )


@router.get("", response_model=list[CenterRead], summary="全省交易中心网络（含已整合中心）")
def list_centers(session: Session = Depends(db_session, scope="function")):
    rows = centers.all_centers(session)
    codes = {c.id: c.code for c in rows}
    return [center_read(session, c, codes) for c in rows]


@router.get("/{code}", response_model=CenterDetail, summary="一个中心及其场地；旧代码同样可查")
def get_center(code: str, session: Session = Depends(db_session, scope="function")):
    c = centers.get_center(session, code)
    rows = centers.all_centers(session)
    codes = {x.id: x.code for x in rows}
    venues = [
        VenueRead(
            code=v.code,
            name=v.name,
            kind=v.kind,
            kind_label=centers.VENUE_KINDS[v.kind],
            seats=seats,
            origin_center=codes[v.origin_center_id],
        )
        for v, seats in centers.venues_of(session, c)
    ]
    former = [x.code for x in rows if x.merged_into_id == c.id]
    return CenterDetail(**center_read(session, c, codes), venues=venues, former_codes=former)


@router.get("/{code}/calendar", response_model=list[CalendarDayRead], summary="节假日与调休工作日")
def calendar(
    code: str,
    start: dt.date = Query(...),
    end: dt.date = Query(...),
    session: Session = Depends(db_session, scope="function"),
):
    if end < start or (end - start).days > 3 * 366:
        raise ValidationFailed("日期范围无效：end 不得早于 start，且跨度不超过 3 年。", code="centers.bad_range")
    c = centers.get_center(session, code)
    return [
        CalendarDayRead(date=d.date, kind=d.kind.value, name=d.name, source=d.source)
        for d in centers.calendar_days(session, center=c, start=start, end=end)
    ]


@router.post("/{code}/venues", response_model=VenueRead, status_code=201, summary="新增场地（中心管理员）")
def add_venue(
    code: str,
    body: VenueCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    c = centers.get_center(session, code)
    scope = scope_for(session, v, "center:venue:manage", c.id)
    venue = centers.add_venue(
        session,
        actor=v.actor,
        now=platform_of(request).clock.now(),
        scope=scope,
        center=c,
        code=f"{c.code}-{body.code}",
        name=body.name,
        kind=body.kind,
        seats=body.seats,
    )
    return VenueRead(
        code=venue.code,
        name=venue.name,
        kind=venue.kind,
        kind_label=centers.VENUE_KINDS[venue.kind],
        seats=body.seats,
        origin_center=c.code,
    )


@router.post(
    "/{code}/merger",
    response_model=MergerRead,
    status_code=201,
    summary="计划将县级中心整合进上级中心（平台管理员），到期由时序任务执行",
)
def plan_merger(
    code: str,
    body: MergerCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    scope_for(session, v, "province:center:manage")
    if body.effective_at.tzinfo is None:
        raise ValidationFailed("effective_at 须带时区，如 2026-12-01T00:00:00+08:00。", code="centers.naive_time")
    m = centers.plan_merger(
        session,
        actor=v.actor,
        now=platform_of(request).clock.now(),
        source_code=code,
        target_code=body.target,
        effective_at=body.effective_at,
        reason=body.reason,
    )
    return MergerRead(
        id=m.id, source=code.upper(), target=body.target.upper(), effective_at=m.effective_at, status=m.status
    )


@calendar_router.get(
    "/years", response_model=list[CalendarYearRead], summary="工作日历已录入的年份（随版本发布或平台管理员补录）"
)
def calendar_years(session: Session = Depends(db_session, scope="function")):
    return [CalendarYearRead(**asdict(c)) for c in national.covered_years(session)]


@calendar_router.post(
    "/years",
    response_model=CalendarYearRead,
    status_code=201,
    summary="补录一年的国务院节假日安排（平台管理员；ggzy.calendar/1 格式，恰含一年）",
)
def import_calendar_year(
    request: Request,
    document: dict[str, Any] = Body(
        ..., examples=[{"schema": "ggzy.calendar/1", "years": [{"year": 2027, "source": "…", "entries": []}]}]
    ),
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    scope_for(session, v, "province:calendar:manage")
    row = national.import_year(session, actor=v.actor, now=platform_of(request).clock.now(), document=document)
    return next(CalendarYearRead(**asdict(c)) for c in national.covered_years(session) if c.year == row.year)
