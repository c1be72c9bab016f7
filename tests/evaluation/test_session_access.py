"""Who reaches the evaluation routes: the committee's expert, another expert, tenderee, bidder, staff, regulator,
the public — and the clarification round trip through the platform (the bidder's page shows the request)."""

from __future__ import annotations

import pytest

from opening.conftest import headers

from .session_helpers import committee, declare_all, link_account, new_expert_account, review_all, score_all, sign_all


@pytest.fixture
def c(client, session, platform, clock, tmp_path):
    c = committee(client, session, platform, clock, tmp_path)
    link_account(session, c.experts[0], "expert.one")
    new_expert_account(session, clock, "expert.two")
    session.commit()
    return c


def _h(client, who):
    return headers(client, who) if who else {}


ROOM = {
    "expert.one": 200,
    "expert.two": 404,
    "tenderee.gy": 403,
    "bidder.gy": 403,
    "gy.staff": 403,
    "reg.housing": 403,
    None: 401,
}
MONITOR = {"gy.staff": 200, "expert.one": 403, "tenderee.gy": 403, "bidder.gy": 403, "reg.housing": 403, None: 401}


def test_only_a_member_of_the_committee_enters_the_room(client, c):
    for who, status in ROOM.items():
        r = client.get(f"/api/v1/evaluation/{c.code}", headers=_h(client, who))
        assert r.status_code == status, (who, r.text)
        r = client.post(f"/api/v1/evaluation/{c.code}/declaration", headers=_h(client, who), json={"conflict": False})
        assert r.status_code == status, (who, r.text)
    page = client.get(f"/evaluation/{c.code}", headers=_h(client, "expert.one"))
    assert page.status_code == 200 and "评标室" in page.text and "开标解密的投标文件" in page.text


def test_the_monitor_shows_progress_per_venue_to_the_centers_staff_only(client, c):
    for who, status in MONITOR.items():
        r = client.get("/api/v1/evaluation/monitor", headers=_h(client, who))
        assert r.status_code == status, (who, r.text)
    [item] = client.get("/api/v1/evaluation/monitor", headers=_h(client, "gy.staff")).json()["items"]
    assert {v["venue"] for v in item["venues"]} == {"GY", "ZY"} and sum(v["seats"] for v in item["venues"]) == 5
    text = str(item)
    assert not any(e.name in text for e in c.experts) and "total" not in text and "price" not in text
    assert client.get("/api/v1/evaluation/monitor", headers=_h(client, "zy.staff")).json()["items"] == []
    page = client.get("/evaluation/monitor", headers=_h(client, "gy.staff"))
    assert page.status_code == 200 and "副场" in page.text
    assert client.get("/evaluation/monitor", headers=_h(client, "bidder.gy")).status_code == 403


def test_a_clarification_goes_to_the_bidder_and_its_answer_comes_back(client, session, clock, c):
    declare_all(session, clock, c)
    session.commit()
    gy = c.bidders["bidder.gy"]
    r = client.post(
        f"/api/v1/evaluation/{c.code}/clarifications",
        headers=_h(client, "expert.one"),
        json={"entity_id": gy, "question": "请说明施工组织设计中的冬季施工措施。"},
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    mine = client.get(f"/api/v1/sections/{c.code}/clarifications", headers=_h(client, "bidder.gy")).json()["items"]
    assert [x["question"] for x in mine] == ["请说明施工组织设计中的冬季施工措施。"]
    assert client.get(f"/api/v1/sections/{c.code}/clarifications", headers=_h(client, "bidder.zy")).json() == {
        "items": []
    }
    for who, status in (("tenderee.gy", 403), ("gy.staff", 403), (None, 401)):
        assert client.get(f"/api/v1/sections/{c.code}/clarifications", headers=_h(client, who)).status_code == status
    page = client.get(f"/sections/{c.code}/clarifications", headers=_h(client, "bidder.gy"))
    assert page.status_code == 200 and "冬季施工措施" in page.text
    body = {"answer": "采用暖棚法，详见第 5 章。"}
    r = client.post(
        f"/api/v1/sections/{c.code}/clarifications/{cid}/answer", headers=_h(client, "bidder.zy"), json=body
    )
    assert r.status_code == 404
    r = client.post(
        f"/api/v1/sections/{c.code}/clarifications/{cid}/answer", headers=_h(client, "bidder.gy"), json=body
    )
    assert r.status_code == 200, r.text
    room = client.get(f"/api/v1/evaluation/{c.code}", headers=_h(client, "expert.one")).json()
    assert room["clarifications"][0]["answer"] == "采用暖棚法，详见第 5 章。"
    review_all(session, clock, c)
    session.commit()


AUDIT_READERS = ("gz.admin", "admin", "gy.staff", "zy.staff", "reg.housing", "reg.gy.finance")


def _audit_text(client, who) -> str:
    out, cursor = [], None
    while True:
        url = "/api/v1/audit/events?limit=200" + (f"&cursor={cursor}" if cursor else "")
        r = client.get(url, headers=_h(client, who))
        if r.status_code != 200:
            return ""
        body = r.json()
        out.append(r.text)
        cursor = body.get("next_cursor")
        if not cursor:
            return "".join(out)


def test_the_audit_feed_does_not_name_the_committee_before_the_result(client, session, clock, c):
    """招标投标法 第三十七条: while the committee works, no audit reader learns who sits on it — not from the
    actor of the experts' own events, nor from the fee events that name an expert."""
    declare_all(session, clock, c)
    review_all(session, clock, c)
    score_all(session, clock, c)
    sign_all(session, clock, c)
    session.commit()
    for who in AUDIT_READERS:
        text = _audit_text(client, who)
        assert not any(e.name in text for e in c.experts), who
        assert "award:fee:computed" not in text, who
    staff = _audit_text(client, "gy.staff")
    assert staff.count("evaluation:seat:declared") == 5 and "评标专家" in staff  # the events stay, unnamed
