"""Page login with CSRF protection, sessions by cookie, logout."""

from __future__ import annotations

from ggzy.demo import DEMO_PASSWORD


def _csrf(client) -> str:
    client.get("/login")
    return client.cookies.get("ggzy_csrf")


def test_a_staff_member_logs_in_and_sees_their_name(client):
    csrf = _csrf(client)
    r = client.post(
        "/login",
        data={"username": "gy.staff", "password": DEMO_PASSWORD, "csrf_token": csrf, "next": "/centers"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/centers"
    assert "贵阳中心工作人员" in client.get("/").text


def test_a_login_without_the_form_token_is_refused(client):
    _csrf(client)
    r = client.post("/login", data={"username": "gy.staff", "password": DEMO_PASSWORD, "csrf_token": "x"})
    assert r.status_code == 403 and "CSRF" in r.text


def test_a_wrong_password_shows_the_form_again_with_the_reason(client):
    csrf = _csrf(client)
    r = client.post("/login", data={"username": "gy.staff", "password": "nope", "csrf_token": csrf})
    assert r.status_code == 401 and "用户名或密码错误" in r.text


def test_login_never_redirects_to_another_site(client):
    csrf = _csrf(client)
    r = client.post(
        "/login",
        data={"username": "gy.staff", "password": DEMO_PASSWORD, "csrf_token": csrf, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_a_cookie_session_must_echo_its_csrf_token_on_api_writes(client):
    csrf = _csrf(client)
    client.post("/login", data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": csrf})
    body = {"code": "KB8", "name": "开标室8", "kind": "opening", "seats": ["A1"]}
    assert client.post("/api/v1/centers/GY/venues", json=body).status_code == 403


def test_logout_ends_the_session(client):
    csrf = _csrf(client)
    client.post("/login", data={"username": "gy.staff", "password": DEMO_PASSWORD, "csrf_token": csrf})
    page = client.get("/").text
    form_token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/logout", data={"csrf_token": form_token}, follow_redirects=False).status_code == 303
    assert "贵阳中心工作人员" not in client.get("/").text


def test_a_page_that_needs_a_login_sends_the_person_to_the_login_form_and_back(client):
    assert client.get("/api/v1/me").status_code == 401  # the API keeps answering 401 with JSON
    r = client.get("/workspace", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fworkspace"
    csrf = _csrf(client)
    back = client.post(
        "/login",
        data={"username": "tenderee.gy", "password": DEMO_PASSWORD, "csrf_token": csrf, "next": "/workspace"},
        follow_redirects=False,
    )
    assert back.headers["location"] == "/workspace"
    assert client.get("/workspace").status_code == 200
