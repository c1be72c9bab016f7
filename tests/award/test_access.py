"""Every award route and page, for each persona: the public sees publicity and results, the tenderee publishes and
confirms, bidders of the section object and read their own notices, everyone else is refused."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ggzy.models import metadata

from .conftest import at

OUTSIDERS = ("expert.one", "gy.staff", "reg.housing")


def test_publicity_is_not_public_before_it_is_published(client, headers, reported):
    assert client.get(f"/api/v1/sections/{reported.code}/award").status_code == 404
    assert client.get(f"/sections/{reported.code}/award").status_code == 404
    assert client.get(f"/sections/{reported.code}/award", headers=headers("tenderee.gy")).status_code == 200


def test_only_the_tenderee_publishes_and_confirms(client, clock, headers, reported):
    url = f"/api/v1/sections/{reported.code}/award"
    clock.set(at("2026-11-26"))
    assert client.post(f"{url}/publicity", json={}).status_code == 401
    for who in ("bidder.gy", "bidder.zy", *OUTSIDERS):
        assert client.post(f"{url}/publicity", json={}, headers=headers(who)).status_code == 403, who
    r = client.post(f"{url}/publicity", json={}, headers=headers("tenderee.gy"))
    assert r.status_code == 200, r.text
    public = client.get(url).json()
    assert [c["rank"] for c in public["candidates"]] == [1, 2, 3]
    assert public["dataset_511"]["FIRST_BIDDER_NAME"] == public["candidates"][0]["name"]
    assert public["candidates"][0]["project_manager"] == "项目经理1"
    clock.set(at("2026-12-01"))
    for who in ("bidder.gy", *OUTSIDERS):
        assert client.post(f"{url}/decision", json={}, headers=headers(who)).status_code == 403, who
    r = client.post(f"{url}/decision", json={}, headers=headers("tenderee.gy"))
    assert r.status_code == 200, r.text
    assert client.get(url).json()["result"]["winner"] == public["candidates"][0]["name"]


def test_bidders_of_the_section_object_and_see_only_their_own(client, clock, headers, reported):
    url = f"/api/v1/sections/{reported.code}/award"
    clock.set(at("2026-11-26"))
    client.post(f"{url}/publicity", json={}, headers=headers("tenderee.gy"))
    for who in ("tenderee.gy", *OUTSIDERS):
        assert client.post(f"{url}/objections", json={"text": "异议"}, headers=headers(who)).status_code == 403, who
    r = client.post(f"{url}/objections", json={"text": "第一名业绩不实"}, headers=headers("bidder.zy"))
    assert r.status_code == 201, r.text
    mine = client.get(f"{url}/objections", headers=headers("bidder.zy")).json()["items"]
    assert len(mine) == 1 and mine[0]["objector"] is None
    assert client.get(f"{url}/objections", headers=headers("bidder.gy")).json()["items"] == []
    everything = client.get(f"{url}/objections", headers=headers("tenderee.gy")).json()["items"]
    assert everything[0]["objector"] == "遵义示范工程有限公司" or everything[0]["objector"]
    for who in OUTSIDERS:
        assert client.get(f"{url}/objections", headers=headers(who)).status_code == 403, who
    assert client.get(f"{url}/objections").status_code == 401
    reply = client.post(
        f"{url}/objections/{r.json()['id']}/reply", json={"reply": "已核查"}, headers=headers("bidder.zy")
    )
    assert reply.status_code == 403
    ok = client.post(
        f"{url}/objections/{r.json()['id']}/reply", json={"reply": "已核查"}, headers=headers("tenderee.gy")
    )
    assert ok.status_code == 200, ok.text
    clock.set(at("2026-12-01"))
    late = client.post(f"{url}/objections", json={"text": "再议"}, headers=headers("bidder.zy"))
    assert late.status_code == 409 and "第五十四条" in late.json()["message"]


def test_notices_are_read_by_their_addressee_and_the_tenderee(client, clock, headers, reported):
    url = f"/api/v1/sections/{reported.code}/award"
    clock.set(at("2026-11-26"))
    client.post(f"{url}/publicity", json={}, headers=headers("tenderee.gy"))
    clock.set(at("2026-12-01"))
    client.post(f"{url}/decision", json={}, headers=headers("tenderee.gy"))
    all_ = client.get(f"{url}/notices", headers=headers("tenderee.gy")).json()["items"]
    assert len(all_) == 3
    own = client.get(f"{url}/notices", headers=headers("bidder.gy")).json()["items"]
    assert [n["kind"] for n in own] == ["award"]
    pdf = client.get(f"{url}/notices/{own[0]['number']}.pdf", headers=headers("bidder.gy"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"{url}/notices/{own[0]['number']}.pdf", headers=headers("bidder.zy")).status_code == 404
    for who in OUTSIDERS:
        assert client.get(f"{url}/notices", headers=headers(who)).status_code == 403, who
    body = {"code": "HT-1", "name": "施工合同", "amount_fen": 100, "signed_at": "2026-12-01T10:00:00+08:00"}
    clock.set(at("2026-12-02"))
    assert client.post(f"{url}/contract", json=body, headers=headers("bidder.gy")).status_code == 403
    r = client.post(f"{url}/contract", json=body, headers=headers("tenderee.gy"))
    assert r.status_code == 201, r.text
    assert client.get(url).json()["contract"]["code"] == "HT-1"


@pytest.mark.parametrize("path", ["/awards", "/experts/fees", "/api/v1/expert-fees"])
def test_the_public_pages_need_no_login(client, path, reported):
    r = client.get(path)
    assert r.status_code == 200
    if "fees" in path:
        assert "示范" in r.text and "就高不就低" in r.text


def test_the_section_page_offers_the_objection_form_to_bidders_during_the_publicity(client, clock, headers, reported):
    clock.set(at("2026-11-26"))
    client.post(f"/api/v1/sections/{reported.code}/award/publicity", json={}, headers=headers("tenderee.gy"))
    page = client.get(f"/sections/{reported.code}/award", headers=headers("bidder.zy"))
    assert page.status_code == 200 and "提出异议" in page.text and "项目经理1" in page.text
    assert "提交异议" not in client.get(f"/sections/{reported.code}/award").text
    assert "/award/object" not in client.get(f"/sections/{reported.code}/award", headers=headers("gy.staff")).text


def test_the_award_migration_matches_the_models(migrated):
    with migrated.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        diffs = compare_metadata(ctx, metadata)
    assert [d for d in diffs if "award_" in repr(d)] == []
