"""The demo province: the whole centers network, the national calendar and one account per persona."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.auth import service as auth
from ggzy.auth.models import Account
from ggzy.centers.seed import seed_network
from ggzy.kit.actor import Actor
from ggzy.pki.fee_seed import seed_demo_ca_fees
from ggzy.registry.seed import seed_demo_entities

DEMO_PASSWORD = "Ggzy-demo-2026"

# (username, display name, kind, home center, role, industry, region) — the fixed personas of STYLE.md.
PERSONAS = [
    ("admin", "平台管理员", "staff", "GZ", "platform_admin", None, None),
    ("gz.admin", "省中心管理员", "staff", "GZ", "center_admin", None, None),
    ("gy.staff", "贵阳中心工作人员", "staff", "GY", "center_staff", None, None),
    ("zy.staff", "遵义中心工作人员", "staff", "ZY", "center_staff", None, None),
    ("reg.housing", "省住建厅监督员", "regulator", None, "regulator", "housing", "520000"),
    ("reg.gy.finance", "贵阳市财政局监督员", "regulator", None, "regulator", "finance", "520100"),
    ("tenderee.gy", "贵阳招标人经办", "entity", "GY", "tenderee", None, None),
    ("bidder.gy", "贵阳投标人经办", "entity", "GY", "bidder", None, None),
    ("bidder.zy", "遵义投标人经办", "entity", "ZY", "bidder", None, None),
    ("expert.one", "评标专家甲", "expert", "GY", "expert", None, None),
]


def seed_demo(session: Session, *, actor: Actor, now: dt.datetime) -> dict[str, int]:
    """Seed what is missing; running it twice adds nothing."""
    added = {"centers": seed_network(session, actor=actor, now=now), "accounts": 0}
    have = set(session.execute(select(Account.username)).scalars())
    for username, name, kind, center, role, industry, region in PERSONAS:
        if username in have:
            continue
        account = auth.create_account(
            session,
            actor=actor,
            now=now,
            username=username,
            display_name=name,
            kind=kind,
            password=DEMO_PASSWORD,
            home_center_code=center,
        )
        auth.grant_role(
            session,
            actor=actor,
            now=now,
            account=account,
            role=role,
            center_code=center if role.startswith("center") else None,
            industry=industry,
            region_code=region,
        )
        added["accounts"] += 1
    added["entities"] = seed_demo_entities(session, actor=actor, now=now)
    added["ca_providers"] = seed_demo_ca_fees(session, actor=actor, now=now)
    return added
