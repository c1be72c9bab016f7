"""A closed construction section of the demo tenderee (贵阳) with three bidders, cash deposits, and a signed report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from ggzy.auth.service import get_account
from ggzy.award import service
from ggzy.award.policies import Candidate
from ggzy.deposits.models import Bank, Payment
from ggzy.kit.actor import Actor
from ggzy.kit.clock import SHANGHAI
from ggzy.projects.models import Section
from ggzy.projects.rulesets import DepositForm
from ggzy.registry.models import Entity
from support import entity_of, logins, new_entity, publish_section

REPORT_AT = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)  # a Wednesday
DEPOSIT = 200_000_00
COMMITTEE = 5
EVALUATOR = Actor(None, "评标委员会", "expert_committee", None, "10.0.0.7")


def at(day: str, hm: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=SHANGHAI)


@dataclass
class Tender:
    section: Section
    tenderee: Entity
    tenderee_actor: Actor
    bidders: list[Entity]  # bidder.gy, bidder.zy, a third without an account

    @property
    def code(self) -> str:
        return self.section.code


def actor_of(session, username: str, role: str) -> Actor:
    return Actor(get_account(session, username).id, username, role, None, "10.0.0.1")


def _cash_deposits(session, section: Section, bidders: list[Entity], now: dt.datetime) -> None:
    bank = Bank(
        code="AWBANK", name="定标测试银行", account_prefix="6217", cert_pem="-", demand_rate_bp=35, created_at=now
    )
    session.add(bank)
    session.flush()
    for i, b in enumerate(bidders):
        session.add(
            Payment(
                bank_id=bank.id,
                notification_id=f"aw-{section.code}-{i}",
                body_sha256="0" * 64,
                account_number=f"6217{i:012d}",
                section_id=section.id,
                entity_id=b.id,
                center_id=section.center_id,
                amount_fen=DEPOSIT,
                required_fen=DEPOSIT,
                payer_name=b.name,
                payer_account=f"9558{i:012d}",
                payer_name_matches=True,
                booked_at=now,
                received_at=now,
                status="received",
            )
        )
    session.flush()


def make_tender(session, clock, platform, *, rule_set_key="construction.open/2019", kind="construction") -> Tender:
    # Cash for works; government procurement may not take cash (G-6), so a bank guarantee there.
    forms = {DepositForm.CASH} if kind == "construction" else {DepositForm.BANK_GUARANTEE}
    s = publish_section(
        session,
        clock,
        platform,
        name="定标示例工程",
        rule_set_key=rule_set_key,
        kind=kind,
        deposit_fen=DEPOSIT,
        forms=forms,
    )
    third = new_entity(session, clock.now(), "安顺示例建设有限公司", s.center_id, region_code="520400")
    bidders = [entity_of(session, "bidder.gy"), entity_of(session, "bidder.zy"), third]
    _cash_deposits(session, s, bidders, clock.now())
    session.commit()
    return Tender(s, entity_of(session, "tenderee.gy"), actor_of(session, "tenderee.gy", "tenderee"), bidders)


def candidates(t: Tender) -> list[Candidate]:
    prices = (48_500_000_00, 49_000_000_00, 49_800_000_00)
    return [
        Candidate(
            rank,
            b.id,
            price,
            Decimal("90") - rank,
            quality="合格",
            duration_days=365,
            project_manager=f"项目经理{rank}",
        )
        for rank, (b, price) in enumerate(zip(t.bidders, prices, strict=True), start=1)
    ]


def submit(session, t: Tender, *, signers=(11, 12, 13, 14, 15), ranked=None, now=REPORT_AT, **kw):
    return service.submit_evaluation_result(
        session,
        actor=EVALUATOR,
        now=now,
        section=t.section,
        ranked=ranked if ranked is not None else candidates(t),
        report_signers=list(signers),
        required_signers=COMMITTEE,
        bidder_ids=[b.id for b in t.bidders],
        method="comprehensive",
        report_text="评标报告正文",
        **kw,
    )


@pytest.fixture
def tender(session, clock, platform) -> Tender:
    return make_tender(session, clock, platform)


@pytest.fixture
def reported(session, tender) -> Tender:
    submit(session, tender)
    session.commit()
    return tender


@pytest.fixture
def headers(client):
    # A fresh token each time: tests move the clock past a token's lifetime.
    return logins(client, cached=False)
