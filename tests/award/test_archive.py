"""The archive bundle verifies offline, and fails after one byte of any file in it changes."""

from __future__ import annotations

import io
import zipfile

import pytest
from typer.testing import CliRunner

from ggzy.award import archive, service
from ggzy.cli import app
from ggzy.kit.blobs import BlobStore

from .conftest import at


@pytest.fixture
def bundle(session, platform, reported) -> bytes:
    t = reported
    service.publish_publicity(
        session, actor=t.tenderee_actor, now=at("2026-11-26"), entity_id=t.tenderee.id, section_code=t.code
    )
    service.decide_award(
        session,
        actor=t.tenderee_actor,
        now=at("2026-12-01"),
        key=platform.key,
        entity_id=t.tenderee.id,
        section_code=t.code,
    )
    return archive.export(
        session,
        section_code=t.code,
        key=platform.key,
        now=at("2026-12-02"),
        blobs=BlobStore(platform.settings.blob_dir),
    )


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _rezip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)
    return out.getvalue()


def test_the_bundle_holds_every_artefact_and_verifies(bundle, platform):
    names = set(_members(bundle))
    assert {"manifest.json", "manifest.json.p7s", "platform-cert.pem", "audit/events.jsonl"} <= names
    assert {"announcements/v1.json", "announcements/v1.sig", "award/evaluation_report.json"} <= names
    assert sum(n.startswith("award/notices/") and n.endswith(".pdf") for n in names) == 3
    report = archive.verify(bundle, cert=platform.key.certificate, now=at("2026-12-02"))
    assert report.ok, report.problems
    events = _members(bundle)["audit/events.jsonl"].decode()
    assert "award:result:notify" in events and "projects:" in events


def test_changing_one_byte_of_any_file_fails_verification(bundle, platform):
    members = _members(bundle)
    for name, content in members.items():
        changed = dict(members)
        changed[name] = bytes([content[0] ^ 1]) + content[1:]
        report = archive.verify(_rezip(changed), cert=None, now=at("2026-12-02"))
        assert not report.ok, f"a changed {name} went unnoticed"


def test_an_added_file_fails_and_a_foreign_certificate_is_not_trusted(bundle, platform):
    members = _members(bundle)
    assert not archive.verify(_rezip({**members, "extra.txt": b"x"}), cert=None, now=at("2026-12-02")).ok
    from ggzy.kit.signing import load_or_create_platform_key

    other = load_or_create_platform_key(platform.settings.data_dir / "other-key", now=at("2026-11-01"), name="他人")
    assert not archive.verify(bundle, cert=other.certificate, now=at("2026-12-02")).ok


def test_the_cli_verifies_with_exit_0_and_refuses_with_exit_1(bundle, platform, tmp_path):
    good, bad, cert = tmp_path / "a.zip", tmp_path / "b.zip", tmp_path / "cert.pem"
    good.write_bytes(bundle)
    members = _members(bundle)
    members["award/evaluation_report.json"] = members["award/evaluation_report.json"] + b" "
    bad.write_bytes(_rezip(members))
    cert.write_text(platform.key.cert_pem())
    runner = CliRunner()
    ok = runner.invoke(app, ["archive", "verify", str(good), "--cert", str(cert)])
    assert ok.exit_code == 0, ok.output
    failed = runner.invoke(app, ["archive", "verify", str(bad)])
    assert failed.exit_code == 1 and "evaluation_report.json" in failed.output


def test_the_archive_route_is_for_center_staff_and_regulators_only(client, headers, reported):
    url = f"/api/v1/sections/{reported.code}/archive"
    assert client.get(url).status_code == 401
    for who in ("tenderee.gy", "bidder.gy", "expert.one", "zy.staff"):
        assert client.get(url, headers=headers(who)).status_code == 403, who
    for who in ("gy.staff", "reg.housing"):
        r = client.get(url, headers=headers(who))
        assert r.status_code == 200 and r.headers["content-type"] == "application/zip", who
