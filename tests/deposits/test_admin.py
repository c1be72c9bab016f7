"""Banks and issuers are registered by the platform administrator only; RSA banks sign too; withdrawal refunds."""

from __future__ import annotations

import base64
import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from ggzy.deposits import service as deposits
from support import entity_of

from .bank import SimulatedBank
from .conftest import DEPOSIT


def test_only_the_platform_admin_registers_and_lists_banks_and_issuers(client, clock, headers):
    bank = SimulatedBank(client, clock, code="B2", prefix="62280")
    body = {"code": "B2", "name": "银行二", "account_prefix": "62280", "cert_pem": bank.cert_pem}
    for who in ("gy.staff", "gz.admin", "bidder.gy", "tenderee.gy", "reg.housing"):
        assert client.post("/api/v1/admin/banks", headers=headers(who), json=body).status_code == 403, who
        assert client.get("/api/v1/admin/guarantee-issuers", headers=headers(who)).status_code == 403, who
    assert client.post("/api/v1/admin/banks", headers=headers("admin"), json=body).status_code == 201
    again = client.post("/api/v1/admin/banks", headers=headers("admin"), json=body)
    assert again.status_code == 409 and again.json()["code"] == "deposits.bank_exists"
    listed = client.get("/api/v1/admin/banks", headers=headers("admin")).json()["items"]
    assert [b["code"] for b in listed] == ["B2"] and "cert_pem" not in listed[0]
    bad = client.post("/api/v1/admin/banks", headers=headers("admin"), json={**body, "code": "B3", "cert_pem": "x"})
    assert bad.status_code == 422 and bad.json()["code"] == "deposits.bad_certificate"
    short = client.post(
        "/api/v1/admin/banks", headers=headers("admin"), json={**body, "code": "B4", "account_prefix": "6a"}
    )
    assert short.status_code == 422 and short.json()["code"] == "deposits.bad_prefix"
    issuer = {"code": "I1", "name": "出具机构", "form": "cash"}
    assert client.post("/api/v1/admin/guarantee-issuers", headers=headers("admin"), json=issuer).status_code == 422


def test_a_bank_with_an_rsa_certificate_signs_its_notifications_too(client, clock, headers, tender):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "RSA 银行")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(clock.now() - dt.timedelta(days=1))
        .not_valid_after(clock.now() + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    bank = SimulatedBank(client, clock, code="RSABANK", prefix="955880")
    bank.cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    bank.register(headers("admin"))
    number = client.get(f"/api/v1/sections/{tender.section.code}/deposit", headers=headers("bidder.zy")).json()
    body = bank.body(number["account"]["number"], DEPOSIT)
    sig = base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()
    r = bank.post(body, signature=sig)
    assert r.status_code == 201 and r.json()["status"] == "received"
    assert bank.post(body, signature=bank.sign(body)).status_code == 403  # an ECDSA key is not this bank's


def test_a_notification_signed_with_an_expired_certificate_is_refused(client, clock, headers, tender, bank):
    number = client.get(f"/api/v1/sections/{tender.section.code}/deposit", headers=headers("bidder.zy")).json()
    clock.advance(days=366)
    r = bank.notify(number["account"]["number"], DEPOSIT)
    assert r.status_code == 403 and r.json()["code"] == "deposits.certificate_expired"


def test_a_withdrawing_bidder_is_refunded_within_five_days_and_the_others_are_not(
    client, session, clock, headers, tender, bank
):
    for who in ("bidder.zy", "bidder.gy"):
        n = client.get(f"/api/v1/sections/{tender.section.code}/deposit", headers=headers(who)).json()
        bank.notify(n["account"]["number"], DEPOSIT)
    zy = entity_of(session, "bidder.zy")
    (refund,) = deposits.schedule_refunds(session, tender.section, "withdrawal", clock.now(), only_entity_id=zy.id)
    assert refund.rule_id == "T-10" and refund.interest_fen == 0 and refund.entity_id == zy.id
    assert deposits.deposit_status(session, tender.section.id, entity_of(session, "bidder.gy").id) == "received"
