"""A published construction section of the demo tenderee (贵阳) with its opening key; the demo bidders with
bound CA certificates (bidder.gy RSA, bidder.zy ECDSA) and their keys on disk; helpers to build envelopes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from ggzy.deposits.models import Guarantee, GuaranteeIssuer
from ggzy.projects.models import Section
from support import demo_certificates, entity_of, publish_section

FORM = {"price_fen": 48_000_000_00, "duration_days": 365, "quality": "合格", "key_terms": {"项目经理": "张工"}}


@dataclass
class Tender:
    section: Section
    code: str


def give_guarantee(session, section: Section, username: str, now: dt.datetime) -> None:
    issuer = GuaranteeIssuer(code="TESTBANK", name="测试银行", form="bank_guarantee", created_at=now)
    session.add(issuer)
    session.flush()
    entity = entity_of(session, username)
    session.add(
        Guarantee(
            issuer_id=issuer.id,
            guarantee_no=f"G-{username}",
            section_id=section.id,
            entity_id=entity.id,
            center_id=section.center_id,
            form="bank_guarantee",
            amount_fen=section.deposit_fen,
            valid_until=now + dt.timedelta(days=200),
            status="received",
            record_sha256="0" * 64,
            verified_at=now,
        )
    )
    session.commit()


@pytest.fixture
def certs(session, clock, tmp_path) -> Path:
    """The demo CAs on the trust list and the demo bidders' certificates bound; key files in the directory."""
    return demo_certificates(session, clock, tmp_path)


@pytest.fixture
def tender(session, clock, platform, certs) -> Tender:
    s = publish_section(session, clock, platform, name="加密投标示例工程")
    return Tender(s, s.code)


def openssl_envelope(tmp_path: Path, plaintext: bytes, *recipients: Path, cipher: str = "-aes-256-gcm") -> bytes:
    src, out = tmp_path / "plain.bin", tmp_path / "env.p7m"
    src.write_bytes(plaintext)
    args = ["openssl", "cms", "-encrypt", "-binary", cipher, "-in", str(src), "-out", str(out), "-outform", "DER"]
    for r in recipients:
        args += ["-recip", str(r)]
    subprocess.run(args, check=True, capture_output=True)
    return out.read_bytes()


def openssl_sign(tmp_path: Path, content: bytes, key: Path, cert: Path) -> bytes:
    src, out = tmp_path / "tosign.txt", tmp_path / "sig.der"
    src.write_bytes(content)
    subprocess.run(
        [
            "openssl",
            "cms",
            "-sign",
            "-binary",
            "-in",
            str(src),
            "-signer",
            str(cert),
            "-inkey",
            str(key),
            "-outform",
            "DER",
            "-out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out.read_bytes()


def upload(
    client,
    headers,
    code: str,
    data: bytes,
    *,
    chunk: int = 1000,
    declared: int | None = None,
    sha256: str | None = None,
) -> str:
    r = client.post(
        f"/api/v1/sections/{code}/uploads",
        headers=headers,
        json={"size": declared or len(data), "sha256": sha256 or hashlib.sha256(data).hexdigest()},
    )
    assert r.status_code == 201, r.text
    tok = r.json()["upload"]
    size = declared or len(data)
    for start in range(0, len(data), chunk):
        part = data[start : start + chunk]
        r = client.put(
            f"/api/v1/sections/{code}/uploads/{tok}",
            headers={**headers, "content-range": f"bytes {start}-{start + len(part) - 1}/{size}"},
            content=part,
        )
        assert r.status_code == 200, r.text
    return tok


def complete(client, headers, code: str, tok: str, signature: bytes):
    return client.post(
        f"/api/v1/sections/{code}/uploads/{tok}/complete",
        headers=headers,
        json={"signature": base64.b64encode(signature).decode()},
    )


def opening_pem(client, code: str, tmp_path: Path) -> Path:
    r = client.get(f"/api/v1/sections/{code}/opening-key.pem")
    assert r.status_code == 200, r.text
    path = tmp_path / f"opening-{code}.pem"
    path.write_bytes(r.content)
    return path


def receipt_of(response) -> dict:
    body = response.json()
    return json.loads(body["receipts"][-1]["content"])
