"""The public home page and the health endpoint."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ggzy.centers import service as centers
from ggzy.centers.models import Seat, Venue
from ggzy.kit import migrate
from ggzy.projects.models import Announcement
from ggzy.projects.repository import PUBLIC_STATUSES
from ggzy.registry.models import Entity
from ggzy.web.context import Viewer, db_session, platform_of, viewer
from ggzy.web.render import page

router = APIRouter()


def network_tree(session: Session) -> list[dict]:
    rows = centers.all_centers(session)
    by_id = {c.id: c for c in rows}
    nodes = {
        c.id: {
            "code": c.code,
            "name": c.name,
            "level": c.level,
            "level_label": centers.LEVEL_LABELS.get(c.level, c.level),
            "region_code": c.region_code,
            "merged_into": by_id[c.merged_into_id].code if c.merged_into_id else None,
            "merged_into_name": by_id[c.merged_into_id].name if c.merged_into_id else None,
            "children": [],
        }
        for c in rows
    }
    roots = []
    for c in rows:
        (nodes[c.parent_id]["children"] if c.parent_id in nodes else roots).append(nodes[c.id])
    return roots


@router.get("/", include_in_schema=False)
def home(request: Request, session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(viewer)):
    stats = {
        "centers": sum(1 for c in centers.all_centers(session) if c.status == "active"),
        "venues": session.execute(select(func.count(Venue.id))).scalar_one(),
        "seats": session.execute(select(func.count(Seat.id))).scalar_one(),
        # Public figures only: organisations in the directory and projects with a published announcement.
        "entities": session.execute(
            select(func.count(Entity.id)).where(Entity.kind != "natural_person", Entity.status == "active")
        ).scalar_one(),
        "projects": session.execute(
            select(func.count(func.distinct(Announcement.tender_project_id))).where(
                Announcement.status.in_(PUBLIC_STATUSES)
            )
        ).scalar_one(),
    }
    return page(request, "home.html", v, network=network_tree(session), stats=stats)


@router.get("/health", tags=["平台"], summary="健康检查：数据库可达且结构为最新")
def health(request: Request, session: Session = Depends(db_session, scope="function")):
    session.execute(text("SELECT 1"))
    platform = platform_of(request)
    current = migrate.is_current(platform.db.engine)
    return {
        "status": "ok" if current else "migrations_pending",
        "database": platform.db.dialect,
        "schema_current": current,
        "time": platform.clock.now().isoformat(),
    }
