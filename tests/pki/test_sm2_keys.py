"""SM2 key generation and unencrypted PKCS#8 (the form an opening key is split in), checked against the openssl
CLI in both directions: what ``openssl genpkey -algorithm SM2`` makes imports, what we export ``openssl pkey``
reads, and the bytes are the same PKCS#8 OpenSSL itself writes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys

from ggzy.pki import sharing, sm2
from ggzy.pki.errors import MalformedKey
from ggzy.pki.keys import KeyAlgorithm, generate_private_key, load_private_key

MESSAGE = "开标密钥 — 国密 SM2".encode() * 8


def _openssl(*args, input: bytes | None = None) -> bytes:
    done = subprocess.run(["openssl", *map(str, args)], input=input, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


@pytest.fixture
def openssl_key(tmp_path: Path) -> Path:
    path = tmp_path / "sm2.pem"
    _openssl("genpkey", "-algorithm", "SM2", "-out", path)
    return path


def _openssl_pkcs8_der(pem: Path) -> bytes:
    return _openssl("pkcs8", "-topk8", "-nocrypt", "-in", pem, "-outform", "DER")


def _openssl_public_der(key: Path, *, inform: str = "PEM") -> bytes:
    return _openssl("pkey", "-inform", inform, "-in", key, "-pubout", "-outform", "DER")


def test_a_key_made_by_openssl_genpkey_imports_as_pem_and_as_pkcs8_der(openssl_key):
    from_pem = load_private_key(openssl_key.read_bytes())
    from_der = load_private_key(_openssl_pkcs8_der(openssl_key))
    assert from_pem.algorithm is from_der.algorithm is KeyAlgorithm.SM2
    assert from_pem.public_key().spki == from_der.public_key().spki == _openssl_public_der(openssl_key)


def test_our_pkcs8_of_an_openssl_key_is_byte_for_byte_the_one_openssl_writes(openssl_key):
    ours = load_private_key(openssl_key.read_bytes()).pkcs8_der()
    assert ours == _openssl_pkcs8_der(openssl_key)


def test_a_generated_key_exported_as_pkcs8_der_is_read_by_openssl_pkey(tmp_path):
    key = generate_private_key(KeyAlgorithm.SM2)
    der = key.pkcs8_der()
    path = tmp_path / "ours.der"
    path.write_bytes(der)
    text = _openssl("pkey", "-inform", "DER", "-in", path, "-noout", "-text").decode()
    assert "ASN1 OID: SM2" in text
    assert _openssl_public_der(path, inform="DER") == key.public_key().spki
    info = asn1_keys.PrivateKeyInfo.load(der, strict=True)
    assert info["private_key_algorithm"]["algorithm"].native == "ec"
    assert info["private_key_algorithm"]["parameters"].chosen.dotted == sm2.SM2_CURVE_OID
    # openssl re-encodes it to the same bytes: nothing of ours in the encoding
    assert _openssl("pkcs8", "-topk8", "-nocrypt", "-inform", "DER", "-in", path, "-outform", "DER") == der


def test_openssl_uses_the_exported_key_and_we_use_the_imported_one(tmp_path, openssl_key):
    ours = generate_private_key(KeyAlgorithm.SM2)
    path = tmp_path / "ours.der"
    path.write_bytes(ours.pkcs8_der())
    # openssl decrypts what our public key encrypted …
    ciphertext = ours.public_key().impl.encrypt(b"content-key-0123")
    (tmp_path / "ct.der").write_bytes(ciphertext)
    plain = _openssl("pkeyutl", "-decrypt", "-keyform", "DER", "-inkey", path, "-in", tmp_path / "ct.der")
    assert plain == b"content-key-0123"
    # … and we decrypt what openssl encrypted to the key it generated, after our PKCS#8 round trip
    theirs = load_private_key(load_private_key(openssl_key.read_bytes()).pkcs8_der())
    (tmp_path / "msg").write_bytes(b"share-of-a-secret")
    ct = _openssl("pkeyutl", "-encrypt", "-inkey", openssl_key, "-in", tmp_path / "msg")
    assert theirs.impl.decrypt(ct) == b"share-of-a-secret"


def test_signatures_survive_the_pkcs8_round_trip():
    key = generate_private_key(KeyAlgorithm.SM2)
    again = load_private_key(key.pkcs8_der())
    signature = again.sign(MESSAGE)
    assert key.public_key().verify(signature, MESSAGE, algorithm_oid="1.2.156.10197.1.501")


def test_every_generated_key_is_new():
    a, b = (generate_private_key(KeyAlgorithm.SM2) for _ in range(2))
    assert a.public_key().spki != b.public_key().spki and a.pkcs8_der() != b.pkcs8_der()


def test_p256_keys_are_generated_and_exported_the_same_way():
    key = generate_private_key(KeyAlgorithm.ECDSA_P256)
    again = load_private_key(key.pkcs8_der())
    assert again.algorithm is KeyAlgorithm.ECDSA_P256 and again.public_key().spki == key.public_key().spki


def test_rsa_keys_are_not_generated_here():
    from ggzy.pki.errors import UnsupportedAlgorithm

    with pytest.raises(UnsupportedAlgorithm):
        generate_private_key(KeyAlgorithm.RSA)


def test_an_sm2_pkcs8_split_two_of_three_recombines_from_any_two_shares():
    key = generate_private_key(KeyAlgorithm.SM2)
    secret = key.pkcs8_der()
    shares = sharing.split(secret, 2, 3)
    for pair in ((0, 1), (0, 2), (1, 2)):
        combined = sharing.combine([shares[i] for i in pair], expected_split=shares[0].split_fingerprint)
        assert load_private_key(combined).public_key().spki == key.public_key().spki


def test_a_truncated_pkcs8_is_refused_as_malformed():
    der = generate_private_key(KeyAlgorithm.SM2).pkcs8_der()
    with pytest.raises(MalformedKey):
        sm2.Sm2PrivateKey.load(der[:-10])
