"""A section's ceiling price (最高投标限价, 条例 第二十七条) is published with the announcement, re-announced in the
opening record, and a bid above it is stated there (the committee rejects it, 条例 第五十一条); a price exactly at
the ceiling is a collusion indicator for the committee and supervision."""

from __future__ import annotations

import json

from sqlalchemy import select

from ggzy.opening.models import ForensicFinding, Opening
from support import publish_section

from .conftest import bid_with_client, hall_on, hand_over_all, sign_in_all, to_deadline

CEILING = 48_000_000_00  # bidder.gy bids exactly this, bidder.zy below, bidder.three above


def test_the_ceiling_is_public_and_the_record_states_the_bid_above_it(client, session, clock, platform, certs):
    section = publish_section(session, clock, platform, name="限价示例工程", ceiling_fen=CEILING)
    hall = hall_on(section, certs)
    public = client.get(f"/api/v1/tender-projects/{section.code[:20]}").json()
    assert public["sections"][0]["ceiling_fen"] == CEILING
    page = client.get(f"/tender-projects/{section.code[:20]}").text
    assert "最高投标限价" in page and "48,000,000.00" in page

    for name in hall.bidders:
        bid_with_client(client, hall, name, certs.parent)
    to_deadline(platform, clock)
    sign_in_all(client, hall)
    hand_over_all(client, hall)
    clock.advance(minutes=6)
    platform.chronograph.tick()
    session.expire_all()
    opening = session.execute(select(Opening).where(Opening.section_id == hall.section_id)).scalar_one()
    content = json.loads(opening.record_json)["BID_OPENING_CONTENT"]
    assert content["ceiling_fen"] == CEILING
    above = {b["bidder"]: b.get("above_ceiling", False) for b in content["bids"]}
    assert above == {
        "贵州黔筑示范建设工程有限公司": False,
        "遵义汇川示范路桥工程有限公司": False,
        "贵州第三示例建设有限公司": True,
    }
    kinds = {f.kind for f in session.execute(select(ForensicFinding)).scalars()}
    assert "ceiling_price" in kinds  # bidder.gy's price is exactly the ceiling


def test_a_ceiling_of_zero_is_refused_and_none_means_not_set(client, session, clock, platform):
    import pytest

    from ggzy.kit.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        publish_section(session, clock, platform, name="零限价工程", ceiling_fen=0)
    assert exc.value.code == "projects.bad_ceiling" and "不得设最低投标限价" in exc.value.message
    session.rollback()
    section = publish_section(session, clock, platform, name="无限价工程")
    assert section.ceiling_fen is None
    assert "未设" in client.get(f"/tender-projects/{section.code[:20]}").text
