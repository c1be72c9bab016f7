"""A simulated deposit bank: its own ECDSA P-256 key and certificate, registered by the platform admin, posting
signed arrival notifications to the real HTTP endpoint through the TestClient. And a simulated insurer whose
record the platform queries through the issuer verification interface."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ggzy.deposits.policies import IssuerRecord


def make_cert(name: str, now: dt.datetime) -> tuple[ec.EllipticCurvePrivateKey, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM).decode()


class SimulatedBank:
    def __init__(self, client, clock, *, code: str = "SIMBANK", prefix: str = "621700", rate_bp: int = 0):
        self.client, self.clock, self.code, self.prefix, self.rate_bp = client, clock, code, prefix, rate_bp
        self.key, self.cert_pem = make_cert(f"{code} 通知签名", clock.now())

    def register(self, admin_headers: dict[str, str]) -> None:
        r = self.client.post(
            "/api/v1/admin/banks",
            headers=admin_headers,
            json={
                "code": self.code,
                "name": "模拟银行贵阳分行",
                "account_prefix": self.prefix,
                "cert_pem": self.cert_pem,
                "demand_rate_bp": self.rate_bp,
            },
        )
        assert r.status_code == 201, r.text

    def body(self, account_number: str, amount_fen: Any, **over: Any) -> bytes:
        now = self.clock.now()
        payload = {
            "notification_id": uuid.uuid4().hex,
            "account_number": account_number,
            "amount_fen": amount_fen,
            "payer_name": "遵义汇川示范路桥工程有限公司",
            "payer_account": "52001234567890000001",
            "booked_at": (now - dt.timedelta(minutes=1)).isoformat(),
            "sent_at": now.isoformat(),
        }
        payload.update(over)
        return json.dumps(payload, ensure_ascii=False).encode()

    def sign(self, body: bytes, key: ec.EllipticCurvePrivateKey | None = None) -> str:
        return base64.b64encode((key or self.key).sign(body, ec.ECDSA(hashes.SHA256()))).decode()

    def post(self, body: bytes, *, signature: str | None = "sign", bank_id: str | None = None):
        headers = {"content-type": "application/json"}
        if bank_id is not False:
            headers["x-bank-id"] = bank_id or self.code
        if signature == "sign":
            signature = self.sign(body)
        if signature is not None:
            headers["x-bank-signature"] = signature
        return self.client.post("/api/v1/bank/notifications", content=body, headers=headers)

    def notify(self, account_number: str, amount_fen: int, **over: Any):
        return self.post(self.body(account_number, amount_fen, **over))


class SimulatedInsurer:
    """The issuer's own record of guarantees, answered through ggzy.deposits.issuers."""

    def __init__(self, code: str = "SIMINS"):
        self.code = code
        self.records: dict[str, IssuerRecord] = {}

    def issue(self, no: str, *, applicant: str, section: str, amount_fen: int, until: dt.datetime, state="valid"):
        self.records[no] = IssuerRecord(no, applicant, section, amount_fen, until, state)

    def __call__(self, guarantee_no: str) -> IssuerRecord | None:
        return self.records.get(guarantee_no)
