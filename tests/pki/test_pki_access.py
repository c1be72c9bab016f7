"""Every new route and page, for the allowed persona and for outsiders (public, bidder, regulator, center staff)."""

from __future__ import annotations

import re

import pytest
from trustdb import load_trust, sign

from ggzy.demo import DEMO_PASSWORD
from support import token

OUTSIDERS = [(None, 401), ("bidder.gy", 403), ("reg.housing", 403), ("gy.staff", 403)]


def page_login(client, username: str) -> str:
    """Log in through the password form; returns the page CSRF token of the session."""
    client.get("/login")
    csrf = client.cookies.get("ggzy_csrf")
    r = client.post(
        "/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    html = client.get("/me/certificates").text
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("path", ["/login/certificate", "/api/v1/trust"])
def test_public_routes_need_no_login(client, path):
    assert client.get(path).status_code == 200
    assert client.post("/api/v1/auth/challenge").status_code == 200


@pytest.mark.parametrize("who,status", OUTSIDERS)
def test_only_the_platform_admin_manages_the_trust_list(client, material, who, status):
    h = token(client, who) if who else {}
    files = {"certificate": ("ca.pem", material.read("ec-ca.pem"))}
    assert client.post("/api/v1/trust", data={"name": "x"}, files=files, headers=h).status_code == status
    assert client.delete("/api/v1/trust/x", headers=h).status_code == status
    assert client.post("/api/v1/trust/x/crl", headers=h).status_code == status
    page = client.get("/admin/trust", headers=h, follow_redirects=False)
    # The page sends an anonymous visitor to the login form; the API answers 401.
    assert page.status_code == (303 if status == 401 else status)


def test_the_platform_admin_adds_refreshes_and_removes_a_ca_over_the_api(client, material):
    h = token(client, "admin")
    files = {"certificate": ("ca.pem", material.read("ec-ca.pem")), "crl": ("ca.crl", material.read("ec-ca.crl"))}
    r = client.post("/api/v1/trust", data={"name": "EC", "provider": "测试"}, files=files, headers=h)
    assert r.status_code == 201 and r.json()["crl_source"] == "file", r.text
    fp = r.json()["fingerprint"]
    bad = client.post(f"/api/v1/trust/{fp}/crl", files={"crl": ("x.crl", material.read("rsa-ca.crl"))}, headers=h)
    assert bad.status_code == 422 and bad.json()["code"] == "pki.crl_bad_issuer"
    assert [c["name"] for c in client.get("/api/v1/trust").json()] == ["EC"]
    assert client.get("/admin/trust", headers=h).status_code == 200
    assert client.delete(f"/api/v1/trust/{fp}", headers=h).json()["status"] == "removed"
    assert client.get("/api/v1/trust").json() == []


@pytest.mark.parametrize("path", ["/api/v1/me/certificates"])
def test_my_certificates_need_a_login(client, path):
    assert client.get(path).status_code == 401
    assert client.post("/api/v1/me/certificates/challenge").status_code == 401
    assert client.post("/api/v1/me/certificates", json={}).status_code == 401
    assert client.delete("/api/v1/me/certificates/abc").status_code == 401
    assert client.get("/me/certificates", follow_redirects=False).status_code == 303


def test_an_account_cannot_unbind_another_accounts_certificate(client, session, material, clock, tmp_path):
    load_trust(session, material, clock.now())
    owner = token(client, "bidder.gy")
    ch = client.post("/api/v1/me/certificates/challenge", headers=owner).json()["challenge"]
    sig = sign(material, tmp_path, ch, "ec-leaf", "ec-leaf", "cms")
    r = client.post("/api/v1/me/certificates", data={"challenge": ch}, files={"signature": ("s", sig)}, headers=owner)
    assert r.status_code == 201, r.text
    fp = r.json()["fingerprint"]
    assert client.delete(f"/api/v1/me/certificates/{fp}", headers=token(client, "bidder.zy")).status_code == 404
    # A binding challenge of one account does not work for another.
    other = token(client, "bidder.zy")
    r = client.post("/api/v1/me/certificates", data={"challenge": ch}, files={"signature": ("s", sig)}, headers=other)
    assert r.status_code == 401 and r.json()["code"] == "auth.challenge_wrong_purpose"
    assert client.delete(f"/api/v1/me/certificates/{fp}", headers=owner).status_code == 204


def test_the_pages_bind_and_log_in_with_a_certificate(client, session, material, clock, tmp_path):
    load_trust(session, material, clock.now())
    csrf = page_login(client, "bidder.zy")
    html = client.get("/me/certificates").text
    ch = re.search(r'<code id="challenge">([^<]+)</code>', html).group(1)
    sig = sign(material, tmp_path, ch, "sm2-leaf", "sm2-leaf", "raw")
    files = {"certificate": ("c.pem", material.read("sm2-leaf.pem")), "signature": ("s.sig", sig)}
    r = client.post("/me/certificates", data={"challenge": ch, "csrf_token": csrf}, files=files, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "王五" in client.get("/me/certificates").text
    client.cookies.clear()
    form = client.get("/login/certificate").text
    ch = re.search(r'<code id="challenge">([^<]+)</code>', form).group(1)
    assert "openssl dgst -sm3" in form
    sig = sign(material, tmp_path, ch, "sm2-leaf", "sm2-leaf", "raw")
    files = {"certificate": ("c.pem", material.read("sm2-leaf.pem")), "signature": ("s.sig", sig)}
    csrf = client.cookies.get("ggzy_csrf")
    r = client.post(
        "/login/certificate", data={"challenge": ch, "csrf_token": csrf}, files=files, follow_redirects=False
    )
    assert r.status_code == 303 and "ggzy_session" in r.cookies
    assert "遵义投标人经办" in client.get("/").text


def test_a_refused_certificate_on_the_login_page_shows_the_reason(client, material, session, clock, tmp_path):
    load_trust(session, material, clock.now())
    form = client.get("/login/certificate").text
    ch = re.search(r'<code id="challenge">([^<]+)</code>', form).group(1)
    sig = sign(material, tmp_path, ch, "rsa-revoked", "rsa-leaf", "cms")
    csrf = client.cookies.get("ggzy_csrf")
    r = client.post("/login/certificate", data={"challenge": ch, "csrf_token": csrf}, files={"signature": ("s", sig)})
    assert r.status_code == 401 and "吊销时间：2026-03-01 08:00:00 北京时间" in r.text
    r = client.post(
        "/login/certificate", data={"challenge": ch, "csrf_token": "forged"}, files={"signature": ("s", sig)}
    )
    assert r.status_code == 403


def test_the_admin_page_adds_and_removes_a_ca(client, material):
    page_login(client, "admin")
    html = client.get("/admin/trust").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    files = {"certificate": ("ca.pem", material.read("sm2-ca.pem")), "crl": ("ca.crl", material.read("sm2-ca.crl"))}
    r = client.post("/admin/trust", data={"name": "SM2 CA", "csrf_token": csrf}, files=files, follow_redirects=False)
    assert r.status_code == 303
    html = client.get("/admin/trust?done=added").text
    assert "SM2 CA" in html and "CA 已加入信任列表" in html
    leaf = {"certificate": ("x.pem", material.read("sm2-leaf.pem"))}
    r = client.post("/admin/trust", data={"name": "bad", "csrf_token": csrf}, files=leaf)
    assert r.status_code == 422 and "不是 CA 证书" in r.text
    fp = client.get("/api/v1/trust").json()[0]["fingerprint"]
    r = client.post(f"/admin/trust/{fp}/remove", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and client.get("/api/v1/trust").json() == []
