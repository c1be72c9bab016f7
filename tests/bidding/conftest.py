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

from ggzy.auth.service import get_account, principal_of
from ggzy.authz.scope import require
from ggzy.centers.service import nodes
from ggzy.demo import DEMO_PASSWORD, seed_demo_certificates
from ggzy.deposits.models import Guarantee, GuaranteeIssuer
from ggzy.kit.actor import SYSTEM, Actor
from ggzy.kit.clock import SHANGHAI
from ggzy.projects import service as projects
from ggzy.projects.models import Section
from ggzy.registry.models import Entity

DOCS_FROM = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
DOCS_UNTIL = dt.datetime(2026, 11, 9, 17, 0, tzinfo=SHANGHAI)
DEADLINE = dt.datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI)
FORM = {"price_fen": 48_000_000_00, "duration_days": 365, "quality": "合格", "key_terms": {"项目经理": "张工"}}


@dataclass
class Tender:
    section: Section
    code: str


def entity_of(session, username: str) -> Entity:
    e = session.get(Entity, get_account(session, username).entity_id)
    assert e is not None
    return e


def publish_section(session, clock, platform, *, deposit_fen: int = 0, name: str = "加密投标示例工程") -> Section:
    tenderee = entity_of(session, "tenderee.gy")
    actor = Actor(get_account(session, "tenderee.gy").id, "贵阳招标人经办", "tenderee", None, "10.0.0.1")
    now = clock.now()
    p = projects.create_project(
        session,
        actor=actor,
        now=now,
        acting_entity_id=tenderee.id,
        center_code="GY",
        name=name,
        transaction_type="construction",
    )
    tp = projects.add_tender_project(
        session,
        actor=actor,
        now=now,
        entity_id=tenderee.id,
        project_code=p.code,
        name=name + "施工",
        rule_set_key="construction.open/2019",
        estimate_fen=50_000_000_00,
    )
    s = projects.add_section(
        session,
        actor=actor,
        now=now,
        entity_id=tenderee.id,
        tender_project_code=tp.code,
        name="一标段",
        estimate_fen=50_000_000_00,
    )
    forms = frozenset({"bank_guarantee"}) if deposit_fen else frozenset()
    terms = [projects.SectionTerms(s.code, DOCS_FROM, DOCS_UNTIL, DEADLINE, deposit_fen, forms)]
    a = projects.draft_announcement(
        session,
        actor=actor,
        now=now,
        entity_id=tenderee.id,
        tender_project_code=tp.code,
        title=name + "招标公告",
        body="正文",
        terms=terms,
    )
    projects.submit_announcement(
        session, actor=actor, now=now, entity_id=tenderee.id, tender_project_code=tp.code, version=a.version
    )
    staff = principal_of(session, get_account(session, "gy.staff"))
    projects.publish_announcement(
        session,
        actor=actor,
        now=now,
        scope=require(staff, "center:project:review", nodes(session)),
        key=platform.key,
        tender_project_code=tp.code,
        version=a.version,
        publish_key=f"pub-{s.code}",
    )
    session.commit()
    return s


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
    directory = tmp_path / "certs"
    seed_demo_certificates(session, actor=SYSTEM, now=clock.now(), directory=directory)
    session.commit()
    return directory


@pytest.fixture
def tender(session, clock, platform, certs) -> Tender:
    s = publish_section(session, clock, platform)
    return Tender(s, s.code)


def token(client, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/tokens", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 201, r.text
    return {"authorization": f"Bearer {r.json()['token']}"}


def key_and_cert(certs: Path, username: str) -> tuple[Path, Path]:
    return certs / f"{username}.key.pem", certs / f"{username}.cert.pem"


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
