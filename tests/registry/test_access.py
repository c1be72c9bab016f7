"""Every registry route, for the allowed persona and for outsiders (public, another entity, regulator, staff).

Decisions: regulators read full records (they issue and handle the credit decisions of sets 300/302) but
never write; center staff read full records and enter credit records in their own centers; only an
entity's own accounts change its profile and qualifications, and a platform administrator may correct
a record (province:entity:manage).
"""

from __future__ import annotations

import pytest

from ggzy.demo import DEMO_PASSWORD
from support import token

from .helpers import USCC, registration


def _headers(client, who):
    return token(client, who) if who else {}


def _lookup(client, username: str) -> int:
    from ggzy.registry.seed import DEMO_ENTITIES

    spec = next(e for e in DEMO_ENTITIES if e["account"] == username)
    items = client.get(f"/api/v1/entities?code={spec['fields']['uscc']}").json()["items"]  # type: ignore[index]
    return items[0]["id"]


@pytest.mark.parametrize(
    "path", ["/entities", "/entities/register", "/api/v1/entities", "/entities?role=bidder&region=520300"]
)
def test_the_directory_and_the_registration_form_need_no_login(client, path):
    assert client.get(path).status_code == 200


def test_anyone_can_self_register_and_then_act_for_the_entity(client):
    r = client.post("/api/v1/entities", json=registration())
    assert r.status_code == 201, r.text
    assert r.json()["account"] == "qz.jingban" and r.json()["entity"]["registered_center"] == "GY-QZ"
    eid = r.json()["entity"]["id"]
    own = token(client, "qz.jingban", "Strong-pass-2026")
    patched = client.patch(f"/api/v1/entities/{eid}", json={"address": "新址", "reason": "搬迁"}, headers=own)
    assert patched.status_code == 200 and patched.json()["version"] == 2
    assert [v["version"] for v in client.get(f"/api/v1/entities/{eid}/versions", headers=own).json()] == [1, 2]


def test_a_refused_registration_leaves_nothing_behind(client):
    r = client.post("/api/v1/entities", json=registration(username="bidder.gy"))  # the username is taken
    assert r.status_code == 409 and r.json()["code"] == "auth.username_taken"
    assert client.get(f"/api/v1/entities?code={USCC}").json()["items"] == []


@pytest.mark.parametrize(
    "change,status,code",
    [
        ({"uscc": USCC[:17] + ("0" if USCC[17] != "0" else "1")}, 422, "registry.uscc.check_char"),
        ({"uscc": "91520102MA6DLR825P"}, 409, "registry.duplicate_uscc"),
        ({"region_code": "52"}, 422, "registry.region_code.invalid"),
        ({"roles": ["emperor"]}, 422, "registry.roles.invalid"),
        ({"uscc": "x" * 30}, 422, "registry.uscc.length"),
    ],
)
def test_bad_registrations_get_a_specific_error_and_no_500(client, change, status, code):
    r = client.post("/api/v1/entities", json=registration(**change))
    assert r.status_code == status and r.json()["code"] == code, r.text
    assert r.json()["message"]


@pytest.mark.parametrize(
    "who,full",
    [
        ("bidder.gy", True),
        ("gy.staff", True),
        ("zy.staff", True),
        ("reg.gy.finance", True),
        ("bidder.zy", False),
        ("tenderee.gy", False),
        (None, False),
    ],
)
def test_reading_one_entity_gives_the_shape_the_viewer_may_see(client, who, full):
    eid = _lookup(client, "bidder.gy")
    body = client.get(f"/api/v1/entities/{eid}", headers=_headers(client, who)).json()
    assert ("represent_id_card" in body) is full


@pytest.mark.parametrize(
    "who,status",
    [("bidder.gy", 200), ("admin", 200), ("bidder.zy", 403), ("gy.staff", 403), ("reg.housing", 403), (None, 401)],
)
def test_only_the_entity_itself_or_a_platform_administrator_changes_a_profile(client, who, status):
    eid = _lookup(client, "bidder.gy")
    r = client.patch(f"/api/v1/entities/{eid}", json={"legal_contact": "新联系人"}, headers=_headers(client, who))
    assert r.status_code == status, r.text


@pytest.mark.parametrize(
    "who,status",
    [("bidder.gy", 200), ("gy.staff", 200), ("reg.housing", 200), ("bidder.zy", 403), (None, 403)],
)
def test_the_version_history_is_for_the_entity_staff_and_regulators(client, who, status):
    eid = _lookup(client, "bidder.gy")
    assert client.get(f"/api/v1/entities/{eid}/versions", headers=_headers(client, who)).status_code == status


QUAL = {
    "qual_type": "D10102",
    "qual_name": "建筑工程施工总承包",
    "qual_level": "一级",
    "qual_cert_no": "D152019999",
    "issuer": "住房和城乡建设部",
    "valid_from": "2026-01-01",
    "qual_cert_end_date": "2030-12-31",
}


@pytest.mark.parametrize(
    "who,status", [("bidder.gy", 201), ("bidder.zy", 403), ("gy.staff", 403), ("reg.housing", 403), (None, 401)]
)
def test_qualifications_are_added_and_withdrawn_by_the_entity_itself(client, who, status):
    eid = _lookup(client, "bidder.gy")
    headers = _headers(client, who)
    r = client.post(f"/api/v1/entities/{eid}/qualifications", json=QUAL, headers=headers)
    assert r.status_code == status, r.text
    qid = r.json()["id"] if status == 201 else 1
    w = client.post(f"/api/v1/entities/{eid}/qualifications/{qid}/withdraw", json={"reason": "换证"}, headers=headers)
    assert w.status_code == (200 if status == 201 else status)


def test_an_inverted_qualification_period_is_refused(client):
    eid = _lookup(client, "bidder.gy")
    body = {**QUAL, "qual_cert_end_date": "2025-01-01"}
    r = client.post(f"/api/v1/entities/{eid}/qualifications", json=body, headers=token(client, "bidder.gy"))
    assert r.status_code == 422 and r.json()["code"] == "registry.qualification.period"


CREDIT = {
    "kind": "blacklist",
    "title": "串通投标",
    "reason": "与其他投标人串通报价。",
    "government": "贵阳市住房和城乡建设局",
    "document_code": "筑建罚〔2026〕99号",
    "record_date": "2026-10-30",
    "confined_start": "2026-11-01T00:00:00+08:00",
    "confined_end": "2027-11-01T00:00:00+08:00",
}


@pytest.mark.parametrize(
    "who,center,status",
    [
        ("gy.staff", None, 201),
        ("zy.staff", None, 201),
        ("gz.admin", "GY-QZ", 201),
        ("admin", None, 201),
        ("zy.staff", "GY", 403),  # another center's staff
        ("reg.housing", None, 403),  # supervision is read-only
        ("bidder.gy", None, 403),
        ("tenderee.gy", None, 403),
        (None, None, 401),
    ],
)
def test_credit_records_are_entered_by_center_staff_in_their_centers(client, who, center, status):
    eid = _lookup(client, "bidder.gy")
    body = {**CREDIT, "center": center} if center else CREDIT
    r = client.post(f"/api/v1/entities/{eid}/credit-records", json=body, headers=_headers(client, who))
    assert r.status_code == status, r.text
    if status == 201:
        public = client.get(f"/api/v1/entities/{eid}").json()["credit_records"]
        assert [c["kind"] for c in public] == ["blacklist"]


def test_a_blacklist_entry_without_an_end_is_refused(client):
    eid = _lookup(client, "bidder.gy")
    body = {k: v for k, v in CREDIT.items() if k != "confined_end"}
    r = client.post(f"/api/v1/entities/{eid}/credit-records", json=body, headers=token(client, "gy.staff"))
    assert r.status_code == 422 and r.json()["code"] == "registry.credit.end_required"


@pytest.mark.parametrize(
    "who,status", [("zy.staff", 200), ("gy.staff", 403), ("reg.housing", 403), ("bidder.zy", 403), (None, 401)]
)
def test_a_credit_record_is_revoked_by_the_center_that_entered_it(client, who, status):
    eid = _lookup(client, "bidder.zy")
    record = client.get(f"/api/v1/entities/{eid}", headers=token(client, "zy.staff")).json()["credit_records"][0]
    r = client.post(
        f"/api/v1/entities/{eid}/credit-records/{record['id']}/revoke",
        json={"reason": "行政复议撤销"},
        headers=_headers(client, who),
    )
    assert r.status_code == status, r.text
    if status == 200:
        assert client.get(f"/api/v1/entities/{eid}").json()["credit_records"] == []


# --- pages ---------------------------------------------------------------------------------------------


def _login(client, username: str, password: str = DEMO_PASSWORD) -> str:
    client.get("/login")
    csrf = client.cookies.get("ggzy_csrf")
    r = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    return csrf


def test_my_entity_page_needs_a_login_and_shows_the_own_record(client):
    r = client.get("/entities/mine", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fentities%2Fmine"
    _login(client, "bidder.gy")
    page = client.get("/entities/mine")
    assert page.status_code == 200 and "贵州黔筑示范建设工程有限公司" in page.text and "版本历史" in page.text


def test_a_staff_member_without_an_entity_is_told_so(client):
    _login(client, "gy.staff")
    assert "尚未关联市场主体" in client.get("/entities/mine").text


def test_the_registration_form_registers_signs_in_and_lands_on_my_entity(client):
    client.get("/entities/register")
    body = registration()
    form = {k: v for k, v in body.items() if k not in ("account", "roles", "reg_capital_fen")}
    form.update(
        csrf_token=client.cookies.get("ggzy_csrf"),
        roles="bidder",
        capital_yuan="1234567.00",
        username="qz.form",
        display_name="清镇经办",
        password="Strong-pass-2026",
        password2="Strong-pass-2026",
    )
    r = client.post("/entities/register", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    mine = client.get(r.headers["location"])
    assert "登记成功" in mine.text and USCC in mine.text and "1,234,567.00" in mine.text


def test_the_registration_form_refuses_a_forged_post(client):
    client.get("/entities/register")
    r = client.post("/entities/register", data={"csrf_token": "forged", "name": "x"})
    assert r.status_code == 403


def test_the_own_profile_form_saves_a_new_version_and_checks_its_token(client):
    csrf_cookie = _login(client, "bidder.gy")
    assert csrf_cookie
    page = client.get("/entities/mine").text
    token_value = page.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post(
        "/entities/mine/profile",
        data={"csrf_token": token_value, "legal_contact": "新经办", "reason": "人员变动", "expected_version": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "已保存" in client.get(r.headers["location"]).text
    bad = client.post("/entities/mine/profile", data={"csrf_token": "x", "legal_contact": "另一人"})
    assert bad.status_code == 403
    q = client.post(
        "/entities/mine/qualifications",
        data={"csrf_token": token_value, **{k: v for k, v in QUAL.items()}},
        follow_redirects=False,
    )
    assert q.status_code == 303 and "D152019999" in client.get("/entities/mine").text
