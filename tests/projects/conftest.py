"""Entities and a construction project for the lifecycle tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ggzy.auth import service as auth
from ggzy.kit.actor import Actor
from ggzy.registry.models import Entity
from support import new_entity


@dataclass
class Party:
    entity: Entity
    actor: Actor


def _party(session, clock, name: str, roles: str, center_id: int, username: str | None = None) -> Party:
    e = new_entity(session, clock.now(), name, center_id, roles=roles, legal_represent="张三")
    account_id = None
    if username:
        account = auth.get_account(session, username)
        account.entity_id = e.id
        account_id = account.id
    return Party(e, Actor(account_id, name, "test", center_id, "10.0.0.9"))


@pytest.fixture
def parties(session, clock):
    from ggzy.centers.service import get_center

    gy, zy = get_center(session, "GY").id, get_center(session, "ZY").id
    return {
        "tenderee": _party(session, clock, "贵阳市示例建设单位", ",tenderee,", gy),
        "agency": _party(session, clock, "贵州示例招标代理有限公司", ",agency,", gy),
        "bidder_a": _party(session, clock, "贵州示例建工集团有限公司", ",bidder,", gy),
        "bidder_b": _party(session, clock, "遵义示例路桥有限公司", ",bidder,", zy),
    }
