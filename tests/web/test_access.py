"""Every route, for an allowed persona and for outsiders (STYLE.md: fixed personas)."""

from __future__ import annotations

import pytest

from ggzy.demo import DEMO_PASSWORD


def token(client, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/tokens", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 201, r.text
    return {"authorization": f"Bearer {r.json()['token']}"}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/centers",
        "/centers/GY",
        "/centers/GY-QZ",
        "/audit",
        "/login",
        "/docs",
        "/health",
        "/api/v1/centers",
        "/api/v1/centers/GA",
        "/openapi.json",
        "/api/v1/audit/platform-certificate",
    ],
)
def test_public_pages_and_reads_need_no_login(client, path):
    assert client.get(path).status_code == 200


def test_pages_are_in_simplified_chinese_with_shanghai_time(client):
    html = client.get("/").text
    assert 'lang="zh-CN"' in html and "北京时间" in html and "贵阳市公共资源交易中心" in html


def test_an_unknown_page_is_a_chinese_error_page_and_an_unknown_api_path_is_json(client):
    page = client.get("/centers/NOPE")
    assert page.status_code == 404 and "不存在" in page.text and "<html" in page.text
    api = client.get("/api/v1/centers/NOPE")
    assert api.status_code == 404 and api.json()["code"] == "centers.not_found"


def test_a_bad_password_gets_a_stable_code_and_no_token(client):
    r = client.post("/api/v1/auth/tokens", json={"username": "admin", "password": "wrong-password"})
    assert r.status_code == 401 and r.json()["code"] == "auth.bad_credentials" and "token" not in r.json()


def test_five_wrong_passwords_over_the_api_lock_the_account_and_are_audited(client):
    for _ in range(5):
        client.post("/api/v1/auth/tokens", json={"username": "zy.staff", "password": "wrong-password"})
    r = client.post("/api/v1/auth/tokens", json={"username": "zy.staff", "password": DEMO_PASSWORD})
    assert r.status_code == 401 and r.json()["code"] == "auth.locked"
    events = client.get(
        "/api/v1/audit/events?tag_prefix=auth:login:failed&limit=500", headers=token(client, "admin")
    ).json()["items"]
    assert len(events) >= 5


def test_a_malformed_body_says_which_field(client):
    r = client.post("/api/v1/auth/tokens", json={"username": "admin"})
    assert r.status_code == 422 and "password" in r.json()["message"]


def test_me_needs_a_token(client):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"authorization": "Bearer forged"}).status_code == 401
    me = client.get("/api/v1/me", headers=token(client, "reg.housing")).json()
    assert me["grants"][0] == {
        "role": "regulator",
        "role_label": "行政监督人员",
        "center": None,
        "industry": "housing",
        "region_code": "520000",
    }


def test_a_revoked_token_no_longer_works(client):
    h = token(client, "gy.staff")
    assert client.delete("/api/v1/auth/tokens/current", headers=h).status_code == 204
    assert client.get("/api/v1/me", headers=h).status_code == 401


@pytest.mark.parametrize("who,status", [(None, 401), ("bidder.gy", 403), ("expert.one", 403), ("tenderee.gy", 403)])
def test_outsiders_cannot_read_the_audit_events(client, who, status):
    headers = token(client, who) if who else {}
    r = client.get("/api/v1/audit/events", headers=headers)
    assert r.status_code == status and r.json()["code"] in ("auth.required", "auth.forbidden")


def _event_centers(client, headers) -> set:
    items = client.get("/api/v1/audit/events?limit=500", headers=headers).json()["items"]
    return {e["center_id"] for e in items}


def test_a_city_regulator_reads_only_the_events_of_its_region(client, session):
    from ggzy.centers.service import all_centers

    in_region = {c.id for c in all_centers(session) if (c.region_code or "").startswith("5201")}
    seen = _event_centers(client, token(client, "reg.gy.finance"))
    assert seen and seen <= in_region
    assert _event_centers(client, token(client, "admin")) - in_region  # others exist, it just cannot see them


def test_the_platform_admin_reads_every_served_event_and_pages_by_opaque_cursor(client):
    h = token(client, "admin")
    first = client.get("/api/v1/audit/events?limit=5", headers=h).json()
    second = client.get(f"/api/v1/audit/events?limit=5&cursor={first['next_cursor']}", headers=h).json()
    both = client.get("/api/v1/audit/events?limit=10", headers=h).json()
    assert first["items"] + second["items"] == both["items"] and len(both["items"]) == 10
    # Not even the platform admin is served the confidential events, so no one gets the chain position.
    assert not [e for e in both["items"] if "seq" in e or "hash" in e or "prev_hash" in e]


def test_a_forged_cursor_is_refused_with_what_to_do(client):
    r = client.get("/api/v1/audit/events?cursor=@@@", headers=token(client, "admin"))
    assert r.status_code == 422 and r.json()["code"] == "audit.bad_cursor" and "next_cursor" in r.json()["message"]


VENUE = {"code": "KB9", "name": "第九开标室", "kind": "opening", "seats": ["K01", "K02"]}


@pytest.mark.parametrize(
    "who,center,status",
    [
        ("gz.admin", "GY", 201),  # the provincial center's administrator covers the centers below it
        ("admin", "ZY-RH", 201),  # the platform administrator, by the same scope rule
        ("gy.staff", "GY", 403),  # staff may read, not manage
        ("zy.staff", "GY", 403),  # another center
        ("reg.housing", "GY", 403),  # supervision is read-only
        ("bidder.gy", "GY", 403),
        (None, "GY", 401),
    ],
)
def test_adding_a_venue_is_for_center_administrators_in_scope(client, who, center, status):
    headers = token(client, who) if who else {}
    r = client.post(f"/api/v1/centers/{center}/venues", json=VENUE, headers=headers)
    assert r.status_code == status, r.text
    if status == 201:
        assert r.json()["code"] == f"{center}-KB9"
        assert "K02" in client.get(f"/api/v1/centers/{center}").text


def test_a_bad_venue_kind_is_refused_with_the_choices(client):
    r = client.post("/api/v1/centers/GY/venues", json={**VENUE, "kind": "lounge"}, headers=token(client, "admin"))
    assert r.status_code == 422 and "opening" in r.json()["message"]


MERGER = {"target": "GY", "effective_at": "2026-11-02T00:00:00+08:00", "reason": "示例批复〔2026〕1号"}


@pytest.mark.parametrize("who,status", [("admin", 201), ("gz.admin", 403), ("reg.housing", 403), (None, 401)])
def test_planning_a_merger_is_for_the_platform_administrator(client, who, status):
    headers = token(client, who) if who else {}
    assert client.post("/api/v1/centers/GY-XW/merger", json=MERGER, headers=headers).status_code == status


def test_a_merger_time_without_a_timezone_is_refused(client):
    r = client.post(
        "/api/v1/centers/GY-XW/merger",
        json={**MERGER, "effective_at": "2026-12-01T00:00:00"},
        headers=token(client, "admin"),
    )
    assert r.status_code == 422 and "时区" in r.json()["message"]


NEW = {
    "username": "gy.staff2",
    "display_name": "王五",
    "kind": "staff",
    "password": "Strong-pass-2026",
    "home_center": "GY",
    "role": "center_staff",
}


@pytest.mark.parametrize(
    "who,body,status",
    [
        ("admin", NEW, 201),
        ("gz.admin", NEW, 201),  # a center role below its own center
        ("gz.admin", {**NEW, "role": "platform_admin"}, 403),  # never a province-wide role
        ("gy.staff", NEW, 403),
        ("bidder.gy", NEW, 403),
        (None, NEW, 401),
    ],
)
def test_opening_accounts_follows_the_administrators_scope(client, who, body, status):
    headers = token(client, who) if who else {}
    assert client.post("/api/v1/accounts", json=body, headers=headers).status_code == status


def test_a_center_administrator_lists_only_accounts_of_its_centers(client):
    names = {a["username"] for a in client.get("/api/v1/accounts", headers=token(client, "gz.admin")).json()}
    assert "gy.staff" in names and "reg.housing" not in names
    assert client.get("/api/v1/accounts", headers=token(client, "bidder.gy")).status_code == 403


def test_the_calendar_lists_national_holidays_with_their_source(client):
    days = client.get("/api/v1/centers/GY/calendar?start=2026-10-01&end=2026-10-10").json()
    assert days[0]["name"] and days[0]["kind"] == "holiday" and days[0]["source"]


def test_a_calendar_year_that_is_not_published_is_refused(client):
    r = client.get("/api/v1/centers/GY/calendar?start=2030-01-01&end=2030-01-10")
    assert r.status_code == 422 and r.json()["code"] == "calendar.year_not_covered"


def test_health_reports_the_schema_is_current(client):
    assert client.get("/health").json()["schema_current"] is True
