"""A simulated deposit bank for the demo province: its ECDSA key and certificate live in the data directory,
it is registered like any real bank, and it posts signed arrival notifications to the platform's real HTTP
endpoint (``ggzy bank pay``). It also plays the bank's front-end machine for money going out: it fetches its
transfer orders with a signed request, checks the platform's signature on them, and confirms each one with a
signed settlement (``ggzy bank settle``). Nothing here is used by the platform itself to accept a payment."""

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

from ggzy.deposits.policies import fetch_message
from ggzy.kit.errors import GgzyError

DEMO_BANK_CODE = "DEMOBANK"
DEMO_BANK_NAME = "示范银行贵阳分行（模拟）"
DEMO_BANK_PREFIX = "621700"
SETTLE_PATH = "/api/v1/bank/transfer-settlements"


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
        return body, {"content-type": "application/json", **self._signed(body)}

    def _signed(self, body: bytes) -> dict[str, str]:
        signature = self.key.sign(body, ec.ECDSA(hashes.SHA256()))
        return {"X-Bank-Id": self.code, "X-Bank-Signature": base64.b64encode(signature).decode()}

    def fetch_headers(self, now: dt.datetime) -> dict[str, str]:
        """The headers of a signed fetch of our transfer orders (GET ``FETCH_PATH``) at ``now``."""
        timestamp = now.isoformat()
        return {"X-Bank-Timestamp": timestamp, **self._signed(fetch_message(timestamp))}

    def read_orders(self, content: bytes, signature: str, platform_cert_pem: bytes, now: dt.datetime) -> list[dict]:
        """The orders of a fetched document, after checking the platform's detached CMS signature (X-Signature)
        against the platform certificate we hold — never one the answer itself brings."""
        from ggzy.pki.certs import load_certificate
        from ggzy.pki.cms import verify_detached
        from ggzy.pki.validation import TrustedCA, TrustList

        trust = TrustList([TrustedCA(load_certificate(platform_cert_pem))], require_revocation=False)
        try:
            verdict = verify_detached(base64.b64decode(signature, validate=True), content, trust=trust, now=now)
        except (ValueError, GgzyError) as exc:
            raise GgzyError(f"转账指令文件的平台签名无法解析（{exc}）：不予办理。", code="bank.bad_orders") from None
        if not verdict.valid:
            raise GgzyError(f"转账指令文件的平台签名无效（{verdict.message}）：不予办理。", code="bank.bad_orders")
        document = json.loads(content)
        if document.get("bank") != self.code:
            raise GgzyError(f"转账指令文件是发给 {document.get('bank')} 的，不是本行。", code="bank.bad_orders")
        return list(document["orders"])

    def settlement(
        self,
        *,
        key: str,
        amount_fen: int,
        now: dt.datetime,
        failure: str | None = None,
        bank_reference: str | None = None,
        settlement_id: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers of one signed settlement: paid (with our reference), or failed with ``failure``."""
        payload = {
            "settlement_id": settlement_id or uuid.uuid4().hex,
            "key": key,
            "status": "failed" if failure else "settled",
            "bank_reference": bank_reference or ("" if failure else f"{self.code}{now:%Y%m%d}{uuid.uuid4().hex[:10]}"),
            "amount_fen": amount_fen,
            "settled_at": now.isoformat(),
        }
        if failure:
            payload["failure"] = failure
        body = json.dumps(payload, ensure_ascii=False).encode()
        return body, {"content-type": "application/json", **self._signed(body)}
