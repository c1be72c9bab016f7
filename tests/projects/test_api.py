"""The construction tender through the HTTP API: every route for its persona and for outsiders, and the
tenderee learning neither who nor how many downloaded or asked (招标投标法 第二十二条)."""

from __future__ import annotations

import pytest

from support import token

BIDDER_NAMES = ("贵州黔筑示范建设工程有限公司", "遵义汇川示范路桥工程有限公司")


ANNOUNCEMENT = {
    "title": "示范道路改造工程施工招标公告",
    "body": "一、招标条件……",
    "kind": "tender",
    "sections": [
        {
            "code": None,
            "documents_from": "2026-11-02T10:00:00+08:00",
            "documents_until": "2026-11-09T17:00:00+08:00",
            "bid_deadline": "2026-11-23T09:30:00+08:00",
            "deposit": "200000.00",
            "deposit_forms": ["cash", "bank_guarantee"],
        }
    ],
}


@pytest.fixture
def tender(client):
    """A construction tender project of tenderee.gy with one section and one document, not yet submitted."""
    t = token(client, "tenderee.gy")
    p = client.post(
        "/api/v1/projects",
        headers=t,
        json={"center": "GY", "name": "示范道路改造工程", "transaction_type": "construction"},
    )
    assert p.status_code == 201, p.text
    tp = client.post(
        f"/api/v1/projects/{p.json()['code']}/tender-projects",
        headers=t,
        json={"name": "示范道路改造工程施工", "rule_set": "construction.open/2019", "estimate": "10000000"},
    )
    s = client.post(
        f"/api/v1/tender-projects/{tp.json()['code']}/sections",
        headers=t,
        json={"name": "一标段", "estimate": "10000000"},
    )
    doc = client.put(
        f"/api/v1/tender-projects/{tp.json()['code']}/documents/招标文件.pdf",
        headers=t,
        content=b"%PDF-1.4 tender documents" * 100,
    )
    assert doc.status_code == 201, doc.text
    body = {**ANNOUNCEMENT, "sections": [{**ANNOUNCEMENT["sections"][0], "code": s.json()["code"]}]}
    a = client.post(f"/api/v1/tender-projects/{tp.json()['code']}/announcements", headers=t, json=body)
    assert a.status_code == 201, a.text
    return {"code": tp.json()["code"], "section": s.json()["code"], "doc": doc.json(), "t": t}


def _publish(client, tender):
    code = tender["code"]
    assert client.post(f"/api/v1/tender-projects/{code}/announcements/1/submit", headers=tender["t"]).status_code == 200
    staff = token(client, "gy.staff")
    r = client.post(
        f"/api/v1/tender-projects/{code}/announcements/1/publish", headers={**staff, "Idempotency-Key": "pub-1"}
    )
    assert r.status_code == 200, r.text
    return r


def test_an_unpublished_tender_is_invisible_to_the_public(client, tender):
    assert client.get(f"/api/v1/tender-projects/{tender['code']}").status_code == 404
    assert client.get(f"/api/v1/tender-projects/{tender['code']}", headers=tender["t"]).status_code == 200


@pytest.mark.parametrize(
    "who,status", [(None, 401), ("bidder.gy", 403), ("reg.housing", 403), ("gy.staff", 403), ("expert.one", 403)]
)
def test_only_tenderees_and_agencies_register_projects(client, who, status):
    headers = token(client, who) if who else {}
    r = client.post(
        "/api/v1/projects", headers=headers, json={"center": "GY", "name": "x", "transaction_type": "construction"}
    )
    assert r.status_code == status


def test_another_tenderee_cannot_touch_the_project(client, tender):
    r = client.post(
        f"/api/v1/tender-projects/{tender['code']}/sections",
        headers=token(client, "bidder.gy"),
        json={"name": "x", "estimate": "1"},
    )
    assert r.status_code == 403


@pytest.mark.parametrize(
    "who,status", [("tenderee.gy", 403), ("zy.staff", 404), ("reg.housing", 403), ("bidder.zy", 403), (None, 401)]
)
def test_only_staff_of_the_projects_center_publish(client, tender, who, status):
    client.post(f"/api/v1/tender-projects/{tender['code']}/announcements/1/submit", headers=tender["t"])
    headers = token(client, who) if who else {}
    r = client.post(f"/api/v1/tender-projects/{tender['code']}/announcements/1/publish", headers=headers)
    assert r.status_code == status


def test_the_review_queue_shows_submissions_of_the_staffs_centers_only(client, tender):
    client.post(f"/api/v1/tender-projects/{tender['code']}/announcements/1/submit", headers=tender["t"])
    gy = client.get("/api/v1/review/announcements", headers=token(client, "gy.staff")).json()
    zy = client.get("/api/v1/review/announcements", headers=token(client, "zy.staff")).json()
    assert tender["code"] in {i["tender_project"] for i in gy} and tender["code"] not in {
        i["tender_project"] for i in zy
    }


def test_a_retried_publication_returns_the_same_result(client, tender):
    first = _publish(client, tender)
    again = client.post(
        f"/api/v1/tender-projects/{tender['code']}/announcements/1/publish",
        headers={**token(client, "gy.staff"), "Idempotency-Key": "pub-1"},
    )
    assert again.status_code == 200 and again.json() == first.json()


def test_the_published_tender_is_public_with_its_signed_text_and_document_hashes(client, tender):
    _publish(client, tender)
    view = client.get(f"/api/v1/tender-projects/{tender['code']}").json()
    assert view["announcements"][0]["signature"] and view["documents"][0]["sha256"] == tender["doc"]["sha256"]
    listed = client.get("/api/v1/announcements?transaction_type=construction&center=GY").json()["items"]
    assert tender["code"] in {i["tender_project"] for i in listed}


def test_anyone_downloads_without_registration_and_the_bytes_match_the_hash(client, tender):
    _publish(client, tender)
    r = client.get(f"/api/v1/tender-projects/{tender['code']}/documents/{tender['doc']['id']}")
    import hashlib

    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == tender["doc"]["sha256"]


def test_the_tenderee_learns_neither_who_nor_how_many_downloaded_or_asked(client, tender):
    _publish(client, tender)
    code = tender["code"]
    for bidder in ("bidder.gy", "bidder.zy"):
        h = token(client, bidder)
        client.get(f"/api/v1/tender-projects/{code}/documents/{tender['doc']['id']}", headers=h)
        assert (
            client.post(
                f"/api/v1/tender-projects/{code}/questions",
                headers=h,
                json={"text": f"{bidder} 的问题：工期能否调整？"},
            ).status_code
            == 201
        )
    t = tender["t"]
    seen = [
        client.get(f"/api/v1/tender-projects/{code}", headers=t).text,
        client.get("/api/v1/projects/mine", headers=t).text,
        client.get("/api/v1/me/notifications", headers=t).text,
        client.get(f"/api/v1/tender-projects/{code}").text,
    ]
    for text in seen:
        assert not any(name in text for name in BIDDER_NAMES)
        assert "download" not in text.lower()
    qs = client.get(f"/api/v1/tender-projects/{code}", headers=t).json()["questions"]
    assert len(qs) == 2 and set(qs[0]) == {"id", "text", "asked_at", "answer", "answered_at"}
    # Not through the audit trail either, for any reader of it.
    for reader in ("admin", "gy.staff", "reg.housing"):
        events = client.get("/api/v1/audit/events?limit=500&tag_prefix=projects:", headers=token(client, reader))
        assert events.status_code == 200
        tags = {e["tag"] for e in events.json()["items"]}
        assert "projects:document:downloaded" not in tags and "projects:question:asked" not in tags


def test_an_answer_reaches_every_downloader(client, tender):
    _publish(client, tender)
    code = tender["code"]
    b = token(client, "bidder.zy")
    client.get(f"/api/v1/tender-projects/{code}/documents/{tender['doc']['id']}", headers=b)
    client.post(f"/api/v1/tender-projects/{code}/questions", headers=b, json={"text": "能否提供电子版图纸？"})
    q = client.get(f"/api/v1/tender-projects/{code}", headers=tender["t"]).json()["questions"][0]
    r = client.post(
        f"/api/v1/tender-projects/{code}/questions/{q['id']}/answer",
        headers=tender["t"],
        json={"text": "已随招标文件提供。"},
    )
    assert r.status_code == 200
    notes = client.get("/api/v1/me/notifications", headers=b).json()
    assert any("已随招标文件提供" in n["body"] for n in notes)
    public = client.get(f"/api/v1/tender-projects/{code}").json()["questions"]
    assert public[0]["answer"] == "已随招标文件提供。"


def test_a_document_upload_that_stops_half_way_leaves_nothing(client, tender):
    r = client.put(
        f"/api/v1/tender-projects/{tender['code']}/documents/part.pdf",
        headers={**tender["t"], "content-length": "100000"},
        content=b"x" * 10,
    )
    assert r.status_code in (400, 422)
    view = client.get(f"/api/v1/tender-projects/{tender['code']}", headers=tender["t"]).json()
    assert [d["name"] for d in view["documents"]] == ["招标文件.pdf"]


def test_a_path_in_a_document_name_is_refused(client, tender):
    r = client.put(f"/api/v1/tender-projects/{tender['code']}/documents/..%2Fetc", headers=tender["t"], content=b"x")
    assert r.status_code in (404, 422)


def test_rule_sets_are_public_with_their_sources(client):
    sets = {r["key"]: r for r in client.get("/api/v1/rule-sets").json()}
    assert sets["construction.open/2019"]["limits"]["min_bid_period"]["rule"] == "T-4"


@pytest.mark.parametrize(
    "code,reason",
    [
        ("P52010026110200", "projects.code_length"),
        ("p520100261102000a", None),
        ("P52010026110200!!", "projects.code_chars"),
    ],
)
def test_an_assigned_project_code_is_checked(client, code, reason):
    r = client.post(
        "/api/v1/projects",
        headers=token(client, "tenderee.gy"),
        json={"center": "GY", "name": "赋码项目", "transaction_type": "construction", "code": code},
    )
    if reason is None:
        assert r.status_code == 201 and r.json()["code"] == code.upper()
    else:
        assert r.status_code == 422 and r.json()["code"] == reason


def test_an_assigned_section_code_must_extend_its_parent(client, tender):
    r = client.post(
        f"/api/v1/tender-projects/{tender['code']}/sections",
        headers=tender["t"],
        json={"name": "二标段", "estimate": "1", "code": "P520300261102000100100X"},
    )
    assert r.status_code == 422 and r.json()["code"] == "projects.code_prefix"
    ok = client.post(
        f"/api/v1/tender-projects/{tender['code']}/sections",
        headers=tender["t"],
        json={"name": "二标段", "estimate": "1", "code": tender["code"] + "009"},
    )
    assert ok.status_code == 201
    again = client.post(
        f"/api/v1/tender-projects/{tender['code']}/sections",
        headers=tender["t"],
        json={"name": "三标段", "estimate": "1", "code": tender["code"] + "009"},
    )
    assert again.status_code == 409


def test_the_ceiling_price_goes_through_the_api_with_the_announcement(client, tender):
    """最高投标限价 (条例 第二十七条): drafted in yuan, published with the section, refused when not positive."""
    code, t = tender["code"], tender["t"]
    assert client.post(f"/api/v1/tender-projects/{code}/announcements/1/withdraw", headers=t).is_success
    terms = {**ANNOUNCEMENT["sections"][0], "code": tender["section"]}
    bad = client.post(
        f"/api/v1/tender-projects/{code}/announcements",
        headers=t,
        json={**ANNOUNCEMENT, "sections": [{**terms, "ceiling": "0"}]},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "projects.bad_ceiling", bad.text
    ok = client.post(
        f"/api/v1/tender-projects/{code}/announcements",
        headers=t,
        json={**ANNOUNCEMENT, "sections": [{**terms, "ceiling": "9800000.50"}]},
    )
    assert ok.status_code == 201, ok.text
    version = ok.json()["version"]
    assert client.post(f"/api/v1/tender-projects/{code}/announcements/{version}/submit", headers=t).is_success
    r = client.post(
        f"/api/v1/tender-projects/{code}/announcements/{version}/publish",
        headers={**token(client, "gy.staff"), "Idempotency-Key": "pub-ceiling"},
    )
    assert r.status_code == 200, r.text
    assert client.get(f"/api/v1/tender-projects/{code}").json()["sections"][0]["ceiling_fen"] == 980_000_050
