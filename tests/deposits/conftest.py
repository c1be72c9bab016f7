"""A published construction section of the demo tenderee (贵阳), the demo bidders, a simulated bank and insurer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from ggzy.auth.service import get_account, principal_of
from ggzy.authz.scope import require
from ggzy.centers.service import nodes
from ggzy.demo import DEMO_PASSWORD
from ggzy.deposits import issuers
from ggzy.kit.actor import Actor
from ggzy.kit.clock import SHANGHAI
from ggzy.projects import service as projects
from ggzy.projects.models import Section
from ggzy.projects.rulesets import DepositForm
from ggzy.registry.models import Entity

from .bank import SimulatedBank, SimulatedInsurer

DEPOSIT = 200_000_00  # 20 万元, within 2 % of a 5,000 万元 estimate
DOCS_FROM = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
DOCS_UNTIL = dt.datetime(2026, 11, 9, 17, 0, tzinfo=SHANGHAI)
DEADLINE = dt.datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI)


@dataclass
class Tender:
    section: Section
    tenderee: Entity


def entity_of(session, username: str) -> Entity:
    e = session.get(Entity, get_account(session, username).entity_id)
    assert e is not None
    return e


def publish_section(session, clock, platform, *, rule_set_key: str, forms: set[DepositForm], kind="construction"):
    tenderee = entity_of(session, "tenderee.gy")
    actor = Actor(get_account(session, "tenderee.gy").id, "贵阳招标人经办", "tenderee", None, "10.0.0.1")
    now = clock.now()
    p = projects.create_project(
        session,
        actor=actor,
        now=now,
        acting_entity_id=tenderee.id,
        center_code="GY",
        name="保证金示例工程",
        transaction_type=kind,
    )
    tp = projects.add_tender_project(
        session,
        actor=actor,
        now=now,
        entity_id=tenderee.id,
        project_code=p.code,
        name="保证金示例工程施工",
        rule_set_key=rule_set_key,
        estimate_fen=50_000_000_00,
    )
    s = projects.add_section(
        session,
        actor=actor,
        now=now,
        entity_id=tenderee.id,
        tender_project_code=tp.code,
        name="一标段",
        estimate_fen=50_000_000_00,
    )
    terms = [projects.SectionTerms(s.code, DOCS_FROM, DOCS_UNTIL, DEADLINE, DEPOSIT, frozenset(forms))]
    a = projects.draft_announcement(
        session,
        actor=actor,
        now=now,
        entity_id=tenderee.id,
        tender_project_code=tp.code,
        title="保证金示例工程招标公告",
        body="正文",
        terms=terms,
    )
    projects.submit_announcement(
        session, actor=actor, now=now, entity_id=tenderee.id, tender_project_code=tp.code, version=a.version
    )
    staff = principal_of(session, get_account(session, "gy.staff"))
    projects.publish_announcement(
        session,
        actor=actor,
        now=now,
        scope=require(staff, "center:project:review", nodes(session)),
        key=platform.key,
        tender_project_code=tp.code,
        version=a.version,
        publish_key=f"pub-{s.code}",
    )
    session.commit()
    return Tender(s, tenderee)


@pytest.fixture
def tender(session, clock, platform) -> Tender:
    return publish_section(session, clock, platform, rule_set_key="construction.open/2019", forms=set(DepositForm))


def token(client, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/tokens", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 201, r.text
    return {"authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture
def headers(client):
    cache: dict[str, dict[str, str]] = {}

    def get(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = token(client, username)
        return cache[username]

    return get


@pytest.fixture
def bank(client, clock, headers) -> SimulatedBank:
    b = SimulatedBank(client, clock, rate_bp=35)
    b.register(headers("admin"))
    return b


@pytest.fixture
def insurer(client, headers):
    ins = SimulatedInsurer()
    r = client.post(
        "/api/v1/admin/guarantee-issuers",
        headers=headers("admin"),
        json={"code": ins.code, "name": "模拟财产保险股份有限公司", "form": "insurance_guarantee"},
    )
    assert r.status_code == 201, r.text
    issuers.register_verifier(ins.code, ins)
    yield ins
    issuers.unregister_verifier(ins.code)
