"""E-13: once the opening record is drawn up, each bidder confirms it with its electronic signature over the
exact record bytes (made by ggzy-client or by ``openssl cms -sign``) or refuses to sign with a reason; the
answers are in the hall and the published transcript, and ``verify-opening`` checks every signature — a
confirmation forged by someone holding the platform key fails."""

from __future__ import annotations

import base64
import json
import subprocess

from sqlalchemy import select

from ggzy.audit.models import AuditEvent
from ggzy.kit.blobs import BlobStore
from ggzy.opening.models import Opening, RecordConfirmation
from ggzy.opening.verify import verify_section
from ggzy.pki.certs import load_certificate
from ggzy.pki.cms import sign_detached
from ggzy.pki.documents import sign_document
from ggzy.pki.keys import load_private_key

from .conftest import (
    bid_with_client,
    bid_with_openssl,
    client_for,
    hand_over_all,
    headers,
    sign_in_all,
    to_deadline,
    view,
)


def _recorded(client, session, hall, platform, clock, tmp_path) -> Opening:
    bid_with_client(client, hall, "bidder.gy", tmp_path)
    bid_with_openssl(client, hall, "bidder.zy", tmp_path)
    bid_with_client(client, hall, "bidder.three", tmp_path)
    to_deadline(platform, clock)
    sign_in_all(client, hall)
    r = _answer(client, hall, "bidder.gy", declined="先拒签")
    assert r.status_code == 409 and r.json()["code"] == "opening.not_recorded", r.text
    hand_over_all(client, hall)
    clock.advance(minutes=6)
    platform.chronograph.tick()
    session.expire_all()
    opening = session.execute(select(Opening).where(Opening.section_id == hall.section_id)).scalar_one()
    assert opening.status == "recorded"
    return opening


def _answer(client, hall, name, **body):
    return client.post(
        f"/api/v1/sections/{hall.code}/opening/record/confirmations", headers=headers(client, name), json=body
    )


def _sig(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_bidders_sign_or_refuse_the_record_and_the_transcript_proves_it(
    client, session, hall, platform, clock, tmp_path
):
    opening = _recorded(client, session, hall, platform, clock, tmp_path)
    url = f"/api/v1/sections/{hall.code}/opening/record"
    # the record is not public yet, but the section's bidders may read it to sign it
    assert client.get(url).status_code == 404
    record = client.get(url, headers=headers(client, "bidder.zy"))
    assert record.status_code == 200 and record.content == opening.record_json

    # ggzy-client checks the platform's signature on the record, then signs its exact bytes
    b = hall.bidders["bidder.gy"]
    with client_for(client, "bidder.gy") as c:
        c.load_identity(b.key, b.cert)
        assert c.opening_answer_record(hall.code, now=clock.now())["answer"] == "signed"
    r = _answer(client, hall, "bidder.gy", declined="改主意了")
    assert r.status_code == 409 and r.json()["code"] == "opening.already_answered"

    # bad answers from bidder.zy: each refused with what to fix, nothing written
    zy, three = hall.bidders["bidder.zy"], hall.bidders["bidder.three"]
    zy_key, zy_cert = load_private_key(zy.key.read_bytes()), load_certificate(zy.cert.read_bytes())
    other = sign_detached(
        opening.record_json, load_certificate(three.cert.read_bytes()), load_private_key(three.key.read_bytes())
    )
    cases = [
        ({}, "opening.confirmation_choice"),
        (
            {"signature": _sig(sign_detached(b"x", zy_cert, zy_key)), "declined": "两个都填"},
            "opening.confirmation_choice",
        ),
        ({"signature": _sig(sign_detached(b"another record", zy_cert, zy_key))}, "opening.bad_signature"),
        ({"signature": _sig(other)}, "opening.signer_not_bound"),
        ({"signature": "不是Base64"}, "opening.bad_base64"),
    ]
    for body, code in cases:
        r = _answer(client, hall, "bidder.zy", **body)
        assert r.status_code == 422 and r.json()["code"] == code, (body, r.text)
        assert r.json()["message"]
    # a staff member or the tenderee cannot answer for a bidder
    for name in ("gy.staff", "tenderee.gy"):
        assert _answer(client, hall, name, declined="代签").status_code == 403

    # bidder.zy signs with the plain openssl CLI: detached CMS over the downloaded bytes
    (tmp_path / "record.json").write_bytes(record.content)
    subprocess.run(
        ["openssl", "cms", "-sign", "-binary", "-in", tmp_path / "record.json", "-signer", zy.cert, "-inkey", zy.key]
        + ["-outform", "DER", "-out", tmp_path / "record.p7s"],
        check=True,
        capture_output=True,
    )
    r = _answer(client, hall, "bidder.zy", signature=_sig((tmp_path / "record.p7s").read_bytes()))
    assert r.status_code == 201 and r.json()["answer"] == "signed", r.text

    hall_view = view(client, hall, "bidder.three")
    assert [c["answer"] for c in hall_view["confirmations"]] == ["signed", "signed", "pending"]
    assert "confirmations" not in view(client, hall, None)  # the public sees them with the published record

    # bidder.three refuses and says why; then the center publishes
    r = _answer(client, hall, "bidder.three", declined="对第 2 号投标的工期有保留意见。")
    assert r.status_code == 201 and r.json()["answer"] == "declined"
    assert client.post(f"/api/v1/sections/{hall.code}/opening/confirm", headers=headers(client, "gy.staff")).is_success
    r = _answer(client, hall, "bidder.three", declined="再拒一次")
    assert r.status_code == 409 and r.json()["code"] == "opening.record_closed"

    transcript = client.get(f"/api/v1/sections/{hall.code}/opening/transcript").json()
    answers = {c["bidder"]: c for c in transcript["record_confirmations"]}
    assert sorted(c["answer"] for c in answers.values()) == ["declined", "signed", "signed"]
    assert all(c["record_sha256"] == transcript["record_sha256"] for c in answers.values())
    assert [c["label"] for c in view(client, hall, None)["confirmations"]].count("已电子签名确认") == 2
    page = client.get(f"/sections/{hall.code}/opening").text
    assert "拒绝签字：对第 2 号投标的工期有保留意见。" in page
    tags = [e.tag for e in session.execute(select(AuditEvent).where(AuditEvent.tag.like("opening:record:%"))).scalars()]
    assert tags.count("opening:record:signed_by_bidder") == 2 and tags.count("opening:record:declined_by_bidder") == 1
    session.expire_all()
    assert len(session.execute(select(RecordConfirmation)).scalars().all()) == 3

    blobs = BlobStore(platform.settings.blob_dir)
    report = verify_section(session, hall.code, blobs=blobs, key=platform.key, now=clock.now())
    assert report.ok, report.problems

    # someone with the platform key swaps bidder.gy's signature for one it made itself and re-signs the transcript
    opening = session.execute(select(Opening).where(Opening.section_id == hall.section_id)).scalar_one()
    forged = json.loads(opening.transcript_json)
    gy = next(c for c in forged["record_confirmations"] if c["bid"] == hall.bidders["bidder.gy"].number)
    gy["signature"] = _sig(other)
    opening.transcript_json = json.dumps(forged, ensure_ascii=False).encode()
    opening.transcript_signature = sign_document(opening.transcript_json, platform.key, signing_time=clock.now())
    session.flush()
    report = verify_section(session, hall.code, blobs=blobs, key=platform.key, now=clock.now())
    assert not report.ok and any("对开标记录的电子签名无效" in p for p in report.problems), report.problems


def test_ggzy_client_commands_show_sign_and_refuse_the_record(
    client, session, hall, platform, clock, tmp_path, monkeypatch
):
    from typer.testing import CliRunner

    from ggzy.client import cli

    _recorded(client, session, hall, platform, clock, tmp_path)
    runner = CliRunner()

    def run(username: str, *args: str):
        monkeypatch.setattr(cli, "_client", lambda: client_for(client, username))
        return runner.invoke(cli.app, ["opening", *args, "--section", hall.code])

    r = run("bidder.gy", "record", "--out", str(tmp_path / "record.json"))
    assert r.exit_code == 0, r.output
    assert "贵州第三示例建设有限公司" in r.output and "49,100,000.00 元" in r.output and "2026-11-23 09:30" in r.output
    assert all(b.number in r.output for b in hall.bidders.values())
    assert (tmp_path / "record.json").read_bytes().startswith(b"{")
    b = hall.bidders["bidder.gy"]
    r = run("bidder.gy", "confirm", "--key", str(b.key), "--cert", str(b.cert))
    assert r.exit_code == 0 and "已对标段" in r.output and "电子签名确认" in r.output, r.output
    r = run("bidder.zy", "confirm")
    assert r.exit_code == 2 and "--key" in r.output
    r = run("bidder.zy", "confirm", "--decline", "报价唱标有误。")
    assert r.exit_code == 0 and "拒绝" in r.output, r.output
    r = run("bidder.zy", "confirm", "--decline", "再来一次")
    assert r.exit_code != 0 and isinstance(r.exception, Exception)
