"""Detached CMS signatures: openssl-made RSA/ECDSA ones, hand-built SM2 ones, and the platform's own."""

from __future__ import annotations

import subprocess

import gmssl_pyx
import pytest
from asn1crypto import cms
from asn1crypto import keys as asn1_keys
from material import NOW

from ggzy.pki import sm2
from ggzy.pki.certs import load_certificate
from ggzy.pki.cms import GMT_DATA, GMT_SIGNED_DATA, sign_detached, verify_detached
from ggzy.pki.errors import MalformedSignature, PkiInputTooLarge
from ggzy.pki.keys import load_private_key
from ggzy.pki.pem import pem_blocks
from ggzy.pki.symmetric import sm3


@pytest.mark.parametrize("name", ["rsa-leaf.cms.der", "rsa-leaf.cms.pem", "rsa-leaf.cms.smime", "ec-leaf.cms.der"])
def test_an_openssl_cms_signature_over_the_document_is_valid(material, trust, name):
    verdict = verify_detached(material.read(name), material.document, trust=trust, now=NOW)
    assert verdict.valid, verdict
    (signer,) = verdict.signers
    assert signer.digest_algorithm == "sha256"
    assert signer.certificate_verdict.valid and len(signer.certificate_verdict.chain) >= 2


@pytest.mark.parametrize("name", ["rsa-leaf.cms.der", "ec-leaf.cms.der"])
def test_one_changed_byte_of_content_is_a_digest_mismatch(material, trust, name):
    tampered = bytearray(material.document)
    tampered[100] ^= 0x20
    verdict = verify_detached(material.read(name), bytes(tampered), trust=trust, now=NOW)
    assert verdict.code == "digest_mismatch"
    assert not verdict


def test_a_signature_by_a_revoked_signer_is_refused_with_the_revocation_date(material, trust):
    verdict = verify_detached(material.read("rsa-revoked.cms.der"), material.document, trust=trust, now=NOW)
    assert verdict.code == "revoked"
    assert verdict.signers[0].certificate_verdict.revocation_date.isoformat().startswith("2026-03-01")


def test_a_signature_whose_signer_is_not_trusted_is_unknown_ca(material):
    from material import trusted

    from ggzy.pki.validation import TrustList

    sm2_only = TrustList([trusted(material, "sm2-ca")])
    verdict = verify_detached(material.read("ec-leaf.cms.der"), material.document, trust=sm2_only, now=NOW)
    assert verdict.code == "unknown_ca"


def test_a_changed_signature_value_is_a_bad_signature(material, trust):
    info = cms.ContentInfo.load(material.read("ec-leaf.cms.der"))
    si = info["content"]["signer_infos"][0]
    si["signature"] = bytes(reversed(si["signature"].native))
    verdict = verify_detached(info.dump(force=True), material.document, trust=trust, now=NOW)
    assert verdict.code == "bad_signature"


def test_a_signature_without_the_signer_certificate_needs_it_supplied(material, trust, cert):
    info = cms.ContentInfo.load(material.read("rsa-leaf.cms.der"))
    info["content"]["certificates"] = []
    stripped = info.dump(force=True)
    assert verify_detached(stripped, material.document, trust=trust, now=NOW).code == "signer_not_found"
    verdict = verify_detached(stripped, material.document, trust=trust, now=NOW, extra_certificates=[cert("rsa-leaf")])
    assert verdict.valid


@pytest.mark.parametrize("name", ["rsa-leaf", "ec-leaf"])
@pytest.mark.parametrize("pem", [False, True])
def test_openssl_verifies_what_the_platform_signs(material, trust, tmp_path, name, pem):
    key = load_private_key(material.read(f"{name}.key"))
    signed = sign_detached(material.document, load_certificate(material.read(f"{name}.pem")), key, pem=pem)
    (tmp_path / "sig").write_bytes(signed)
    ca = "rsa-chain.pem" if name == "rsa-leaf" else "ec-ca.pem"
    done = subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "PEM" if pem else "DER",
            "-in",
            tmp_path / "sig",
            "-content",
            material.path("document.bin"),
            "-CAfile",
            material.path(ca),
            "-out",
            tmp_path / "out",
        ],
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert verify_detached(signed, material.document, trust=trust, now=NOW).valid


@pytest.mark.parametrize("gmt0010", [False, True])
def test_the_platform_signs_sm2_cms_that_it_verifies_and_tampering_shows(material, trust, cert, gmt0010):
    key = load_private_key(material.read("sm2-leaf.key"))
    signed = sign_detached(
        material.document, cert("sm2-leaf"), key, chain=[cert("sm2-ca")], signing_time=NOW, gmt0010=gmt0010
    )
    verdict = verify_detached(signed, material.document, trust=trust, now=NOW)
    assert verdict.valid, verdict
    assert (verdict.signers[0].digest_algorithm, verdict.signers[0].signing_time) == ("sm3", NOW)
    assert verify_detached(signed, material.document + b"!", trust=trust, now=NOW).code == "digest_mismatch"


def test_an_sm2_cms_signed_with_the_empty_id_is_reported_as_wrong_id(material, trust, cert):
    key = load_private_key(material.read("sm2-leaf.key"))
    signed = sign_detached(material.document, cert("sm2-leaf"), key, sm2_id=sm2.EMPTY_ID)
    assert verify_detached(signed, material.document, trust=trust, now=NOW).code == "sm2_wrong_id"


def _gmssl_signed_gmt0010(material, cert) -> bytes:
    """An SM2 SignedData built independently of our signer: asn1crypto + gmssl-pyx, GM/T 0010 OIDs."""
    leaf = cert("sm2-leaf")
    raw = asn1_keys.PrivateKeyInfo.load(pem_blocks(material.read("sm2-leaf.key"))[0][1])
    private = raw["private_key"].parsed["private_key"].contents.rjust(32, b"\0")
    point = leaf.public_key.impl.public_point()
    attrs = cms.CMSAttributes(
        [
            {"type": "content_type", "values": [GMT_DATA]},
            {"type": "message_digest", "values": [sm3(material.document)]},
        ]
    )
    signature = gmssl_pyx.sm2_sign(private, point, attrs.dump(), signer_id=sm2.DEFAULT_ID)
    from asn1crypto import x509 as asn1_x509

    tbs = asn1_x509.Certificate.load(leaf.der)["tbs_certificate"]
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": "1.2.156.10197.1.401"}],
            "encap_content_info": {"content_type": GMT_DATA},
            "certificates": [asn1_x509.Certificate.load(leaf.der)],
            "signer_infos": [
                {
                    "version": "v1",
                    "sid": {
                        "issuer_and_serial_number": {
                            "issuer": tbs["issuer"],
                            "serial_number": tbs["serial_number"],
                        }
                    },
                    "digest_algorithm": {"algorithm": "1.2.156.10197.1.401"},
                    "signed_attrs": attrs,
                    "signature_algorithm": {"algorithm": "1.2.156.10197.1.301.1"},
                    "signature": signature,
                }
            ],
        }
    )
    return cms.ContentInfo({"content_type": GMT_SIGNED_DATA, "content": signed_data}).dump()


def test_an_sm2_cms_built_with_gmssl_and_gmt_0010_oids_is_valid(material, trust, cert):
    signed = _gmssl_signed_gmt0010(material, cert)
    assert verify_detached(signed, material.document, trust=trust, now=NOW).valid
    assert verify_detached(signed, material.document[:-1], trust=trust, now=NOW).code == "digest_mismatch"


def test_gmssl_verifies_the_signature_in_our_sm2_cms(material, cert):
    key = load_private_key(material.read("sm2-leaf.key"))
    signed = sign_detached(material.document, cert("sm2-leaf"), key)
    si = cms.ContentInfo.load(signed)["content"]["signer_infos"][0]
    data = b"\x31" + si["signed_attrs"].dump()[1:]
    point = cert("sm2-leaf").public_key.impl.public_point()
    assert gmssl_pyx.sm2_verify(point, data, si["signature"].native, signer_id=sm2.DEFAULT_ID)


def test_signing_with_a_key_that_does_not_match_the_certificate_is_refused(material, cert):
    key = load_private_key(material.read("ec-leaf.key"))
    with pytest.raises(MalformedSignature) as err:
        sign_detached(b"x", cert("rsa-leaf"), key)
    assert err.value.code == "pki.key_certificate_mismatch"


def test_malformed_signatures_raise_specific_errors(material, trust):
    der = material.read("rsa-leaf.cms.der")
    cases = {
        "pki.malformed_signature.bad_der": der[:-40],
        "pki.malformed_signature.truncated_pem": material.read("rsa-leaf.cms.pem")[:300],
        "pki.malformed_signature.smime": b"MIME-Version: 1.0\nContent-Type: text/plain\n\nhello",
        "pki.malformed_signature.not_signed_data": cms.ContentInfo(
            {"content_type": "data", "content": b"not a signature"}
        ).dump(),
    }
    for code, data in cases.items():
        with pytest.raises(MalformedSignature) as err:
            verify_detached(data, material.document, trust=trust, now=NOW)
        assert err.value.code == code
    with pytest.raises(PkiInputTooLarge):
        verify_detached(b"0" * (5 << 20), material.document, trust=trust, now=NOW)
