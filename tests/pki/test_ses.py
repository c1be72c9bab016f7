"""GB/T 38540 seals built here with asn1crypto, signed by the OpenSSL CLI (SM2 with the standard ID), then verified."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import material as mat
import pytest
from asn1crypto import core
from material import NOW, STD_ID

from ggzy.pki.certs import load_certificate
from ggzy.pki.errors import MalformedSignature
from ggzy.pki.keys import digest
from ggzy.pki.seal_art import seal_png
from ggzy.pki.ses import (
    CertDigestList,
    CertInfoList,
    SES_Signature,
    SESeal,
    TBS_Sign,
    load_ses_signature,
    verify_ses_signature,
)

SM2_SM3 = "1.2.156.10197.1.501"
ECDSA_SHA256 = "1.2.840.10045.4.3.2"
CONTENT = "<ofd:Document>投标文件 第一册 商务部分</ofd:Document>".encode() * 40
UTC = dt.UTC


def openssl_sign(key: Path, data: bytes, tmp: Path, *, sm2: bool) -> bytes:
    (tmp / "tbs.der").write_bytes(data)
    args = ["openssl", "pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", tmp / "tbs.der"]
    args += ["-digest", "sm3", "-pkeyopt", f"distid:{STD_ID}"] if sm2 else ["-digest", "sha256"]
    return subprocess.run(args, capture_output=True, check=True).stdout


@pytest.fixture(scope="module")
def maker(material) -> str:
    """A seal-making certificate (制章人) from the SM2 CA, issued with the material's own helpers."""
    ca = mat.CA(
        "sm2-ca",
        material.dir / "ca" / "sm2-ca",
        material.path("sm2-ca.key"),
        material.path("sm2-ca.pem"),
        "sm3",
        (f"distid:{STD_ID}",),
    )
    key = mat._key(material.path("ses-maker.key"), "sm2")
    mat._issue(
        material, ca, name="ses-maker", key=key, subject="/O=贵州省电子印章制作中心/CN=制章人", ext="sign_ext", md="sm3"
    )
    return "ses-maker"


@pytest.fixture
def build(material, maker, tmp_path):
    """Make an SES_Signature; keyword overrides change one part at a time."""

    def make(
        *,
        signer: str = "sm2-leaf",
        signer_key: str = "sm2-leaf",
        content: bytes = CONTENT,
        valid: tuple[dt.datetime, dt.datetime] = (
            dt.datetime(2026, 1, 1, tzinfo=UTC),
            dt.datetime(2028, 1, 1, tzinfo=UTC),
        ),
        signed_at: dt.datetime = NOW,
        listed: str | None = None,
        digests: bool = False,
        alg: str = SM2_SM3,
    ) -> bytes:
        signer_der = load_certificate(material.read(f"{signer}.pem")).der
        listed_der = load_certificate(material.read(f"{listed or signer}.pem")).der
        if digests:
            cert_list = CertDigestList([{"type": "SM3", "value": digest("sm3", listed_der)}])
        else:
            cert_list = CertInfoList([listed_der])
        seal_info = {
            "header": {"id": "ES", "version": 4, "vid": "GGZY-TEST"},
            "es_id": "52010000000001",
            "property": {
                "type": 1,
                "name": "某某招标代理有限公司电子公章",
                "cert_list_type": 2 if digests else 1,
                "cert_list": core.Any.load(cert_list.dump()),
                "create_date": {"generalized_time": valid[0]},
                "valid_start": {"generalized_time": valid[0]},
                "valid_end": {"generalized_time": valid[1]},
            },
            "picture": {"type": "png", "data": seal_png("某某招标代理有限公司", size=120), "width": 40, "height": 40},
        }
        seal = SESeal(
            {
                "e_seal_info": seal_info,
                "cert": load_certificate(material.read(f"{maker}.pem")).der,
                "sign_alg_id": SM2_SM3,
                "signed_value": b"",
            }
        )
        seal["signed_value"] = openssl_sign(
            material.path(f"{maker}.key"), seal["e_seal_info"].dump(), tmp_path, sm2=True
        )
        is_sm2 = alg == SM2_SM3
        tbs = TBS_Sign(
            {
                "version": 4,
                "eseal": seal,
                "time_info": {"generalized_time": signed_at},
                "data_hash": digest("sm3" if is_sm2 else "sha256", content),
                "property_info": "/Doc_0/Signs/Sign_0/Signature.xml",
            }
        )
        signature = openssl_sign(material.path(f"{signer_key}.key"), tbs.dump(), tmp_path, sm2=is_sm2)
        ses = {"to_sign": tbs, "cert": signer_der, "signature_alg_id": alg, "signature": signature}
        return SES_Signature(ses).dump()

    return make


def check(der: bytes, trust, content: bytes = CONTENT):
    return verify_ses_signature(der, content=content, trust=trust, now=NOW)


def test_a_well_formed_sm2_seal_verifies_and_reports_its_facts(build, trust):
    verdict = check(build(), trust)
    assert verdict.valid, verdict.to_dict()
    assert verdict.seal_name == "某某招标代理有限公司电子公章" and verdict.es_id == "52010000000001"
    assert verdict.signing_time == NOW and "制章人" in verdict.seal_maker and "王五" in verdict.signer


def test_a_seal_listing_its_signer_by_sm3_digest_verifies(build, trust):
    assert check(build(digests=True), trust).valid


def test_an_ecdsa_signer_under_an_sm2_seal_verifies_with_a_sha256_data_hash(build, trust):
    assert check(build(signer="ec-leaf", signer_key="ec-leaf", alg=ECDSA_SHA256), trust).valid


def test_changed_content_is_a_digest_mismatch(build, trust):
    verdict = check(build(), trust, CONTENT + b" ")
    assert verdict.code == "digest_mismatch" and verdict.part == "content"


def _flip(der: bytes, needle: bytes, offset: int = 0) -> bytes:
    data = bytearray(der)
    at = data.index(needle) + offset
    data[at] ^= 0x01
    return bytes(data)


def test_a_changed_seal_picture_breaks_the_seal_makers_signature(build, trust):
    der = build()
    parsed = SES_Signature.load(der)
    picture = bytes(parsed["to_sign"]["eseal"]["e_seal_info"]["picture"]["data"])
    verdict = check(_flip(der, picture[200:216]), trust)
    assert verdict.code == "seal_bad_signature" and verdict.part == "seal"


def test_a_changed_validity_date_breaks_the_seal_makers_signature(build, trust):
    verdict = check(_flip(build(), b"20280101", 3), trust)
    assert verdict.code == "seal_bad_signature"


def test_a_changed_signing_time_breaks_the_signers_signature(build, trust):
    verdict = check(_flip(build(), b"20260601", 6), trust)
    assert verdict.code == "bad_signature" and verdict.part == "signature"


def test_a_changed_signature_value_is_refused(build, trust):
    der = build()
    sig = bytes(SES_Signature.load(der)["signature"])
    assert check(_flip(der, sig[10:20]), trust).code == "bad_signature"


def test_signing_outside_the_seal_validity_window_is_refused(build, trust):
    verdict = check(build(valid=(dt.datetime(2025, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 1, tzinfo=UTC))), trust)
    assert verdict.code == "seal_expired" and verdict.valid_end.year == 2026
    early = build(valid=(dt.datetime(2026, 7, 1, tzinfo=UTC), dt.datetime(2027, 1, 1, tzinfo=UTC)))
    assert check(early, trust).code == "seal_not_yet_valid"


def test_a_signer_the_seal_does_not_authorise_is_refused(build, trust):
    verdict = check(build(signer="ec-leaf", signer_key="ec-leaf", alg=ECDSA_SHA256, listed="sm2-leaf"), trust)
    assert verdict.code == "signer_not_in_seal"


def test_a_revoked_signer_is_refused_with_its_date(build, trust):
    verdict = check(build(signer="sm2-revoked"), trust)
    assert verdict.code == "revoked" and verdict.part == "signer"
    assert verdict.certificate_verdict.revocation_date == mat.REVOKED_AT


def test_a_seal_maker_off_the_trust_list_is_unknown_ca(material, build):
    from ggzy.pki.validation import TrustList

    only_rsa_and_ec = TrustList([mat.trusted(material, n) for n in ("rsa-root", "rsa-ca", "ec-ca")])
    verdict = check(build(signer="ec-leaf", signer_key="ec-leaf", alg=ECDSA_SHA256), only_rsa_and_ec)
    assert verdict.code == "unknown_ca" and verdict.part == "seal_maker"


@pytest.mark.parametrize("data", [b"", b"\x30\x03\x02\x01\x04", b"not der at all", b"\x30\x82\xff\xff" + b"\x00" * 10])
def test_garbage_is_a_malformed_seal(data, trust):
    with pytest.raises(MalformedSignature) as err:
        check(data, trust)
    assert err.value.code == "ses.malformed"


def test_a_truncated_seal_is_malformed(build, trust):
    der = build()
    with pytest.raises(MalformedSignature):
        check(der[: len(der) - 40], trust)


def test_a_v1_header_is_refused_as_unsupported(build, trust):
    der = build()
    parsed = SES_Signature.load(der)
    parsed["to_sign"]["eseal"]["e_seal_info"]["header"]["version"] = 1
    with pytest.raises(MalformedSignature) as err:
        load_ses_signature(parsed.dump(force=True))
    assert err.value.code == "ses.unsupported_version"
