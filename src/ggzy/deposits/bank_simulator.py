"""A simulated deposit bank for the demo province: its ECDSA key and certificate live in the data directory,
it is registered like any real bank, and it posts signed arrival notifications to the platform's real HTTP
endpoint (``ggzy bank pay``). Nothing here is used by the platform itself to accept a payment."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DEMO_BANK_CODE = "DEMOBANK"
DEMO_BANK_NAME = "示范银行贵阳分行（模拟）"
DEMO_BANK_PREFIX = "621700"


class SimulatedBank:
    def __init__(self, folder: Path, *, now: dt.datetime, code: str = DEMO_BANK_CODE):
        self.code = code
        key_path, cert_path = folder / "bank-key.pem", folder / "bank-cert.pem"
        if key_path.exists() and cert_path.exists():
            self.key = serialization.load_pem_private_key(key_path.read_bytes(), None)
            self.cert_pem = cert_path.read_text()
            return
        folder.mkdir(parents=True, exist_ok=True)
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{code} 到账通知签名（模拟）")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .sign(self.key, hashes.SHA256())
        )
        key_path.write_bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        key_path.chmod(0o600)
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
        cert_path.write_text(self.cert_pem)

    def notification(
        self,
        *,
        account_number: str,
        amount_fen: int,
        payer_name: str,
        payer_account: str,
        now: dt.datetime,
        notification_id: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers of one signed arrival notification."""
        body = json.dumps(
            {
                "notification_id": notification_id or uuid.uuid4().hex,
                "account_number": account_number,
                "amount_fen": amount_fen,
                "payer_name": payer_name,
                "payer_account": payer_account,
                "booked_at": now.isoformat(),
                "sent_at": now.isoformat(),
            },
            ensure_ascii=False,
        ).encode()
        signature = self.key.sign(body, ec.ECDSA(hashes.SHA256()))
        return body, {
            "content-type": "application/json",
            "X-Bank-Id": self.code,
            "X-Bank-Signature": base64.b64encode(signature).decode(),
        }
