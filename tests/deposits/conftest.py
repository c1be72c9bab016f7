"""A published construction section of the demo tenderee (贵阳), the demo bidders, a simulated bank and insurer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ggzy.deposits import issuers
from ggzy.projects.models import Section
from ggzy.projects.rulesets import DepositForm
from ggzy.registry.models import Entity
from support import entity_of, logins, publish_section

from .bank import SimulatedBank, SimulatedInsurer

DEPOSIT = 200_000_00  # 20 万元, within 2 % of a 5,000 万元 estimate


@dataclass
class Tender:
    section: Section
    tenderee: Entity


def publish_tender(session, clock, platform, *, rule_set_key: str, forms: set[DepositForm], kind="construction"):
    # DEPOSIT is read at each call: a test raises it above the cap.
    s = publish_section(
        session,
        clock,
        platform,
        name="保证金示例工程",
        rule_set_key=rule_set_key,
        kind=kind,
        deposit_fen=DEPOSIT,
        forms=forms,
    )
    return Tender(s, entity_of(session, "tenderee.gy"))


@pytest.fixture
def tender(session, clock, platform) -> Tender:
    return publish_tender(session, clock, platform, rule_set_key="construction.open/2019", forms=set(DepositForm))


@pytest.fixture
def headers(client):
    return logins(client, cached=True)


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
