"""Use cases of the centers network: seeding, venues, calendars, consolidation of county centers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from ggzy.audit.service import record
from ggzy.auth.models import Account, RoleGrant
from ggzy.authz.scope import CenterNode, CenterScope
from ggzy.centers.calendar import CalendarEntry, DayKind, WorkingCalendar
from ggzy.centers.models import CalendarDay, Center, CenterMerger, Seat, Venue
from ggzy.centers.national import national_calendar
from ggzy.kit.actor import Actor
from ggzy.kit.errors import Conflict, IllegalTransition, NotFound, ValidationFailed

LEVEL_LABELS = {"province": "省级", "city": "市（州）级", "new_area": "国家级新区", "county": "县级"}
VENUE_KINDS = {"opening": "开标室", "evaluation": "评标室"}
STATUS_LABELS = {"active": "运行中", "merged": "已整合"}

# Tables whose rows belong to a center and move with it on consolidation. Later domains register
# their own (projects, schedules …) with ``register_center_owned``.
_CENTER_OWNED: list[tuple[Callable[[], Table], str]] = []


def register_center_owned(table: Callable[[], Table], column: str = "center_id") -> None:
    _CENTER_OWNED.append((table, column))


register_center_owned(lambda: Venue.__table__)  # type: ignore[arg-type,return-value]
register_center_owned(lambda: RoleGrant.__table__)  # type: ignore[arg-type,return-value]
register_center_owned(lambda: Account.__table__, "home_center_id")  # type: ignore[arg-type,return-value]


# --- reading --------------------------------------------------------------------------------------------


def all_centers(session: Session) -> list[Center]:
    return list(session.execute(select(Center).order_by(Center.id)).scalars())


def nodes(session: Session) -> list[CenterNode]:
    rows = session.execute(select(Center.id, Center.code, Center.parent_id, Center.region_code)).all()
    return [CenterNode(*r) for r in rows]


def get_center(session: Session, code: str) -> Center:
    """Any code ever issued resolves, including those of merged centers."""
    center = session.execute(select(Center).where(Center.code == code.upper())).scalar_one_or_none()
    if center is None:
        raise NotFound(f"交易中心代码 {code} 不存在。", code="centers.not_found")
    return center


def current_center(session: Session, center: Center) -> Center:
    """Follow consolidation to the center that now carries the merged center's business."""
    seen = {center.id}
    while center.merged_into_id is not None:
        center = session.get(Center, center.merged_into_id)  # type: ignore[assignment]
        if center.id in seen:
            raise Conflict("交易中心整合关系出现循环。", code="centers.merge_loop")
        seen.add(center.id)
    return center


def venues_in(session: Session, scope: CenterScope) -> list[Venue]:
    """Venues of the centers a checked scope covers."""
    return list(
        session.execute(
            select(Venue).where(Venue.center_id.in_(scope.center_ids)).order_by(Venue.center_id, Venue.code)
        ).scalars()
    )


def venues_of(session: Session, center: Center) -> list[tuple[Venue, list[str]]]:
    """Public: the rooms of one center with their seat labels."""
    venues = list(session.execute(select(Venue).where(Venue.center_id == center.id).order_by(Venue.code)).scalars())
    seats: dict[int, list[str]] = {v.id: [] for v in venues}
    if venues:
        for vid, label in session.execute(
            select(Seat.venue_id, Seat.label).where(Seat.venue_id.in_(seats)).order_by(Seat.venue_id, Seat.label)
        ):
            seats[vid].append(label)
    return [(v, seats[v.id]) for v in venues]


def get_venue(session: Session, code: str) -> Venue:
    venue = session.execute(select(Venue).where(Venue.code == code)).scalar_one_or_none()
    if venue is None:
        raise NotFound(f"场地 {code} 不存在。", code="centers.venue_not_found")
    return venue


# --- writing --------------------------------------------------------------------------------------------


def add_venue(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    scope: CenterScope,
    center: Center,
    code: str,
    name: str,
    kind: str,
    seats: list[str],
) -> Venue:
    """Add a room with numbered seats to a center within the caller's checked scope."""
    if not scope.covers(center.id):
        raise NotFound(f"交易中心 {center.code} 不在您的管理范围内。", code="centers.not_found")
    if center.status != "active":
        raise ValidationFailed(f"交易中心 {center.code} 已整合，不能再添加场地。", code="centers.merged")
    if kind not in VENUE_KINDS:
        raise ValidationFailed("场地类型须为 opening（开标室）或 evaluation（评标室）。", code="centers.bad_venue_kind")
    if not seats or len(set(seats)) != len(seats):
        raise ValidationFailed("座位编号不能为空，也不能重复。", code="centers.bad_seats")
    if session.execute(select(Venue.id).where(Venue.code == code)).first():
        raise Conflict(f"场地代码 {code} 已存在。", code="centers.venue_exists")
    venue = Venue(center_id=center.id, origin_center_id=center.id, code=code, name=name, kind=kind)
    session.add(venue)
    session.flush()
    session.add_all(Seat(venue_id=venue.id, label=s) for s in seats)
    record(
        session,
        tag="centers:venue:added",
        actor=actor,
        now=now,
        subject_id=code,
        center_id=center.id,
        payload={"name": name, "kind": kind, "seats": seats},
    )
    return venue


def plan_merger(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    source_code: str,
    target_code: str,
    effective_at: dt.datetime,
    reason: str,
) -> CenterMerger:
    """Plan the consolidation of a county center into its city center (seed 三.(四)), run on its date."""
    source, target = get_center(session, source_code), get_center(session, target_code)
    if source.level != "county":
        raise ValidationFailed(
            f"只有县级交易中心可以整合，{source.code} 是{LEVEL_LABELS[source.level]}中心。",
            code="centers.merge_not_county",
        )
    if source.parent_id != target.id:
        raise ValidationFailed(
            f"{source.code} 只能整合进其上级中心，而不是 {target.code}。", code="centers.merge_not_parent"
        )
    if source.status != "active" or target.status != "active":
        raise IllegalTransition(f"{source.code} 或 {target.code} 已整合，不能再次整合。", code="centers.merged")
    if session.execute(
        select(CenterMerger.id).where(CenterMerger.source_id == source.id, CenterMerger.status == "planned")
    ).first():
        raise Conflict(f"{source.code} 已有待执行的整合计划。", code="centers.merge_planned")
    if not reason.strip():
        raise ValidationFailed("请写明整合依据（如批准文件文号）。", code="centers.merge_reason")
    merger = CenterMerger(
        source_id=source.id,
        target_id=target.id,
        effective_at=effective_at,
        status="planned",
        reason=reason.strip(),
        next_check=effective_at,
    )
    session.add(merger)
    session.flush()
    record(
        session,
        tag="centers:merger:planned",
        actor=actor,
        now=now,
        subject_id=merger.id,
        center_id=source.id,
        payload={
            "source": source.code,
            "target": target.code,
            "effective_at": effective_at.isoformat(),
            "reason": merger.reason,
        },
    )
    return merger


def due_mergers(session: Session, now: dt.datetime, limit: int) -> list[int]:
    stmt = (
        select(CenterMerger.id)
        .where(CenterMerger.next_check.is_not(None), CenterMerger.next_check <= now)
        .order_by(CenterMerger.next_check)
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def run_merger(session: Session, merger_id: int, now: dt.datetime) -> bool:
    """Carry out a due consolidation; a second run finds it done and changes nothing."""
    merger = session.get(CenterMerger, merger_id, with_for_update=True)  # two workers never run it twice
    if merger is None or merger.status != "planned" or merger.effective_at > now:
        return False
    source, target = session.get(Center, merger.source_id), session.get(Center, merger.target_id)
    assert source is not None and target is not None
    moved: dict[str, int] = {}
    for table_of, column in _CENTER_OWNED:
        table = table_of()
        result = session.execute(update(table).where(table.c[column] == source.id).values({column: target.id}))
        moved[table.name] = result.rowcount or 0
    source.status, source.merged_into_id, source.merged_at = "merged", target.id, now
    merger.status, merger.done_at, merger.next_check = "done", now, None
    session.flush()
    record(
        session,
        tag="centers:center:merged",
        actor=Actor(None, "时序任务", "chronograph"),
        now=now,
        subject_id=source.code,
        center_id=target.id,
        payload={"source": source.code, "target": target.code, "merger": merger.id, "moved": moved},
    )
    return True


def working_calendar(session: Session, center: Center) -> WorkingCalendar:
    """The national calendar (bundled and imported years) with the center's own days laid over it."""
    own = session.execute(select(CalendarDay).where(CalendarDay.center_id == center.id)).scalars()
    return national_calendar(session).with_entries(
        CalendarEntry(date=d.day, kind=DayKind(d.kind), name=d.name, source=f"{center.code} 中心日历") for d in own
    )


def calendar_days(
    session: Session, *, center: Center, start: dt.date, end: dt.date, covered_only: bool = False
) -> list[CalendarEntry]:
    """Holidays and adjusted working days between two dates (national plus the center's own).

    A year whose schedule is not published yet is refused, unless ``covered_only`` skips it (pages)."""
    cal = working_calendar(session, center)
    out, day = [], start
    while day <= end:
        if (not covered_only or day.year in cal.years) and (entry := cal.entry(day)) is not None:
            out.append(entry)
        day += dt.timedelta(days=1)
    return out


def add_calendar_day(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    scope: CenterScope,
    center: Center,
    day: dt.date,
    kind: str,
    name: str,
) -> CalendarDay:
    """A center declares its own closure or working day (e.g. a local holiday)."""
    if not scope.covers(center.id):
        raise NotFound(f"交易中心 {center.code} 不在您的管理范围内。", code="centers.not_found")
    if kind not in ("holiday", "workday"):
        raise ValidationFailed("日期类型须为 holiday（休）或 workday（班）。", code="centers.bad_day_kind")
    if not name.strip():
        raise ValidationFailed("请写明该日的名称或事由。", code="centers.bad_day_name")
    if session.execute(
        select(CalendarDay.id).where(CalendarDay.center_id == center.id, CalendarDay.day == day)
    ).first():
        raise Conflict(f"{center.code} 已登记 {day.isoformat()}。", code="centers.day_exists")
    row = CalendarDay(center_id=center.id, day=day, kind=kind, name=name.strip())
    session.add(row)
    session.flush()
    record(
        session,
        tag="centers:calendar:day_added",
        actor=actor,
        now=now,
        subject_id=center.code,
        center_id=center.id,
        payload={"day": day.isoformat(), "kind": kind, "name": row.name},
    )
    return row
