"""Parsing certificates, keys and bundles: strict, bounded, and with a specific error for each bad input."""

from __future__ import annotations

import pytest

from ggzy.pki import symmetric
from ggzy.pki.certs import load_certificate, load_certificates, load_crl, load_pkcs12
from ggzy.pki.errors import (
    MalformedCertificate,
    MalformedKey,
    PkiInputTooLarge,
    UnsupportedAlgorithm,
    WrongPassword,
)
from ggzy.pki.keys import KeyAlgorithm, load_private_key
from ggzy.pki.pem import pem_blocks


@pytest.mark.parametrize(
    ("name", "algorithm"),
    [("rsa-leaf", KeyAlgorithm.RSA), ("ec-leaf", KeyAlgorithm.ECDSA_P256), ("sm2-leaf", KeyAlgorithm.SM2)],
)
def test_the_key_algorithm_of_each_family_is_detected(cert, name, algorithm):
    assert cert(name).algorithm is algorithm


def test_a_certificate_loads_the_same_from_pem_and_der(material):
    pem = material.read("sm2-leaf.pem")
    der = pem_blocks(pem)[0][1]
    assert load_certificate(der).fingerprint == load_certificate(pem).fingerprint
    assert load_certificate(pem).subject_text == "CN=王五,O=某某招标代理有限公司"


def test_a_pem_bundle_and_a_concatenated_der_bundle_give_every_certificate(material):
    bundle = material.read("rsa-chain.pem")
    assert [c.subject_text for c in load_certificates(bundle)] == [
        "CN=rsa-ca,O=GGZY Test",
        "CN=rsa-root,O=GGZY Test",
    ]
    der = b"".join(der for _, der in pem_blocks(bundle))
    assert len(load_certificates(der)) == 2


def test_a_five_megabyte_certificate_is_refused_before_parsing():
    with pytest.raises(PkiInputTooLarge) as err:
        load_certificates(b"-----BEGIN CERTIFICATE-----\n" + b"A" * (5 << 20))
    assert err.value.code == "pki.too_large"
    assert err.value.status == 413


def test_a_pem_without_its_end_line_is_reported_as_truncated(material):
    pem = material.read("rsa-leaf.pem")
    with pytest.raises(MalformedCertificate) as err:
        load_certificate(pem[: len(pem) // 2])
    assert err.value.code == "pki.malformed_certificate.truncated_pem"


def test_a_truncated_der_certificate_is_reported_as_truncated(material):
    der = pem_blocks(material.read("rsa-leaf.pem"))[0][1]
    with pytest.raises(MalformedCertificate) as err:
        load_certificate(der[:-10])
    assert err.value.code == "pki.malformed_certificate.truncated_der"


def test_corrupt_base64_and_corrupt_der_have_their_own_codes(material):
    with pytest.raises(MalformedCertificate) as err:
        load_certificate(b"-----BEGIN CERTIFICATE-----\nAB$$\n-----END CERTIFICATE-----\n")
    assert err.value.code == "pki.malformed_certificate.bad_base64"
    der = bytearray(pem_blocks(material.read("rsa-leaf.pem"))[0][1])
    der[20:40] = b"\xff" * 20
    with pytest.raises(MalformedCertificate) as err:
        load_certificate(bytes(der))
    assert err.value.code == "pki.malformed_certificate.bad_der"
    with pytest.raises(MalformedCertificate) as err:
        load_certificate(b"hello")
    assert err.value.code == "pki.malformed_certificate.not_der"
    with pytest.raises(MalformedCertificate) as err:
        load_certificate(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    assert err.value.code == "pki.malformed_certificate.empty"


def test_a_certificate_on_an_unknown_curve_is_refused(material):
    with pytest.raises(UnsupportedAlgorithm) as err:
        load_certificate(material.read("p384.pem"))
    assert err.value.code == "pki.unknown_curve"


@pytest.mark.parametrize(
    ("name", "algorithm"),
    [("rsa-leaf", KeyAlgorithm.RSA), ("ec-leaf", KeyAlgorithm.ECDSA_P256), ("sm2-leaf", KeyAlgorithm.SM2)],
)
def test_private_keys_load_from_pem_and_sign_what_their_certificate_verifies(material, cert, name, algorithm):
    key = load_private_key(material.read(f"{name}.key"))
    assert key.algorithm is algorithm
    digest = "sm3" if algorithm is KeyAlgorithm.SM2 else "sha256"
    signature = key.sign(b"data", digest_name=digest)
    oid = {"rsa": "1.2.840.113549.1.1.11", "ecdsa-p256": "1.2.840.10045.4.3.2", "sm2": "1.2.156.10197.1.501"}
    assert cert(name).public_key.verify(signature, b"data", algorithm_oid=oid[algorithm])


@pytest.mark.parametrize(
    ("name", "algorithm"),
    [("rsa-leaf", KeyAlgorithm.RSA), ("ec-leaf", KeyAlgorithm.ECDSA_P256), ("sm2-leaf", KeyAlgorithm.SM2)],
)
def test_pkcs12_bundles_open_with_their_password(material, name, algorithm):
    bundle = load_pkcs12(material.read(f"{name}.p12"), material.password)
    assert bundle.key.algorithm is algorithm
    assert bundle.certificate.subject == load_certificate(material.read(f"{name}.pem")).subject
    assert len(bundle.chain) == 1


@pytest.mark.parametrize("name", ["rsa-leaf", "sm2-leaf"])
def test_a_pkcs12_with_the_wrong_password_is_refused_as_such(material, name):
    with pytest.raises(WrongPassword) as err:
        load_pkcs12(material.read(f"{name}.p12"), b"guess")
    assert err.value.code == "pki.wrong_password"


@pytest.mark.parametrize("name", ["rsa-leaf", "ec-leaf", "sm2-leaf"])
def test_encrypted_pkcs8_keys_need_the_right_password(material, tmp_path, name):
    import subprocess

    out = tmp_path / "enc.pem"
    subprocess.run(
        [
            "openssl",
            "pkcs8",
            "-topk8",
            "-in",
            material.path(f"{name}.key"),
            "-passout",
            "pass:pw",
            "-out",
            out,
        ],
        check=True,
    )
    assert load_private_key(out.read_bytes(), b"pw").public_key().spki
    with pytest.raises(WrongPassword):
        load_private_key(out.read_bytes(), b"nope")


def test_malformed_keys_raise_malformed_key():
    with pytest.raises(MalformedKey):
        load_private_key(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(MalformedKey):
        load_private_key(b"\x30\x03\x02\x01\x00")
    with pytest.raises(MalformedKey):
        load_pkcs12(b"\x30\x03\x02\x01\x03", b"x")


def test_a_p384_private_key_is_refused_as_an_unknown_curve(material):
    with pytest.raises(UnsupportedAlgorithm) as err:
        load_private_key(material.read("p384.key"))
    assert err.value.code == "pki.unknown_curve"


def test_crls_load_from_pem_or_der_and_garbage_is_malformed(material):
    crl = load_crl(material.read("rsa-ca.crl"))
    assert len(list(crl)) == 1
    with pytest.raises(MalformedCertificate) as err:
        load_crl(b"\x30\x00")
    assert err.value.code == "pki.malformed_crl"


def test_sm3_matches_the_gbt_32905_vectors():
    assert symmetric.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert symmetric.sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_sm4_matches_the_gbt_32907_vector():
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    assert symmetric.sm4_encrypt_block(key, key).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_cbc_interoperates_with_openssl_enc(tmp_path):
    import subprocess

    key, iv = bytes(range(16)), bytes(range(16, 32))
    ciphertext = symmetric.sm4_cbc_encrypt(key, iv, "保密的投标文件".encode())
    done = subprocess.run(
        ["openssl", "enc", "-d", "-sm4-cbc", "-K", key.hex(), "-iv", iv.hex()],
        input=ciphertext,
        capture_output=True,
        check=True,
    )
    assert done.stdout.decode() == "保密的投标文件"
    assert symmetric.sm4_cbc_decrypt(key, iv, ciphertext) == "保密的投标文件".encode()
    assert symmetric.sm4_ctr(key, iv, symmetric.sm4_ctr(key, iv, b"ctr")) == b"ctr"


def test_sm4_refuses_wrong_key_sizes_and_reports_bad_padding():
    from ggzy.kit.errors import ValidationFailed
    from ggzy.pki.errors import CryptoFailure

    with pytest.raises(ValidationFailed):
        symmetric.sm4_cbc_encrypt(b"short", bytes(16), b"x")
    with pytest.raises(CryptoFailure):
        symmetric.sm4_cbc_decrypt(bytes(16), bytes(16), bytes(16))


def test_a_wrong_password_that_happens_to_unpad_is_still_a_wrong_password(material, tmp_path):
    """About one wrong password in 256 decrypts with valid CBC padding and yields garbage: that is reported as a
    wrong password, not as a damaged file (found as an intermittent CI failure of the test above)."""
    import subprocess

    from cryptography.hazmat.primitives import serialization

    out = tmp_path / "enc.pem"
    args = ["openssl", "pkcs8", "-topk8", "-in", material.path("ec-leaf.key"), "-passout", "pass:pw", "-iter", "1"]
    subprocess.run([*args, "-out", out], check=True)
    data = out.read_bytes()
    unlucky = None
    for i in range(20_000):  # ~256 expected; each try is one cheap decryption (1 PBKDF2 iteration)
        candidate = f"wrong-{i}".encode()
        try:
            serialization.load_pem_private_key(data, candidate)
        except ValueError as exc:
            if "decrypt" not in str(exc).lower():
                unlucky = candidate
                break
    assert unlucky is not None, "no wrong password decrypted to garbage in 20,000 tries"
    with pytest.raises(WrongPassword):
        load_private_key(data, unlucky)
