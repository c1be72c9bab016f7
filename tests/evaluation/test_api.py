"""The evaluation API and pages per persona; identities secret before the reveal on every route."""

from __future__ import annotations

import re

import pytest

from ggzy.auth.service import get_account
from ggzy.demo import DEMO_PASSWORD
from ggzy.evaluation import repository
from ggzy.kit.actor import SYSTEM
from ggzy.projects.service import terminate_section
from support import logins

from .conftest import EVAL_DAY, make_expert, make_section

PERSONAS = ["tenderee.gy", "bidder.gy", "bidder.zy", "zy.staff", "reg.housing", "gy.staff", "admin"]


@pytest.fixture
def headers(client):
    return logins(client, cached=True)


@pytest.fixture
def world(session, clock):
    now = clock.now()
    tender = make_section(session, now)
    one = get_account(session, "expert.one").id
    experts = [make_expert(session, now, center="GY", specialties=("A010", "A080"), name="机密专家甲", account_id=one)]
    for i in range(14):
        experts.append(
            make_expert(
                session,
                now,
                center="GY" if i % 2 else "ZY",
                specialties=("A010", "A080"),
                name=f"机密专家{'乙丙丁戊己庚辛壬癸子丑寅卯辰'[i]}",
            )
        )
    session.commit()
    return tender, experts


def _body(**kw):
    body = {
        "evaluation_date": EVAL_DAY.isoformat(),
        "committee_size": 5,
        "representatives": 0,
        "requirements": [{"specialty": "A010", "count": 3}, {"specialty": "A080", "count": 2}],
        "secondary_centers": ["ZY"],
    }
    body.update(kw)
    return body


def _drawn(client, headers, code):
    r = client.post(f"/api/v1/sections/{code}/draws", headers=headers("gy.staff"), json=_body())
    assert r.status_code == 201, r.text
    draw_id = r.json()["id"]
    assert len(r.json()["commitment"]) == 64
    r = client.post(f"/api/v1/sections/{code}/draws/{draw_id}/run", headers=headers("gy.staff"))
    assert r.status_code == 200, r.text
    return draw_id


def test_identities_stay_secret_before_the_reveal_for_every_persona(client, headers, world):
    tender, experts = world
    code = tender.section.code
    draw_id = _drawn(client, headers, code)
    names = [e.name for e in experts]
    cards = [e.id_card for e in experts]
    urls = [
        f"/api/v1/sections/{code}/draws",
        f"/sections/{code}/draws",
        f"/api/v1/sections/{code}/draws/{draw_id}/snapshot",
        f"/sections/{code}/draws/manage",
        "/api/v1/audit/events?limit=500",
    ]
    for who in [None, *PERSONAS]:
        for url in urls:
            r = client.get(url, headers=headers(who))
            assert not any(n in r.text for n in names), (who, url)
            assert '"expert_id"' not in r.text and not any(c in r.text for c in cards), (who, url)


def test_after_the_reveal_the_public_sees_seed_and_committee(client, headers, world, session, clock):
    tender, experts = world
    code = tender.section.code
    draw_id = _drawn(client, headers, code)
    url = f"/api/v1/sections/{code}/draws/{draw_id}/reveal"
    assert client.post(url, headers=headers("zy.staff")).status_code == 404
    r = client.post(url, headers=headers("gy.staff"))
    assert r.status_code == 409 and r.json()["code"] == "evaluation.result_not_public"
    # No award here: the staff reveal serves a section that ended without one.
    terminate_section(
        session,
        actor=SYSTEM,
        now=clock.now(),
        entity_id=tender.tenderee.id,
        section_code=code,
        reason="终止招标",
    )
    session.commit()
    assert client.post(url, headers=headers("gy.staff")).status_code == 200
    [proof] = client.get(f"/api/v1/sections/{code}/draws").json()["items"]
    assert len(proof["seed"]) == 64 and len(proof["members"]) == 5
    assert all(m["name"].startswith("机密专家") for m in proof["members"])
    assert client.get(f"/api/v1/sections/{code}/draws/{draw_id}/snapshot").json()["groups"]
    assert "机密专家" in client.get(f"/sections/{code}/draws").text


def test_the_drawn_expert_sees_only_their_own_invitation_and_a_refusal_redraws(client, headers, world, session):
    tender, experts = world
    code = tender.section.code
    draw_id = _drawn(client, headers, code)
    members = repository.members_of(session, draw_id)
    mine = [m for m in members if m.expert_id == experts[0].id]
    items = client.get("/api/v1/experts/me/invitations", headers=headers("expert.one")).json()["items"]
    assert len(items) == len(mine)
    if mine:
        r = client.post(
            f"/api/v1/experts/me/invitations/{mine[0].id}/refuse",
            headers=headers("expert.one"),
            json={"reason": "出差"},
        )
        assert r.status_code == 200 and r.json()["status"] == "refused"
        assert len(repository.members_of(session, draw_id)) == len(members) + 1
    other = next(m for m in members if m.expert_id != experts[0].id)
    r = client.post(f"/api/v1/experts/me/invitations/{other.id}/confirm", headers=headers("expert.one"))
    assert r.status_code == 404


def test_staff_of_another_center_and_market_parties_cannot_draw(client, headers, world):
    tender, _ = world
    for who in ["zy.staff", "tenderee.gy", "bidder.gy", "reg.housing", None]:
        r = client.post(f"/api/v1/sections/{tender.section.code}/draws", headers=headers(who), json=_body())
        assert r.status_code in (401, 403), (who, r.text)


def test_an_unfillable_request_is_a_409_naming_the_constraint(client, headers, world):
    tender, _ = world
    r = client.post(
        f"/api/v1/sections/{tender.section.code}/draws",
        headers=headers("gy.staff"),
        json=_body(secondary_centers=[], committee_size=9, requirements=[{"specialty": "A010", "count": 9}]),
    )
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "evaluation.draw_unfillable"
    assert "专业 A010（房屋建筑工程）可用专家" in body["message"] and "增加副场" in body["message"]
    assert body["detail"]["constraints"][0]["excluded"]["venue"] > 0


def test_an_even_committee_is_refused_citing_the_law(client, headers, world):
    tender, _ = world
    r = client.post(
        f"/api/v1/sections/{tender.section.code}/draws",
        headers=headers("gy.staff"),
        json=_body(committee_size=6, representatives=1),
    )
    assert r.status_code == 422 and "单数" in r.json()["message"] and "第三十七条" in r.json()["message"]


def test_the_expert_maintains_their_profile(client, headers, world):
    r = client.get("/api/v1/experts/me", headers=headers("expert.one"))
    assert r.status_code == 200 and r.json()["name"] == "机密专家甲"
    h = headers("expert.one")
    assert (
        client.patch("/api/v1/experts/me", headers=h, json={"title": "正高级工程师"}).json()["title"] == "正高级工程师"
    )
    assert client.post("/api/v1/experts/me/unavailability", headers=h, json={"day": "2026-12-01"}).status_code == 201
    r = client.post(
        "/api/v1/experts/me/relations",
        headers=h,
        json={"kind": "past_employer", "entity_name": "某公司", "until": "2025-01-01"},
    )
    assert r.status_code == 201
    assert client.get("/api/v1/experts/me", headers=headers("bidder.gy")).status_code == 403
    assert client.get("/expert/profile", headers=h).status_code == 200


def test_pool_managers_see_their_centers_experts_only(client, headers, world):
    _, experts = world
    gy = client.get("/api/v1/experts?limit=200", headers=headers("gy.staff")).json()["items"]
    assert gy and all(e["home_center"] == "GY" for e in gy)
    zy_expert = next(e for e in experts if e.home_center_id != experts[0].home_center_id)
    assert client.get(f"/api/v1/experts/{zy_expert.id}", headers=headers("gy.staff")).status_code == 404
    r = client.post(
        f"/api/v1/experts/{experts[0].id}/status",
        headers=headers("gy.staff"),
        json={"status": "suspended", "reason": "违规"},
    )
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    assert client.get("/api/v1/experts", headers=headers("bidder.gy")).status_code == 403
    assert client.get("/api/v1/experts", headers=headers("reg.housing")).status_code == 403


def test_the_staff_page_starts_a_draw(client, headers, world):
    tender, _ = world
    h = headers("gy.staff")
    assert client.get(f"/sections/{tender.section.code}/draws/manage", headers=h).status_code == 200
    assert client.get(f"/sections/{tender.section.code}/draws/manage", headers=headers("zy.staff")).status_code == 403


def test_venue_shares_go_through_the_api_and_a_bad_share_says_what_to_fix(client, headers, world):
    tender, _ = world
    code = tender.section.code
    url = f"/api/v1/sections/{code}/draws"
    r = client.post(url, headers=headers("gy.staff"), json=_body(venue_quotas={"GY": 4, "ZY": 4}))
    assert r.status_code == 422 and r.json()["code"] == "evaluation.quota_sum", r.text
    assert "各场人数之和（8）须等于专家人数 5" in r.json()["message"]
    r = client.post(url, headers=headers("gy.staff"), json=_body(venue_quotas={"GY": 3, "ZY": 2}))
    assert r.status_code == 201, r.text
    r = client.post(f"{url}/{r.json()['id']}/run", headers=headers("gy.staff"))
    assert r.status_code == 200, r.text
    draws = client.get(f"/sections/{code}/draws/manage", headers=headers("gy.staff"))
    assert "各场人数" in draws.text and "GY:3，ZY:2" in draws.text


def test_the_staff_form_takes_venue_shares_and_keeps_what_was_typed_on_a_bad_one(client, world):
    tender, _ = world
    code = tender.section.code
    client.get("/login")
    csrf = client.cookies.get("ggzy_csrf")
    r = client.post("/login", data={"username": "gy.staff", "password": DEMO_PASSWORD, "csrf_token": csrf})
    assert r.status_code == 200
    page = client.get(f"/sections/{code}/draws/manage").text
    form = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "evaluation_date": EVAL_DAY.isoformat(),
        "committee_size": "5",
        "representatives": "0",
        "requirements": "A010:3, A080:2",
        "secondary_centers": "ZY",
        "venue_quotas": "GY:三, ZY:2",
    }
    r = client.post(f"/sections/{code}/draws/manage", data=form, follow_redirects=False)
    assert r.status_code == 422 and "各场人数如“GY:3, ZY:2”" in r.text and "GY:三, ZY:2" in r.text
    form["venue_quotas"] = "gy：3，zy:2"
    r = client.post(f"/sections/{code}/draws/manage", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "GY:3，ZY:2" in client.get(f"/sections/{code}/draws/manage").text
