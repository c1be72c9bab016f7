"""Platform-issued documents: a detached CMS signature any third party checks with the OpenSSL CLI, and a sealed PDF."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from ggzy.kit.signing import CERT_FILE, load_or_create_platform_key
from ggzy.pki.documents import (
    render_record_pdf,
    seal_platform_pdf,
    sign_document,
    verify_document,
    verify_platform_pdf,
)

ISSUED = dt.datetime(2026, 11, 2, 1, 30, tzinfo=dt.UTC)
RECEIPT = [
    ("回执类型", "市场主体注册回执"),
    ("主体名称", "贵州某某建设工程有限公司"),
    ("统一社会信用代码", "91520100MA6DKXXX0X"),
    ("登记中心", "贵阳市公共资源交易中心"),
    ("生效范围", "全省各级交易中心（一地登记、全省共享）"),
]


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("platform-keys")


@pytest.fixture(scope="module")
def key(key_dir):
    return load_or_create_platform_key(key_dir, now=ISSUED, name="贵州省公共资源交易平台")


def openssl_verify(tmp_path: Path, content: bytes, signature: bytes, ca_file: Path) -> subprocess.CompletedProcess:
    (tmp_path / "doc.bin").write_bytes(content)
    (tmp_path / "doc.p7s").write_bytes(signature)
    return subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", tmp_path / "doc.p7s"]
        + ["-content", tmp_path / "doc.bin", "-CAfile", ca_file, "-purpose", "any", "-out", "/dev/null"],
        capture_output=True,
    )


def test_the_openssl_cli_verifies_a_platform_signature_with_only_the_platform_certificate(tmp_path, key, key_dir):
    content = "注册回执 GZ-REG-2026-000123\n".encode() * 50 + bytes(range(256))
    proc = openssl_verify(tmp_path, content, sign_document(content, key, signing_time=ISSUED), key_dir / CERT_FILE)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"Verification successful" in proc.stderr


def test_the_openssl_cli_refuses_a_document_changed_after_signing(tmp_path, key, key_dir):
    content = b"receipt: bid hash 3f2a..."
    signature = sign_document(content, key)
    proc = openssl_verify(tmp_path, content.replace(b"3f", b"3e"), signature, key_dir / CERT_FILE)
    assert proc.returncode != 0 and b"content verify error" in proc.stderr.lower().replace(b"_", b" ")


def test_the_platform_checks_its_own_signature_like_a_third_party(key):
    content = b"opening record"
    signature = sign_document(content, key)
    assert verify_document(content, signature, key, now=ISSUED).valid
    assert verify_document(b"opening record!", signature, key, now=ISSUED).code == "digest_mismatch"


def test_a_registration_receipt_pdf_is_rendered_sealed_and_verifies(key, tmp_path):
    pdf = render_record_pdf(
        "注册回执",
        RECEIPT,
        issuer="贵州省公共资源交易平台",
        number="GZ-REG-2026-000123",
        issued_at=ISSUED,
        note="本回执由平台电子签章，可使用平台证书离线验证。",
    )
    assert pdf.startswith(b"%PDF-")
    sealed = seal_platform_pdf(pdf, key, signing_time=ISSUED)
    verdict = verify_platform_pdf(sealed, key, now=ISSUED)
    assert verdict.valid, verdict.to_dict()
    assert verdict.signatures[0].signer_name == "贵州省公共资源交易平台"
    (tmp_path / "receipt.pdf").write_bytes(sealed)


def test_a_tampered_platform_pdf_fails(key):
    sealed = bytearray(seal_platform_pdf(render_record_pdf("记录", [("a", "b")], issued_at=ISSUED), key))
    at = sealed.index(b"/Producer") + 3
    sealed[at] ^= 0x01
    assert verify_platform_pdf(bytes(sealed), key, now=ISSUED).code == "digest_mismatch"


def test_a_platform_pdf_is_not_trusted_under_another_platforms_key(key, tmp_path):
    other = load_or_create_platform_key(tmp_path / "other", now=ISSUED, name="别的平台")
    sealed = seal_platform_pdf(render_record_pdf("记录", [("a", "b")], issued_at=ISSUED), key)
    assert verify_platform_pdf(sealed, other, now=ISSUED).code == "unknown_ca"
