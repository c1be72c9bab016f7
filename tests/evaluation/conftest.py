"""A closed construction section of the demo tenderee (贵阳) with 30 bidders, and an expert pool."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import pytest

from ggzy.centers.service import get_center
from ggzy.evaluation import service
from ggzy.evaluation.draw import RecusalPolicy
from ggzy.evaluation.models import Expert
from ggzy.kit.actor import Actor
from ggzy.projects.models import Project, Section, TenderProject
from ggzy.registry.models import Entity
from support import entity_of, new_entity, staff_scope

EVAL_DAY = dt.date(2026, 11, 20)
STAFF = Actor(None, "贵阳中心工作人员", "center_staff", None, "10.0.0.2")
_ids = itertools.count(1)


@dataclass
class Tender:
    section: Section
    project: Project
    tenderee: Entity
    agency: Entity
    bidders: list[Entity]


def make_section(
    session,
    now,
    *,
    rule_set="construction.open/2019",
    kind="construction",
    estimate=50_000_000_00,
    center="GY",
    bidders=30,
) -> Tender:
    n = next(_ids)
    c = get_center(session, center)
    tenderee = entity_of(session, "tenderee.gy")
    agency = new_entity(session, now, f"示例招标代理{n}有限公司", c.id)
    p = Project(
        code=f"E52{n:014d}",
        name="专家抽取示例工程",
        center_id=c.id,
        region_code=c.region_code or "520100",
        tenderee_id=tenderee.id,
        agency_id=agency.id,
        transaction_type=kind,
        created_at=now,
    )
    session.add(p)
    session.flush()
    tp = TenderProject(
        project_id=p.id,
        center_id=c.id,
        code=f"{p.code}001",
        name="施工",
        rule_set=rule_set,
        estimate_fen=estimate,
        created_at=now,
    )
    session.add(tp)
    session.flush()
    s = Section(
        tender_project_id=tp.id,
        center_id=c.id,
        code=f"{tp.code}001",
        name="一标段",
        estimate_fen=estimate,
        status="closed",
    )
    session.add(s)
    session.flush()
    others = [new_entity(session, now, f"投标单位{n}-{i}有限公司", c.id) for i in range(bidders - 2)]
    all_bidders = [entity_of(session, "bidder.gy"), entity_of(session, "bidder.zy"), *others]
    return Tender(s, p, tenderee, agency, all_bidders)


def make_expert(
    session,
    now,
    *,
    center="GY",
    specialties=("A010",),
    region="520102",
    employer_id=None,
    employer_name="贵州某设计院",
    account_id=None,
    name=None,
) -> Expert:
    n = next(_ids)
    return service.create_expert(
        session,
        actor=STAFF,
        now=now,
        scope=staff_scope(session, "admin", "center:expert:manage"),
        data=service.ExpertData(
            name=name or f"专家{n}",
            id_card=f"5201{n:014d}",
            gender="1",
            title="高级工程师",
            employer_name=employer_name,
            employer_entity_id=employer_id,
            region_code=region,
            home_center=center,
            specialties=list(specialties),
            account_id=account_id,
        ),
    )


def order(tender: Tender, **kw) -> service.DrawOrder:
    base = dict(
        section_code=tender.section.code,
        evaluation_date=EVAL_DAY,
        committee_size=7,
        representatives=2,
        requirements=[("A010", 3), ("A080", 2)],
        secondary_centers=["ZY"],
        bidder_ids=[b.id for b in tender.bidders],
        policy=RecusalPolicy(),
    )
    base.update(kw)
    return service.DrawOrder(**base)


@pytest.fixture
def tender(session, clock) -> Tender:
    return make_section(session, clock.now())


@pytest.fixture
def pool(session, clock) -> list[Expert]:
    """20 A010 and 12 A080 experts at GY and ZY, 6 at LPS (not a venue)."""
    now = clock.now()
    out = []
    for i in range(20):
        out.append(make_expert(session, now, center="GY" if i % 2 else "ZY", specialties=("A010",)))
    for i in range(12):
        out.append(make_expert(session, now, center="GY" if i % 2 else "ZY", specialties=("A080", "A010")))
    for _ in range(6):
        out.append(make_expert(session, now, center="LPS", specialties=("A010", "A080")))
    session.flush()
    return out


@pytest.fixture
def gy_scope(session):
    return staff_scope(session, "gy.staff", "center:expert:draw")
