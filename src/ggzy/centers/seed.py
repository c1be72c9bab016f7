"""Loading the province network and the national calendar into the database (idempotent)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.audit.service import record
from ggzy.centers.models import Center, Seat, Venue
from ggzy.centers.network import CenterSpec, load_network
from ggzy.kit.actor import Actor


def seed_network(session: Session, *, actor: Actor, now: dt.datetime, specs: list[CenterSpec] | None = None) -> int:
    """Create the centers and venues that do not exist yet; returns how many centers were added."""
    specs = specs if specs is not None else load_network()
    existing = {c.code: c for c in session.execute(select(Center)).scalars()}
    added = 0
    for spec in specs:  # parents come before children in a checked network
        if spec.code in existing:
            continue
        parent = existing.get(spec.parent) if spec.parent else None
        center = Center(
            code=spec.code,
            name=spec.name,
            short_name=spec.short_name,
            level=spec.level.value,
            region_code=spec.region_code,
            parent_id=parent.id if parent else None,
            address=spec.address,
            status="active",
        )
        session.add(center)
        session.flush()
        existing[spec.code] = center
        for v in spec.venues:
            venue = Venue(
                center_id=center.id,
                origin_center_id=center.id,
                code=f"{spec.code}-{v.code}",
                name=v.name,
                kind=v.kind.value,
            )
            session.add(venue)
            session.flush()
            session.add_all(Seat(venue_id=venue.id, label=s) for s in v.seats)
        record(
            session,
            tag="centers:center:created",
            actor=actor,
            now=now,
            subject_id=spec.code,
            center_id=center.id,
            payload={
                "name": spec.name,
                "level": spec.level.value,
                "region_code": spec.region_code,
                "parent": spec.parent,
                "venues": [f"{spec.code}-{v.code}" for v in spec.venues],
            },
        )
        added += 1
    return added
