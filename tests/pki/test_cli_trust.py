"""ggzy trust / pki verify / users bind-cert as an operator uses them: exit codes and one-line reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import run_cli as run

AT = "2026-06-01T12:00:00+08:00"


@pytest.fixture(scope="module")
def env(tmp_path_factory, material) -> dict[str, str]:
    d = tmp_path_factory.mktemp("cli-trust")
    e = {"GGZY_DATA_DIR": str(d)}
    assert run(["db", "upgrade"], e).returncode == 0
    assert run(["demo"], e).returncode == 0
    for name in ("rsa-root", "rsa-ca", "ec-ca"):
        r = run(
            ["trust", "add", material.path(f"{name}.pem"), "--name", name, "--crl", material.path(f"{name}.crl")], e
        )
        assert r.returncode == 0, r.stderr
    return e


def test_the_demo_puts_two_cas_on_the_list_and_writes_usable_keys(env):
    certs = Path(env["GGZY_DATA_DIR"]) / "demo-certs"
    assert {"bidder.gy.key.pem", "bidder.gy.cert.pem", "bidder.zy.p12"} <= {p.name for p in certs.iterdir()}
    listed = run(["trust", "list"], env).stdout
    assert "示范 CA 甲" in listed and "示范 CA 乙" in listed and "rsa-ca" in listed
    again = run(["demo"], env)
    assert again.returncode == 0 and "新增 CA 0 个、绑定 0 张" in again.stdout


@pytest.mark.parametrize(
    "args,code,text",
    [
        (["rsa-leaf.cms.der", "--content", "document.bin"], 0, "签名有效"),
        (["rsa-revoked.cms.der", "--content", "document.bin"], 1, "吊销时间：2026-03-01"),
        (["ec-leaf.pem"], 0, "证书有效"),
        (["rsa-revoked.pem"], 1, "证书已被吊销"),
        (["rsa-expired.pem"], 1, "证书已过期"),
        (["sm2-leaf.pem"], 1, "不是由受信任的 CA 签发"),
        (["rsa-leaf.cms.der"], 2, "--content"),
    ],
)
def test_pki_verify_prints_the_verdict_and_exits_0_1_or_2(env, material, args, code, text):
    r = run(["pki", "verify", *[material.path(a) if "." in a else a for a in args], "--at", AT], env)
    assert r.returncode == code and text in r.stdout + r.stderr, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr


def test_a_tampered_document_fails_verification(env, material, tmp_path):
    doc = tmp_path / "doc.bin"
    doc.write_bytes(material.document[:-1] + b"X")
    r = run(["pki", "verify", material.path("rsa-leaf.cms.der"), "--content", doc, "--at", AT], env)
    assert r.returncode == 1 and "digest_mismatch" in r.stderr


@pytest.mark.parametrize(
    "content,text",
    [
        (b"-----BEGIN CERTIFICATE-----\nMIIB", "缺少 END 行"),
        (b"\x30" * (5 * 1024 * 1024), "过大"),
    ],
)
def test_bad_files_get_one_line_and_exit_2(env, tmp_path, content, text):
    f = tmp_path / "bad.pem"
    f.write_bytes(content)
    r = run(["pki", "verify", f], env)
    assert r.returncode == 2 and text in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_trust_add_refuses_a_leaf_a_duplicate_and_a_crl_by_the_wrong_issuer(env, material):
    r = run(["trust", "add", material.path("rsa-leaf.pem"), "--name", "leaf"], env)
    assert r.returncode == 2 and "pki.trust.not_a_ca" in r.stderr
    r = run(["trust", "add", material.path("ec-ca.pem"), "--name", "again"], env)
    assert r.returncode == 2 and "pki.trust.duplicate" in r.stderr
    r = run(["trust", "add", material.path("sm2-ca.pem"), "--name", "sm2", "--crl", material.path("ec-ca.crl")], env)
    assert r.returncode == 2 and "pki.crl_bad_issuer" in r.stderr
    assert "sm2" not in run(["trust", "list"], env).stdout


def test_bind_cert_and_remove(env, material, tmp_path):
    r = run(["users", "bind-cert", "tenderee.gy", material.path("ec-leaf.pem")], env)
    assert r.returncode == 0 and "李四" in r.stdout
    r = run(["users", "bind-cert", "bidder.zy", material.path("ec-leaf.pem")], env)
    assert r.returncode == 2 and "pki.binding.taken" in r.stderr
    assert run(["trust", "remove", "ec-ca"], env).returncode == 0
    listed = run(["trust", "list", "--all"], env).stdout
    assert "已移出" in listed
    r = run(["trust", "remove", "ec-ca"], env)
    assert r.returncode == 2 and "pki.trust.not_found" in r.stderr
