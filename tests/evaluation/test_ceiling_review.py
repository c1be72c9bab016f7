"""条例 第五十一条第（五）项: a bid above the section's ceiling price (最高投标限价) cannot pass the review —
the expert sees it marked in the room, a passing verdict is refused with the rule, failing it with a reason works."""

from __future__ import annotations

import pytest

from ggzy.evaluation import session as ev
from ggzy.kit.errors import ValidationFailed
from ggzy.projects.models import Section

from .session_helpers import committee, declare_all, expert_actor, review_all


@pytest.fixture
def c(client, session, platform, clock, tmp_path):
    c = committee(client, session, platform, clock, tmp_path)
    # bidder.three bid 49,100,000.00; the others 48,000,000.00 and 47,500,000.00
    session.get_one(Section, c.hall.section_id).ceiling_fen = 48_500_000_00
    session.flush()
    return c


def test_a_bid_above_the_ceiling_must_be_rejected_at_review(session, clock, c):
    declare_all(session, clock, c)
    expert = c.experts[0]
    room = ev.room(session, section_code=c.code, expert=expert)
    above = {b["entity_id"] for b in room["bids"] if b["above_ceiling"]}
    assert above == {c.bidders["bidder.three"]}
    everyone_passes = {b: (True, "") for b in c.bidders.values()}
    with pytest.raises(ValidationFailed) as exc:
        ev.review(
            session,
            actor=expert_actor(expert),
            now=clock.now(),
            section_code=c.code,
            expert=expert,
            verdicts=everyone_passes,
        )
    assert exc.value.code == "evaluation.above_ceiling"
    assert "49,100,000.00 元" in exc.value.message and "第五十一条" in exc.value.message
    review_all(session, clock, c, fail={c.bidders["bidder.three"]: "报价高于最高投标限价（条例第五十一条）"})
    qualified = ev.room(session, section_code=c.code, expert=expert)["qualified"]
    assert qualified[c.bidders["bidder.three"]]["passed"] is False
