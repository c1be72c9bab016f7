"""PDF e-seals: a visible PAdES seal with RSA, ECDSA and SM2 keys, verified against the trust list."""

from __future__ import annotations

import io

import pytest
from material import NOW, REVOKED_AT, trusted
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from ggzy.pki.documents import render_record_pdf
from ggzy.pki.errors import MalformedSignature, PkiInputTooLarge
from ggzy.pki.keys import load_private_key
from ggzy.pki.seal_art import seal_png
from ggzy.pki.seals import MAX_PDF, seal_pdf, verify_pdf
from ggzy.pki.validation import TrustList

KEYS = {"rsa-leaf": "rsa-leaf", "rsa-revoked": "rsa-leaf", "ec-leaf": "ec-leaf", "sm2-leaf": "sm2-leaf"}


@pytest.fixture(scope="module")
def blank_pdf() -> bytes:
    return render_record_pdf("投标文件递交回执", [("项目编号", "GZ-2026-0001"), ("投标人", "某某建设有限公司")])


@pytest.fixture(scope="module")
def sealed(material, cert, blank_pdf):
    cache: dict[str, bytes] = {}

    def make(name: str) -> bytes:
        if name not in cache:
            key = load_private_key(material.read(f"{KEYS[name]}.key"))
            cache[name] = seal_pdf(blank_pdf, signer_key=key, signer_cert=cert(name), signing_time=NOW)
        return cache[name]

    return make


@pytest.mark.parametrize("name,digest", [("rsa-leaf", "sha256"), ("ec-leaf", "sha256"), ("sm2-leaf", "sm3")])
def test_a_sealed_pdf_verifies_intact_trusted_and_names_its_signer(sealed, trust, name, digest):
    verdict = verify_pdf(sealed(name), trust=trust, now=NOW)
    assert verdict.valid, verdict.to_dict()
    (sig,) = verdict.signatures
    assert sig.intact and sig.coverage == "entire_file" and sig.modification == "none"
    assert sig.digest_algorithm == digest and sig.signing_time == NOW
    assert sig.signer_name in ("某某建设有限公司", "某某咨询有限公司", "某某招标代理有限公司")


def test_one_changed_byte_makes_the_seal_invalid_with_a_clear_reason(sealed, trust):
    data = bytearray(sealed("rsa-leaf"))
    at = data.index(b"GZ-2026-0001") if b"GZ-2026-0001" in data else data.index(b"/Producer") + 3
    data[at] ^= 0x01
    verdict = verify_pdf(bytes(data), trust=trust, now=NOW)
    assert not verdict.valid and verdict.code == "digest_mismatch"
    assert "被改动" in verdict.message and not verdict.signatures[0].intact


def test_a_change_appended_after_sealing_is_detected(sealed, trust):
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed("ec-leaf")))
    page_ref = writer.find_page_for_modification(0)[1]
    page = page_ref.get_object()
    page["/Rotate"] = generic.NumberObject(90)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    verdict = verify_pdf(out.getvalue(), trust=trust, now=NOW)
    sig = verdict.signatures[0]
    assert verdict.code == "modified" and sig.intact and sig.coverage == "entire_revision"


def test_a_revoked_signer_is_refused_with_the_revocation_date(sealed, trust):
    verdict = verify_pdf(sealed("rsa-revoked"), trust=trust, now=NOW)
    assert verdict.code == "revoked" and "2026-03-01" in verdict.message
    assert verdict.signatures[0].intact
    assert verdict.signatures[0].certificate_verdict.revocation_date == REVOKED_AT


def test_a_signer_from_a_ca_off_the_trust_list_is_unknown_ca(material, sealed):
    only_ec = TrustList([trusted(material, "ec-ca")])
    verdict = verify_pdf(sealed("rsa-leaf"), trust=only_ec, now=NOW)
    assert verdict.code == "unknown_ca" and verdict.signatures[0].intact


def test_a_second_seal_leaves_the_first_valid(material, cert, sealed, trust):
    key = load_private_key(material.read("sm2-leaf.key"))
    twice = seal_pdf(sealed("rsa-leaf"), signer_key=key, signer_cert=cert("sm2-leaf"), signing_time=NOW)
    verdict = verify_pdf(twice, trust=trust, now=NOW)
    assert verdict.valid, verdict.to_dict()
    first, second = verdict.signatures
    assert first.coverage == "entire_revision" and first.modification in ("none", "form_filling")
    assert second.coverage == "entire_file" and [first.field_name, second.field_name] == ["Seal1", "Seal2"]


def test_a_custom_seal_image_and_stamp_text_are_used(material, cert, blank_pdf, trust):
    key = load_private_key(material.read("ec-leaf.key"))
    out = seal_pdf(
        blank_pdf,
        signer_key=key,
        signer_cert=cert("ec-leaf"),
        seal_image=seal_png("某某咨询有限公司", center_text="合同专用章"),
        stamp_text="%(signer)s 于 %(time)s 盖章",
        field_name="合同章",
        signing_time=NOW,
    )
    verdict = verify_pdf(out, trust=trust, now=NOW)
    assert verdict.valid and verdict.signatures[0].field_name == "合同章"


def test_a_key_that_does_not_match_the_certificate_is_refused(material, cert, blank_pdf):
    with pytest.raises(MalformedSignature) as err:
        seal_pdf(blank_pdf, signer_key=load_private_key(material.read("ec-leaf.key")), signer_cert=cert("rsa-leaf"))
    assert err.value.code == "pki.key_certificate_mismatch"


def test_an_unsigned_pdf_is_not_signed(blank_pdf, trust):
    verdict = verify_pdf(blank_pdf, trust=trust, now=NOW)
    assert not verdict.valid and verdict.code == "not_signed"


@pytest.mark.parametrize(
    "data,code",
    [
        (b"PK\x03\x04 this is a zip file", "pki.not_a_pdf"),
        (b"", "pki.not_a_pdf"),
        (b"%PDF-1.7\n" + b"\x00garbage" * 600_000 + b"\n%%EOF\n", "pki.malformed_pdf"),
    ],
)
def test_input_that_is_not_a_pdf_gets_a_specific_error(data, code, trust):
    with pytest.raises(MalformedSignature) as err:
        verify_pdf(data, trust=trust, now=NOW)
    assert err.value.code == code and err.value.status == 422


def test_a_truncated_sealed_pdf_is_refused(sealed, trust):
    data = sealed("rsa-leaf")
    with pytest.raises(MalformedSignature) as err:
        verify_pdf(data[: len(data) // 2], trust=trust, now=NOW)
    assert err.value.code == "pki.malformed_pdf"


def test_a_file_above_the_limit_is_refused_before_parsing(trust):
    with pytest.raises(PkiInputTooLarge):
        verify_pdf(b"%PDF-1.7\n" + b"0" * MAX_PDF, trust=trust, now=NOW)


def test_a_garbage_seal_image_is_a_clear_error(material, cert, blank_pdf):
    with pytest.raises(MalformedSignature) as err:
        seal_pdf(
            blank_pdf,
            signer_key=load_private_key(material.read("rsa-leaf.key")),
            signer_cert=cert("rsa-leaf"),
            seal_image=b"not a png",
        )
    assert err.value.code == "pki.bad_seal_image"
