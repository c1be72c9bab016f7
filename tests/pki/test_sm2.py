"""SM2 over system libcrypto, cross-checked against gmssl-pyx and the openssl CLI in both directions."""

from __future__ import annotations

import subprocess

import gmssl_pyx
import pytest
from asn1crypto import keys as asn1_keys

from ggzy.pki import sm2
from ggzy.pki.errors import CryptoFailure, MalformedKey, PkiInputTooLarge, UnsupportedAlgorithm, WrongPassword

MESSAGE = "招标公告 2026-0001：投标截止时间".encode() * 10


@pytest.fixture(scope="module")
def key(material) -> sm2.Sm2PrivateKey:
    return sm2.Sm2PrivateKey.load(material.read("sm2-leaf.key"))


@pytest.fixture(scope="module")
def raw_private(material) -> bytes:
    info = asn1_keys.PrivateKeyInfo.load(_der(material.read("sm2-leaf.key")))
    return info["private_key"].parsed["private_key"].contents.rjust(32, b"\0")


def _der(pem: bytes) -> bytes:
    from ggzy.pki.pem import pem_blocks

    return pem_blocks(pem)[0][1]


def _openssl(*args, input: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *map(str, args)], input=input, capture_output=True)


def test_a_signature_verifies_with_the_id_it_was_made_with_and_not_with_another(key):
    signature = key.sign(MESSAGE)
    public = key.public_key()
    assert public.verify(signature, MESSAGE)
    assert not public.verify(signature, MESSAGE, sm2_id=sm2.EMPTY_ID)
    assert not public.verify(signature, MESSAGE + b".")


def test_the_empty_id_is_allowed_and_distinct_from_the_standard_id(key):
    signature = key.sign(MESSAGE, sm2_id=sm2.EMPTY_ID)
    assert key.public_key().verify(signature, MESSAGE, sm2_id=b"")
    assert not key.public_key().verify(signature, MESSAGE)


def test_gmssl_pyx_verifies_our_signature_and_we_verify_its(key, raw_private):
    point = key.public_point()
    ours = key.sign(MESSAGE)
    assert gmssl_pyx.sm2_verify(point, MESSAGE, ours, signer_id=sm2.DEFAULT_ID)
    theirs = gmssl_pyx.sm2_sign(raw_private, point, MESSAGE, signer_id=b"ALICE123@YAHOO.COM")
    assert sm2.Sm2PublicKey.from_point(point).verify(theirs, MESSAGE, sm2_id=b"ALICE123@YAHOO.COM")


def test_gmssl_pyx_decrypts_our_ciphertext_and_we_decrypt_its(key, raw_private):
    ours = key.public_key().encrypt(b"SM4 session key 0123456789abcdef")
    assert gmssl_pyx.sm2_decrypt(raw_private, ours) == b"SM4 session key 0123456789abcdef"
    theirs = gmssl_pyx.sm2_encrypt(key.public_point(), b"from gmssl")
    assert key.decrypt(theirs) == b"from gmssl"


@pytest.mark.parametrize("sm2_id", [sm2.DEFAULT_ID, sm2.EMPTY_ID])
def test_the_openssl_cli_verifies_our_signature_under_the_same_id(material, key, tmp_path, sm2_id):
    (tmp_path / "m").write_bytes(MESSAGE)
    (tmp_path / "s").write_bytes(key.sign(MESSAGE, sm2_id=sm2_id))
    opts = ["-sigopt", f"distid:{sm2_id.decode()}"] if sm2_id else []
    pub = tmp_path / "pub.pem"
    _openssl("pkey", "-in", material.path("sm2-leaf.key"), "-pubout", "-out", pub)
    done = _openssl("dgst", "-sm3", "-verify", pub, *opts, "-signature", tmp_path / "s", tmp_path / "m")
    assert done.stdout.strip() == b"Verified OK", done.stderr


@pytest.mark.parametrize("sm2_id", [sm2.DEFAULT_ID, sm2.EMPTY_ID])
def test_we_verify_a_signature_made_by_the_openssl_cli(material, key, tmp_path, sm2_id):
    (tmp_path / "m").write_bytes(MESSAGE)
    opts = ["-sigopt", f"distid:{sm2_id.decode()}"] if sm2_id else []
    done = _openssl("dgst", "-sm3", "-sign", material.path("sm2-leaf.key"), *opts, tmp_path / "m")
    assert key.public_key().verify(done.stdout, MESSAGE, sm2_id=sm2_id)


def test_the_openssl_cli_and_we_decrypt_each_others_ciphertexts(material, key, tmp_path):
    (tmp_path / "ct").write_bytes(key.public_key().encrypt(b"bid envelope key"))
    done = _openssl("pkeyutl", "-decrypt", "-inkey", material.path("sm2-leaf.key"), "-in", tmp_path / "ct")
    assert done.stdout == b"bid envelope key"
    pub = tmp_path / "pub.pem"
    _openssl("pkey", "-in", material.path("sm2-leaf.key"), "-pubout", "-out", pub)
    done = _openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", pub, input=b"from the cli")
    assert key.decrypt(done.stdout) == b"from the cli"


def test_raw_ciphertexts_convert_both_ways_in_either_component_order(key):
    der = key.public_key().encrypt(b"0123456789")
    for order in ("c1c3c2", "c1c2c3"):
        raw = sm2.raw_ciphertext(der, order=order)
        assert raw[0] == 4 and len(raw) == 1 + 64 + 32 + 10
        assert sm2.der_ciphertext(raw, order=order) == der
    assert sm2.der_ciphertext(sm2.raw_ciphertext(der)[1:], prefixed=False) == der


def test_a_tampered_ciphertext_fails_with_a_crypto_error_not_a_crash(key):
    der = bytearray(key.public_key().encrypt(b"secret"))
    der[-1] ^= 1
    with pytest.raises(CryptoFailure) as err:
        key.decrypt(bytes(der))
    assert err.value.code == "pki.crypto_failed"


def test_garbage_signatures_are_simply_invalid(key):
    public = key.public_key()
    for junk in (b"", b"\x30\x00", b"\x30\x45" + b"\x02" * 69, b"not a signature"):
        assert public.verify(junk, MESSAGE) is False


def test_a_non_sm2_key_is_refused_as_unsupported(material):
    with pytest.raises(UnsupportedAlgorithm):
        sm2.Sm2PrivateKey.load(material.read("ec-leaf.key"))


def test_malformed_and_oversized_keys_raise_specific_errors():
    with pytest.raises(MalformedKey):
        sm2.Sm2PublicKey.from_der(b"\x30\x03\x02\x01\x01")
    with pytest.raises(MalformedKey):
        sm2.Sm2PrivateKey.load(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(MalformedKey):
        sm2.Sm2PublicKey.from_point(b"\x04" + b"\x01" * 10)
    with pytest.raises(PkiInputTooLarge):
        sm2.Sm2PublicKey.from_der(b"\x30" * (2 << 20))


def test_an_encrypted_sm2_pkcs12_opens_with_its_password_only(material):
    key, cert, chain = sm2.load_pkcs12(material.read("sm2-leaf.p12"), material.password)
    assert cert and len(chain) == 1
    assert key.public_key().verify(key.sign(b"x"), b"x")
    with pytest.raises(WrongPassword):
        sm2.load_pkcs12(material.read("sm2-leaf.p12"), b"wrong")


def test_the_openssl_error_queue_is_left_empty_after_a_failure(key):
    key.public_key().verify(b"\x30\x00", MESSAGE)
    assert sm2._lib().ERR_get_error() == 0


def _cert_der(material, name: str) -> bytes:
    return _der(material.read(f"{name}.pem"))


def test_a_certificate_signature_verifies_only_under_the_id_the_ca_used(material):
    ca = sm2.Sm2PublicKey.from_der(asn1_keys.PublicKeyInfo.dump(_spki(material, "sm2-ca")))
    assert sm2.verify_certificate(_cert_der(material, "sm2-leaf"), ca)
    assert not sm2.verify_certificate(_cert_der(material, "sm2-leaf"), ca, sm2_id=sm2.EMPTY_ID)
    assert sm2.verify_certificate(_cert_der(material, "sm2-empty-id"), ca, sm2_id=sm2.EMPTY_ID)
    assert not sm2.verify_certificate(_cert_der(material, "sm2-empty-id"), ca)


def test_the_openssl_cli_agrees_on_which_id_each_certificate_needs(material):
    std = ["-vfyopt", f"distid:{sm2.DEFAULT_ID.decode()}"]
    ca = ["-CAfile", material.path("sm2-ca.pem")]
    assert _openssl("verify", *ca, *std, material.path("sm2-leaf.pem")).returncode == 0
    assert _openssl("verify", *ca, material.path("sm2-leaf.pem")).returncode != 0
    assert _openssl("verify", *ca, material.path("sm2-empty-id.pem")).returncode == 0


def test_verifying_a_non_sm2_certificate_as_sm2_is_unsupported(material, key):
    with pytest.raises(UnsupportedAlgorithm):
        sm2.verify_certificate(_cert_der(material, "rsa-leaf"), key.public_key())


def _spki(material, name: str):
    from asn1crypto import x509

    return x509.Certificate.load(_cert_der(material, name))["tbs_certificate"]["subject_public_key_info"]


def test_an_sm2_key_in_the_sm2_private_key_pem_dress_loads(material, tmp_path):
    from ggzy.pki.keys import KeyAlgorithm, load_private_key

    done = _openssl("ec", "-in", material.path("sm2-leaf.key"))
    assert b"SM2 PRIVATE KEY" in done.stdout
    assert load_private_key(done.stdout).algorithm is KeyAlgorithm.SM2
