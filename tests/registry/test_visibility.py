"""No private field in any public response or page: for every public route of the registry."""

from __future__ import annotations

import pytest

from ggzy.registry.seed import DEMO_ENTITIES
from support import token

from .helpers import PERSON_ID, PRIVATE_VALUES, USCC, registration

DEMO_PRIVATE = tuple(
    str(e["fields"][k])  # type: ignore[index]
    for e in DEMO_ENTITIES
    for k in ("represent_id_card", "represent_phone", "legal_contact_phone", "legal_email", "legal_contact")
)
PRIVATE_KEYS = ("id_card", "represent_id_card", "represent_phone", "legal_contact", "legal_email", "reg_capital")


@pytest.fixture
def entity_id(client) -> int:
    r = client.post("/api/v1/entities", json=registration())
    assert r.status_code == 201, r.text
    eid = r.json()["entity"]["id"]
    body = {
        "kind": "violation",
        "center": "GY",
        "title": "提供虚假材料",
        "reason": "投标文件中的业绩证明不实。",
        "government": "贵阳市住房和城乡建设局",
        "document_code": "筑建罚〔2026〕3号",
        "record_date": "2026-10-30",
        "confined_start": "2026-11-01T00:00:00+08:00",
    }
    assert client.post(
        f"/api/v1/entities/{eid}/credit-records", json=body, headers=token(client, "gy.staff")
    ).is_success
    return eid


def _public_routes(eid: int) -> list[str]:
    return (
        [
            "/api/v1/entities",
            "/api/v1/entities?q=清镇",
            f"/api/v1/entities?code={USCC}",
            "/api/v1/entities?region=520100&role=bidder",
            f"/api/v1/entities/{eid}",
            "/entities",
            "/entities?q=示范",
            f"/entities?code={USCC}",
            f"/entities/{eid}",
            "/entities/register",
        ]
        + [f"/api/v1/entities/{i}" for i in (1, 2, 3)]
        + [f"/entities/{i}" for i in (1, 2, 3)]
    )


def test_no_public_route_shows_an_id_number_a_phone_or_a_contact(client, entity_id):
    client.cookies.clear()
    for path in _public_routes(entity_id):
        r = client.get(path)
        assert r.status_code == 200, path
        for secret in PRIVATE_VALUES + DEMO_PRIVATE:
            assert secret not in r.text, f"{path} shows {secret}"
        if path.startswith("/api/"):
            for key in PRIVATE_KEYS:
                assert f'"{key}' not in r.text, f"{path} has the field {key}"


def test_the_public_directory_lists_the_entity_with_its_code_and_credit_record(client, entity_id):
    found = client.get(f"/api/v1/entities?code={USCC}").json()["items"]
    assert [e["id"] for e in found] == [entity_id]
    assert found[0]["legal_code"] == USCC and found[0]["registered_center"] == "GY-QZ"
    assert [c["document_code"] for c in found[0]["credit_records"]] == ["筑建罚〔2026〕3号"]
    page = client.get(f"/entities/{entity_id}").text
    assert USCC in page and "筑建罚〔2026〕3号" in page and "完整登记信息" not in page


def test_a_bidder_of_another_entity_sees_only_the_public_shape(client, entity_id):
    for who in ("bidder.zy", "tenderee.gy", "expert.one"):
        body = client.get(f"/api/v1/entities/{entity_id}", headers=token(client, who)).text
        assert not any(secret in body for secret in PRIVATE_VALUES), who


@pytest.mark.parametrize("who", ["qz.jingban", "gy.staff", "zy.staff", "reg.housing", "admin"])
def test_own_accounts_staff_and_regulators_read_the_full_record(client, entity_id, who):
    headers = (
        token(client, who)
        if who != "qz.jingban"
        else {
            "authorization": "Bearer "
            + client.post("/api/v1/auth/tokens", json={"username": who, "password": "Strong-pass-2026"}).json()["token"]
        }
    )
    full = client.get(f"/api/v1/entities/{entity_id}", headers=headers).json()
    assert full["represent_id_card"] == registration()["represent_id_card"]
    assert full["credit_records"][0]["center"] == "GY"


def test_a_natural_person_is_not_listed_and_does_not_exist_for_the_public(client):
    body = registration(
        "li.si", kind="natural_person", uscc=None, id_card=PERSON_ID, name="李四", represent_id_card=None
    )
    body["kind"] = "natural_person"
    r = client.post("/api/v1/entities", json=body)
    assert r.status_code == 201, r.text
    eid = r.json()["entity"]["id"]
    assert r.json()["entity"]["id_card"] == PERSON_ID  # the registrant sees its own record
    assert eid not in [e["id"] for e in client.get("/api/v1/entities?limit=500").json()["items"]]
    assert client.get(f"/api/v1/entities/{eid}").status_code == 404
    assert client.get(f"/entities/{eid}").status_code == 404
    assert "李四" not in client.get("/entities").text
    assert client.get(f"/api/v1/entities/{eid}", headers=token(client, "gy.staff")).json()["id_card"] == PERSON_ID


def test_a_refused_registration_page_does_not_echo_an_id_number(client):
    client.get("/entities/register")
    csrf = client.cookies.get("ggzy_csrf")
    form = {
        "csrf_token": csrf,
        "kind": "natural_person",
        "center": "GY",
        "name": "王五",
        "id_card": "110105194912310021",
        "region_code": "110105",
        "roles": "bidder",
        "username": "wang.wu",
        "display_name": "王五",
        "password": "Strong-pass-2026",
        "password2": "Strong-pass-2026",
    }
    r = client.post("/entities/register", data=form)
    assert r.status_code == 422 and "应为 X" in r.text and "110105194912310021" not in r.text
