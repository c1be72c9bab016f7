"""Certificate login (一证通) over the API: two CAs, two accounts, precise refusals, no replay."""

from __future__ import annotations

import base64

import pytest
from material import openssl
from trustdb import entity_account, load_trust, proof_json, sign

from ggzy.audit.models import AuditEvent


@pytest.fixture
def trusted(session, material, clock):
    load_trust(session, material, clock.now())
    return material


def challenge(client) -> str:
    r = client.post("/api/v1/auth/challenge")
    assert r.status_code == 200, r.text
    return r.json()["challenge"]


def login(client, body=None, **kw):
    return client.post("/api/v1/auth/certificate", json=body, **kw)


def test_a_county_entity_and_a_city_entity_log_in_at_the_province_with_certificates_from_different_cas(
    client, session, trusted, clock, tmp_path
):
    entity_account(session, clock.now(), "county.bidder", "GY-QZ", trusted.read("rsa-leaf.pem"))
    entity_account(session, clock.now(), "city.bidder", "ZY", trusted.read("ec-leaf.pem"))
    c1 = challenge(client)
    r1 = login(client, proof_json(c1, sign(trusted, tmp_path, c1, "rsa-leaf", "rsa-leaf", "cms")))
    c2 = challenge(client)
    sig2 = sign(trusted, tmp_path, c2, "ec-leaf", "ec-leaf", "raw")
    r2 = login(client, proof_json(c2, sig2, trusted.read("ec-leaf.pem")))
    assert r1.status_code == 201 and r2.status_code == 201, (r1.text, r2.text)
    me1 = client.get("/api/v1/me", headers={"authorization": f"Bearer {r1.json()['token']}"}).json()
    me2 = client.get("/api/v1/me", headers={"authorization": f"Bearer {r2.json()['token']}"}).json()
    assert (me1["username"], me1["home_center"]) == ("county.bidder", "GY-QZ")
    assert (me2["username"], me2["home_center"]) == ("city.bidder", "ZY")


@pytest.mark.parametrize("how", ["raw", "cms"])
def test_an_rsa_certificate_logs_in_with_a_raw_or_a_cms_signature(client, session, trusted, clock, tmp_path, how):
    entity_account(session, clock.now(), "rsa.bidder", "GY", trusted.read("rsa-leaf.pem"))
    c = challenge(client)
    r = login(
        client, proof_json(c, sign(trusted, tmp_path, c, "rsa-leaf", "rsa-leaf", how), trusted.read("rsa-leaf.pem"))
    )
    assert r.status_code == 201, r.text


def test_an_sm2_certificate_logs_in_with_openssl_dgst_and_the_standard_id(client, session, trusted, clock, tmp_path):
    entity_account(session, clock.now(), "sm2.bidder", "GY", trusted.read("sm2-leaf.pem"))
    c = challenge(client)
    r = login(
        client, proof_json(c, sign(trusted, tmp_path, c, "sm2-leaf", "sm2-leaf", "raw"), trusted.read("sm2-leaf.pem"))
    )
    assert r.status_code == 201, r.text


def test_an_sm2_signature_with_the_openssl_default_empty_id_is_refused_as_wrong_id(
    client, session, trusted, clock, tmp_path
):
    entity_account(session, clock.now(), "sm2.bidder", "GY", trusted.read("sm2-leaf.pem"))
    c = challenge(client)
    sig = sign(trusted, tmp_path, c, "sm2-leaf", "sm2-leaf", "raw-empty-id")
    r = login(client, proof_json(c, sig, trusted.read("sm2-leaf.pem")))
    assert r.status_code == 401 and r.json()["code"] == "auth.certificate.sm2_wrong_id"
    assert "标识" in r.json()["message"]


def test_an_sm2_certificate_issued_with_the_empty_id_is_refused_as_wrong_id(client, trusted, tmp_path):
    c = challenge(client)
    sig = sign(trusted, tmp_path, c, "sm2-empty-id", "sm2-leaf", "raw")
    r = login(client, proof_json(c, sig, trusted.read("sm2-empty-id.pem")))
    assert r.status_code == 401 and r.json()["detail"]["verdict"]["code"] == "sm2_wrong_id"


def test_a_revoked_certificate_is_refused_with_its_revocation_date_and_the_refusal_is_audited(
    client, session, trusted, clock, tmp_path
):
    account = entity_account(session, clock.now(), "revoked.bidder", "GY", None)
    # Bound before the revocation became known: the binding goes straight into the table.
    from ggzy.pki.certs import load_certificate
    from ggzy.pki.models import CertificateBinding

    cert = load_certificate(trusted.read("rsa-revoked.pem"))
    session.add(
        CertificateBinding(
            account_id=account.id,
            fingerprint=cert.fingerprint,
            certificate_der=cert.der,
            subject=cert.subject_text,
            issuer="x",
            serial="1",
            algorithm="rsa",
            not_after=cert.not_after,
            bound_at=clock.now(),
            bound_by="test",
        )
    )
    session.commit()
    c = challenge(client)
    r = login(client, proof_json(c, sign(trusted, tmp_path, c, "rsa-revoked", "rsa-leaf", "cms")))
    body = r.json()
    assert r.status_code == 401 and body["code"] == "auth.certificate.revoked"
    assert body["detail"]["verdict"]["revocation_date"] == "2026-03-01T00:00:00+00:00", body
    assert "吊销时间：2026-03-01 08:00:00 北京时间" in body["message"]
    from sqlalchemy import select

    tags = session.execute(select(AuditEvent.tag).where(AuditEvent.subject_id == str(account.id))).scalars().all()
    assert "pki:login:refused" in tags and "auth:token:opened" not in tags


@pytest.mark.parametrize(
    "leaf,code",
    [
        ("rsa-expired", "expired"),
        ("rsa-future", "not_yet_valid"),
        ("rsa-enc", "bad_key_usage"),
        ("loop-leaf", "unknown_ca"),
    ],
)
def test_each_refusal_names_its_precise_reason(client, trusted, tmp_path, leaf, code):
    key = "loop-leaf" if leaf == "loop-leaf" else "rsa-leaf"
    c = challenge(client)
    sig = sign(trusted, tmp_path, c, leaf, key, "raw")
    r = login(client, proof_json(c, sig, trusted.read(f"{leaf}.pem")))
    assert r.status_code == 401 and r.json()["code"] == f"auth.certificate.{code}", r.text


def test_a_valid_but_unbound_certificate_is_told_to_bind_first(client, trusted, tmp_path):
    c = challenge(client)
    r = login(client, proof_json(c, sign(trusted, tmp_path, c, "ec-leaf", "ec-leaf", "cms")))
    assert r.status_code == 401 and r.json()["code"] == "auth.certificate.unbound" and "绑定" in r.json()["message"]


def test_a_used_challenge_cannot_be_replayed(client, session, trusted, clock, tmp_path):
    entity_account(session, clock.now(), "replay.bidder", "GY", trusted.read("ec-leaf.pem"))
    c = challenge(client)
    body = proof_json(c, sign(trusted, tmp_path, c, "ec-leaf", "ec-leaf", "cms"))
    assert login(client, body).status_code == 201
    again = login(client, body)
    assert again.status_code == 401 and again.json()["code"] == "auth.challenge_used"


def test_an_expired_or_forged_challenge_is_refused(client, session, trusted, clock, tmp_path):
    entity_account(session, clock.now(), "late.bidder", "GY", trusted.read("ec-leaf.pem"))
    c = challenge(client)
    body = proof_json(c, sign(trusted, tmp_path, c, "ec-leaf", "ec-leaf", "cms"))
    clock.advance(minutes=6)
    assert login(client, body).json()["code"] == "auth.challenge_expired"
    forged = c.rsplit(":", 1)[0] + ":AAAA"
    r = login(client, proof_json(forged, sign(trusted, tmp_path, forged, "ec-leaf", "ec-leaf", "cms")))
    assert r.status_code == 401 and r.json()["code"] == "auth.challenge_invalid"


def test_a_signature_over_another_text_is_a_bad_signature(client, session, trusted, clock, tmp_path):
    entity_account(session, clock.now(), "tamper.bidder", "GY", trusted.read("ec-leaf.pem"))
    c = challenge(client)
    sig = sign(trusted, tmp_path, challenge(client), "ec-leaf", "ec-leaf", "raw")
    r = login(client, proof_json(c, sig, trusted.read("ec-leaf.pem")))
    assert r.status_code == 401 and r.json()["code"] == "auth.certificate.bad_signature"
    cms_other = sign(trusted, tmp_path, "something else", "ec-leaf", "ec-leaf", "cms")
    r = login(client, proof_json(challenge(client), cms_other))
    assert r.status_code == 401 and r.json()["code"] == "auth.certificate.digest_mismatch"


def test_multipart_uploads_work_as_with_curl(client, session, trusted, clock, tmp_path):
    entity_account(session, clock.now(), "curl.bidder", "GY", trusted.read("sm2-leaf.pem"))
    c = challenge(client)
    sig = sign(trusted, tmp_path, c, "sm2-leaf", "sm2-leaf", "raw")
    r = client.post(
        "/api/v1/auth/certificate",
        data={"challenge": c},
        files={"certificate": ("cert.pem", trusted.read("sm2-leaf.pem")), "signature": ("challenge.sig", sig)},
    )
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    "cert,status,code",
    [
        (b"-----BEGIN CERTIFICATE-----\nMIIB", 422, "pki.malformed_certificate.truncated_pem"),
        (b"\x30\x82\x05\x00\x01\x02", 422, "pki.malformed_certificate.truncated_der"),
        (b"0" * (5 * 1024 * 1024), 413, "pki.too_large"),
        (b"hello", 422, "pki.malformed_certificate.not_der"),
    ],
)
def test_bad_certificates_get_a_clear_4xx_and_write_nothing(client, session, trusted, tmp_path, cert, status, code):
    from sqlalchemy import func, select

    before = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    c = challenge(client)
    sig = sign(trusted, tmp_path, c, "ec-leaf", "ec-leaf", "raw")
    r = client.post(
        "/api/v1/auth/certificate",
        data={"challenge": c},
        files={"certificate": ("cert.pem", cert), "signature": ("challenge.sig", sig)},
    )
    assert r.status_code == status and r.json()["code"] == code, r.text
    assert session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == before
    # The challenge was not spent by the bad request.
    r = login(client, proof_json(c, sig, trusted.read("ec-leaf.pem")))
    assert r.json()["code"] == "auth.certificate.unbound"


def test_a_garbage_signature_or_body_is_a_4xx(client, trusted):
    c = challenge(client)
    r = login(client, {"challenge": c, "signature": "%%%", "certificate": "x"})
    assert r.status_code == 422 and r.json()["code"] == "input.bad_base64"
    r = client.post("/api/v1/auth/certificate", content=b"not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    bad_cms = base64.b64encode(b"\x30\x0b\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02").decode()
    r = login(client, {"challenge": c, "signature": bad_cms})
    assert r.status_code == 422 and r.json()["code"].startswith("pki.malformed_signature")


def test_a_chain_loop_is_refused_with_its_reason(client, session, material, clock, tmp_path):
    from ggzy.kit.actor import SYSTEM
    from ggzy.pki import service as pki

    for name in ("loop-a", "loop-b"):
        pki.add_ca(
            session,
            actor=SYSTEM,
            now=clock.now(),
            certificate=material.read(f"{name}.pem"),
            name=name,
            crl=material.read(f"{name}.crl"),
        )
    session.commit()
    c = challenge(client)
    sig = sign(material, tmp_path, c, "loop-leaf", "loop-leaf", "raw")
    r = login(client, proof_json(c, sig, material.read("loop-leaf.pem"), chain=openssl_chain(material)))
    assert r.status_code == 401 and r.json()["detail"]["verdict"]["code"] in ("chain_loop", "unknown_ca"), r.text


def openssl_chain(m) -> str:
    return (m.read("loop-a.pem") + m.read("loop-b.pem")).decode()


def test_material_is_openssl_made(material):
    assert b"OpenSSL" in openssl("version")
