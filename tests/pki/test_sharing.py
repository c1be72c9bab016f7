"""k-of-n sharing of the opening key: any k custodians recover it, a bad share is named, fewer than k is refused."""

from __future__ import annotations

import dataclasses
import itertools
import os

import pytest

from ggzy.pki.keys import load_private_key
from ggzy.pki.sharing import (
    Share,
    ShareInsufficient,
    ShareInvalid,
    ShareParameters,
    _div,
    _mul,
    combine,
    decrypt_share,
    encrypt_share,
    split,
)

SECRET = os.urandom(1217)


def test_any_k_of_n_shares_recover_the_secret_in_any_order():
    shares = split(SECRET, 3, 5)
    for subset in itertools.permutations(shares, 3):
        assert combine(list(subset)) == SECRET
    assert combine(shares) == SECRET


def test_two_of_three_as_in_the_key_ceremony():
    center, regulator, notary = split(SECRET, 2, 3)
    assert combine([regulator, notary]) == SECRET
    assert combine([notary, center]) == SECRET


def test_fewer_than_k_shares_are_refused_as_insufficient():
    shares = split(SECRET, 3, 5)
    with pytest.raises(ShareInsufficient) as exc:
        combine(shares[:2])
    assert exc.value.code == "pki.share_insufficient" and exc.value.detail == {"have": 2, "need": 3}
    with pytest.raises(ShareInsufficient):
        combine([])


def test_a_share_alone_says_nothing_about_the_secret_byte_for_byte():
    # With k = 2 each share byte is secret ⊕ c·x for a uniform c: two splits of the same secret differ.
    a, b = split(b"\x00" * 64, 2, 2), split(b"\x00" * 64, 2, 2)
    assert a[0].value != b[0].value and a[0].value != b"\x00" * 64


def test_a_corrupted_share_is_named_on_combine():
    shares = split(SECRET, 3, 5)
    bad = dataclasses.replace(shares[3], value=bytes([shares[3].value[0] ^ 1]) + shares[3].value[1:])
    with pytest.raises(ShareInvalid) as exc:
        combine([shares[0], bad, shares[2]])
    assert exc.value.code == "pki.share_invalid" and exc.value.detail == {"index": 4}
    assert "#4" in exc.value.message


def test_a_share_from_another_split_is_named_on_combine():
    shares, other = split(SECRET, 2, 3), split(SECRET, 2, 3)
    with pytest.raises(ShareInvalid) as exc:
        combine([shares[0], shares[1], other[2]])
    assert exc.value.detail == {"index": 3}


def test_a_share_with_forged_commitments_fails_against_the_published_split_fingerprint():
    shares = split(SECRET, 2, 3)
    published = shares[0].split_fingerprint
    forged = split(os.urandom(len(SECRET)), 2, 3)
    with pytest.raises(ShareInvalid) as exc:
        combine(forged[:2], expected_split=published)
    assert exc.value.detail == {"index": 1}
    assert combine(shares[1:], expected_split=published) == SECRET


def test_the_same_share_twice_is_refused():
    shares = split(SECRET, 2, 3)
    with pytest.raises(ShareInvalid) as exc:
        combine([shares[1], shares[1]])
    assert exc.value.detail == {"index": 2}


@pytest.mark.parametrize(("k", "n"), [(1, 3), (4, 3), (0, 0), (2, 256)])
def test_threshold_parameters_outside_two_to_n_are_refused(k, n):
    with pytest.raises(ShareParameters):
        split(SECRET, k, n)


def test_an_empty_secret_is_refused():
    with pytest.raises(ShareParameters):
        split(b"", 2, 3)


def test_shares_survive_serialisation_and_garbage_is_refused():
    shares = split(SECRET, 2, 3)
    again = [Share.from_bytes(s.to_bytes()) for s in shares]
    assert again == shares and combine(again[1:]) == SECRET
    with pytest.raises(ShareInvalid):
        Share.from_bytes(b"\x30\x03\x02\x01\x01")
    with pytest.raises(ShareInvalid):
        Share.from_bytes(shares[0].to_bytes()[:-3])


def test_the_field_arithmetic_is_the_aes_field():
    assert _mul(0x57, 0x83) == 0xC1  # FIPS 197 §4.2
    assert all(_mul(_div(a, b), b) == a for a in range(256) for b in (1, 3, 0x53, 0xFF))


def test_a_share_is_sealed_to_a_custodian_and_opened_with_the_custodian_key(material, cert):
    shares = split(SECRET, 2, 3)
    custodians = [("rsa-leaf", "rsa-leaf"), ("ec-leaf", "ec-leaf"), ("sm2-enc", "sm2-leaf")]
    opened = []
    for share, (cert_name, key_name) in zip(shares, custodians, strict=True):
        sealed = encrypt_share(share, cert(cert_name))
        assert share.value not in sealed
        opened.append(decrypt_share(sealed, load_private_key(material.read(f"{key_name}.key")), cert(cert_name)))
    assert opened == shares and combine(opened[::2]) == SECRET


def test_a_private_key_split_two_of_three_comes_back_usable(material):
    pkcs8 = material.read("ec-leaf.key")
    shares = split(pkcs8, 2, 3)
    assert load_private_key(combine(shares[1:])).public_key().spki == load_private_key(pkcs8).public_key().spki
