"""Sealed-bid envelopes: what ``openssl cms -encrypt`` makes we open, what we make ``openssl cms -decrypt`` opens."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import resource
import subprocess
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import gmssl_pyx
import pytest
from asn1crypto import keys as asn1_keys
from material import openssl

from ggzy.pki import sm2
from ggzy.pki.certs import Certificate, load_certificate
from ggzy.pki.envelope import EnvelopeError, decrypt, encrypt, open_envelope, parse_envelope, unwrap_key
from ggzy.pki.keys import PrivateKey, load_private_key
from ggzy.pki.pem import pem_blocks

P256 = "ec_paramgen_curve:P-256"
PLAIN = os.urandom(150_000) + "投标报价：壹仟贰佰万元整".encode()


@dataclass
class Party:
    name: str
    cert_path: Path
    key_path: Path
    cert: Certificate
    key: PrivateKey


@dataclass
class Kit:
    dir: Path
    parties: dict[str, Party]

    def openssl_encrypt(self, name: str, *recipients: str, cipher: str = "-aes-256-gcm", extra=(), oaep=()) -> bytes:
        args: list = ["cms", "-encrypt", "-binary", "-outform", "DER", cipher, *extra]
        args += ["-in", self.dir / "plain.bin", "-out", self.dir / name]
        for r in recipients:
            args += ["-recip", self.parties[r].cert_path]
            if r in oaep:
                args += ["-keyopt", "rsa_padding_mode:oaep"]
        openssl(*args)
        return (self.dir / name).read_bytes()


def _self_signed(d: Path, name: str, algorithm: list[str], usage: str) -> tuple[Path, Path]:
    key, cert = d / f"{name}.key", d / f"{name}.pem"
    openssl("genpkey", *algorithm, "-out", key)
    openssl(
        "req", "-new", "-x509", "-key", key, "-subj", f"/O=GGZY Test/CN={name}", "-days", "3650",
        "-addext", f"keyUsage=critical,{usage}", "-addext", "subjectKeyIdentifier=hash", "-out", cert,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="session")
def kit(material, tmp_path_factory) -> Kit:
    d = tmp_path_factory.mktemp("envelopes")
    (d / "plain.bin").write_bytes(PLAIN)
    paths = {
        "rsa-bidder": (material.path("rsa-leaf.pem"), material.path("rsa-leaf.key")),
        "ec-bidder": (material.path("ec-leaf.pem"), material.path("ec-leaf.key")),
        "sm2-bidder": (material.path("sm2-enc.pem"), material.path("sm2-leaf.key")),
        "rsa-opening": _self_signed(d, "rsa-opening", ["-algorithm", "RSA"], "keyEncipherment"),
        "ec-opening": _self_signed(d, "ec-opening", ["-algorithm", "EC", "-pkeyopt", P256], "keyAgreement"),
        "sm2-opening": _self_signed(d, "sm2-opening", ["-algorithm", "SM2"], "keyEncipherment"),
    }  # fmt: skip
    parties = {
        name: Party(name, c, k, load_certificate(c.read_bytes()), load_private_key(k.read_bytes()))
        for name, (c, k) in paths.items()
    }
    return Kit(d, parties)


# ---------------------------------------------------------------------------------------------- parse


def test_it_reads_the_header_of_an_openssl_gcm_envelope_for_two_recipients(kit):
    der = kit.openssl_encrypt("gcm2.der", "rsa-bidder", "ec-opening")
    info = parse_envelope(der)
    assert info.kind == "auth_enveloped"
    assert info.content_algorithm == "aes-256-gcm"
    assert [(r.kind, r.key_algorithm) for r in info.recipients] == [("ktri", "rsa"), ("kari", "ecdh_p256")]
    assert info.content_length == len(PLAIN)
    assert der[info.content_offset - 5 : info.content_offset] == b"\x80\x83" + len(PLAIN).to_bytes(3, "big")
    assert len(info.mac) == info.tag_length == 16


def test_each_recipient_matches_its_own_certificate_only(kit):
    info = parse_envelope(kit.openssl_encrypt("match.der", "rsa-bidder", "ec-opening"))
    rsa, ec = info.recipients
    assert rsa.matches(kit.parties["rsa-bidder"].cert) and not rsa.matches(kit.parties["ec-opening"].cert)
    assert ec.matches(kit.parties["ec-opening"].cert) and not ec.matches(kit.parties["ec-bidder"].cert)
    assert not info.is_addressed_to(kit.parties["rsa-opening"].cert)


def test_it_reads_subject_key_identifier_recipients(kit):
    info = parse_envelope(kit.openssl_encrypt("keyid.der", "rsa-opening", "ec-opening", extra=["-keyid"]))
    assert all(r.rid.subject_key_id for r in info.recipients)
    assert info.is_addressed_to(kit.parties["rsa-opening"].cert)
    assert info.is_addressed_to(kit.parties["ec-opening"].cert)


def test_it_reads_a_cbc_envelope_with_an_oaep_recipient(kit):
    info = parse_envelope(
        kit.openssl_encrypt("oaep.der", "rsa-bidder", "ec-bidder", cipher="-aes256", oaep=["rsa-bidder"])
    )
    assert info.kind == "enveloped" and info.content_algorithm == "aes-256-cbc"
    assert info.recipients[0].key_algorithm == "rsa_oaep"
    assert info.content_length == (len(PLAIN) // 16 + 1) * 16 and info.mac is None


def test_it_reads_an_indefinite_length_streamed_envelope_from_a_file_and_leaves_the_file_where_it_was(kit):
    kit.openssl_encrypt("stream.ber", "rsa-bidder", "ec-opening", extra=["-stream"])
    with open(kit.dir / "stream.ber", "rb") as f:
        info = parse_envelope(f)
        assert f.tell() == 0
    assert info.chunked and info.encoding == "ber" and info.content_length == len(PLAIN)


def test_it_reads_a_pem_envelope(kit):
    kit.openssl_encrypt("plain.der", "rsa-bidder")
    pem = openssl("cms", "-cmsout", "-inform", "DER", "-in", kit.dir / "plain.der", "-outform", "PEM")
    info = parse_envelope(pem)
    assert info.encoding == "pem" and info.content_length == len(PLAIN)


def test_it_refuses_a_signed_document_as_not_an_envelope(material):
    with pytest.raises(Exception) as exc:
        parse_envelope(material.read("rsa-leaf.cms.der"))
    assert exc.value.code == "pki.not_an_envelope" and exc.value.detail["reason"] == "signed_data"


NOT_ENVELOPES = {
    "a plain PDF": (b"%PDF-1.7 plain bid", "pki.not_an_envelope"),
    "nothing": (b"", "pki.not_an_envelope"),
    "an OCTET STRING": (b"\x04\x10" + bytes(16), "pki.not_an_envelope"),
    "a SEQUENCE without a content type": (b"\x30\x03\x02\x01\x00", "pki.not_an_envelope"),
    "a plain-data ContentInfo": (b"\x30\x0b\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01", "pki.not_an_envelope"),
}


@pytest.mark.parametrize("case", NOT_ENVELOPES)
def test_unencrypted_bytes_are_refused_as_not_an_envelope(case):
    data, code = NOT_ENVELOPES[case]
    with pytest.raises(EnvelopeError) as exc:
        parse_envelope(data)
    assert exc.value.code == code


def test_it_reports_a_truncated_envelope_as_truncated(kit):
    der = kit.openssl_encrypt("trunc.der", "rsa-bidder")
    for cut in (10, 400, len(der) - 5):
        with pytest.raises(Exception) as exc:
            parse_envelope(io.BytesIO(der[:cut]))
        assert exc.value.code == "pki.envelope_truncated", cut


def test_openssl_is_present():
    assert subprocess.run(["openssl", "version"], capture_output=True).returncode == 0


# ---------------------------------------------------------------------------------------------- openssl → us

OPENSSL_FORMS = {
    "aes-256-gcm, RSA PKCS#1 v1.5 + EC opening key": ("-aes-256-gcm", ("rsa-bidder", "ec-opening"), (), ()),
    "aes-256-cbc, RSA PKCS#1 v1.5 + EC opening key": ("-aes256", ("rsa-bidder", "ec-opening"), (), ()),
    "aes-256-gcm, EC bidder + RSA-OAEP opening key": (
        "-aes-256-gcm",
        ("ec-bidder", "rsa-opening"),
        (),
        ("rsa-opening",),
    ),
    "aes-256-cbc, RSA-OAEP bidder + EC opening key": ("-aes256", ("rsa-bidder", "ec-opening"), (), ("rsa-bidder",)),
    "aes-128-gcm streamed BER, by key id": ("-aes-128-gcm", ("ec-bidder", "rsa-opening"), ("-stream", "-keyid"), ()),
}


@pytest.mark.parametrize("form", OPENSSL_FORMS)
def test_an_openssl_envelope_opens_for_each_of_its_two_recipients(kit, form):
    cipher, recipients, extra, oaep = OPENSSL_FORMS[form]
    der = kit.openssl_encrypt(f"{abs(hash(form))}.der", *recipients, cipher=cipher, extra=extra, oaep=oaep)
    for name in recipients:
        party = kit.parties[name]
        assert open_envelope(der, party.key, party.cert) == PLAIN


def test_an_openssl_envelope_is_unwrapped_then_decrypted_from_a_file_into_a_file(kit, tmp_path):
    kit.openssl_encrypt("two.der", "rsa-bidder", "ec-opening", oaep=("rsa-bidder",))
    opening = kit.parties["ec-opening"]
    with open(kit.dir / "two.der", "rb") as f, open(tmp_path / "out.bin", "wb") as out:
        info = parse_envelope(f)
        cek = unwrap_key(info, opening.key, opening.cert)
        assert decrypt(f, cek, out=out) is None
    assert (tmp_path / "out.bin").read_bytes() == PLAIN
    assert unwrap_key(info, kit.parties["rsa-bidder"].key, kit.parties["rsa-bidder"].cert) == cek


# ---------------------------------------------------------------------------------------------- us → openssl


def _openssl_decrypt(kit: Kit, der: bytes, name: str) -> bytes:
    path = kit.dir / f"ours-{os.urandom(4).hex()}.der"
    path.write_bytes(der)
    party = kit.parties[name]
    args = ["cms", "-decrypt", "-binary", "-inform", "DER", "-in", path, "-recip", party.cert_path]
    return openssl(*args, "-inkey", party.key_path)


@pytest.mark.parametrize("algorithm", ["aes-256-gcm", "aes-256-cbc", "aes-128-gcm"])
def test_openssl_opens_our_envelope_for_rsa_oaep_and_ecdh_recipients(kit, algorithm):
    certs = [kit.parties[n].cert for n in ("rsa-bidder", "ec-opening", "sm2-opening")]
    der = encrypt(PLAIN, certs, algorithm=algorithm)
    info = parse_envelope(der)
    assert sorted(r.key_algorithm for r in info.recipients) == ["ecdh_p256", "rsa_oaep", "sm2"]
    assert info.kind == ("auth_enveloped" if "gcm" in algorithm else "enveloped")
    assert _openssl_decrypt(kit, der, "rsa-bidder") == PLAIN
    assert _openssl_decrypt(kit, der, "ec-opening") == PLAIN


def test_openssl_opens_our_streamed_envelope_of_unknown_length(kit):
    out = io.BytesIO()
    encrypt(_Pipe(PLAIN), [kit.parties["ec-bidder"].cert, kit.parties["rsa-opening"].cert], out=out)
    info = parse_envelope(out.getvalue())
    assert info.encoding == "ber" and info.chunked
    assert _openssl_decrypt(kit, out.getvalue(), "rsa-opening") == PLAIN
    opened = io.BytesIO()
    bidder = kit.parties["ec-bidder"]
    decrypt(_Pipe(out.getvalue()), unwrap_key(info, bidder.key, bidder.cert), out=opened)
    assert opened.getvalue() == PLAIN


class _Pipe(io.RawIOBase):
    """A non-seekable stream, like an upload body."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._data.read(min(len(buffer), 65_536))
        buffer[: len(chunk)] = chunk
        return len(chunk)


# ---------------------------------------------------------------------------------------------- SM2 / SM4


@pytest.mark.parametrize("algorithm", ["sm4-cbc", "sm4-gcm"])
def test_an_sm4_envelope_to_an_sm2_bidder_and_sm2_opening_key_opens_for_both(kit, algorithm):
    bidder, opening = kit.parties["sm2-bidder"], kit.parties["sm2-opening"]
    der = encrypt(PLAIN, [bidder.cert, opening.cert], algorithm=algorithm)
    info = parse_envelope(der)
    assert info.content_algorithm == algorithm
    assert [(r.kind, r.key_algorithm, r.key_encryption_oid) for r in info.recipients] == [
        ("ktri", "sm2", "1.2.156.10197.1.301.3")
    ] * 2
    assert open_envelope(der, bidder.key, bidder.cert) == PLAIN
    assert open_envelope(der, opening.key, opening.cert) == PLAIN


def test_gmssl_pyx_recovers_the_same_content_key_from_our_sm2_recipient(kit, material):
    bidder = kit.parties["sm2-bidder"]
    info = parse_envelope(encrypt(PLAIN, [bidder.cert], algorithm="sm4-cbc"))
    pem_der = pem_blocks(material.read("sm2-leaf.key"))[0][1]
    raw = asn1_keys.PrivateKeyInfo.load(pem_der)["private_key"].parsed["private_key"].contents.rjust(32, b"\0")
    assert gmssl_pyx.sm2_decrypt(raw, info.recipients[0].encrypted_key) == unwrap_key(info, bidder.key, bidder.cert)


def test_an_sm2_recipient_written_by_another_tool_in_raw_c1c3c2_form_is_accepted(kit):
    bidder = kit.parties["sm2-bidder"]
    der = encrypt(PLAIN, [bidder.cert], algorithm="sm4-gcm")
    info = parse_envelope(der)
    raw = sm2.raw_ciphertext(info.recipients[0].encrypted_key)
    info = dataclasses.replace(info, recipients=[dataclasses.replace(info.recipients[0], encrypted_key=raw)])
    assert decrypt(der, unwrap_key(info, bidder.key, bidder.cert)) == PLAIN


# ---------------------------------------------------------------------------------------------- bad input


def test_a_certificate_the_envelope_is_not_addressed_to_is_refused(kit):
    der = encrypt(PLAIN, [kit.parties["rsa-bidder"].cert])
    other = kit.parties["rsa-opening"]
    with pytest.raises(EnvelopeError) as exc:
        open_envelope(der, other.key, other.cert)
    assert exc.value.code == "pki.envelope_not_addressed"


def test_a_key_that_does_not_belong_to_the_certificate_is_the_wrong_key(kit):
    der = encrypt(PLAIN, [kit.parties["rsa-opening"].cert])
    with pytest.raises(EnvelopeError) as exc:
        open_envelope(der, kit.parties["rsa-bidder"].key, kit.parties["rsa-opening"].cert)
    assert exc.value.code == "pki.envelope_wrong_key"


@pytest.mark.parametrize("name", ["rsa-opening", "ec-opening", "sm2-opening"])
def test_an_encrypted_key_that_does_not_decrypt_is_the_wrong_key(kit, name):
    party = kit.parties[name]
    info = parse_envelope(encrypt(PLAIN, [party.cert]))
    foreign = parse_envelope(encrypt(PLAIN, [party.cert])).recipients[0]
    broken = dataclasses.replace(foreign, encrypted_key=foreign.encrypted_key[:-8] + bytes(8))
    with pytest.raises(EnvelopeError) as exc:
        unwrap_key(dataclasses.replace(info, recipients=[broken]), party.key, party.cert)
    assert exc.value.code == "pki.envelope_wrong_key"


def test_an_openssl_pkcs1_envelope_with_a_corrupted_key_is_the_wrong_key(kit):
    party = kit.parties["rsa-bidder"]
    info = parse_envelope(kit.openssl_encrypt("pkcs1.der", "rsa-bidder", cipher="-aes256"))
    broken = dataclasses.replace(info.recipients[0], encrypted_key=bytes(256))
    with pytest.raises(EnvelopeError) as exc:
        unwrap_key(dataclasses.replace(info, recipients=[broken]), party.key, party.cert)
    assert exc.value.code == "pki.envelope_wrong_key"


@pytest.mark.parametrize("algorithm", ["aes-256-gcm", "sm4-gcm"])
def test_one_flipped_ciphertext_bit_in_gcm_content_is_tampering(kit, algorithm):
    party = kit.parties["ec-opening"]
    der = bytearray(encrypt(PLAIN, [party.cert], algorithm=algorithm))
    info = parse_envelope(bytes(der))
    der[info.content_offset + 1000] ^= 0x01
    with pytest.raises(EnvelopeError) as exc:
        open_envelope(bytes(der), party.key, party.cert)
    assert exc.value.code == "pki.envelope_tampered"


def test_a_changed_gcm_tag_is_tampering(kit):
    party = kit.parties["rsa-opening"]
    der = bytearray(encrypt(PLAIN, [party.cert]))
    der[-1] ^= 0x80
    with pytest.raises(EnvelopeError) as exc:
        open_envelope(bytes(der), party.key, party.cert)
    assert exc.value.code == "pki.envelope_tampered"


@pytest.mark.parametrize("algorithm", ["aes-256-cbc", "sm4-cbc"])
def test_cbc_content_with_broken_padding_is_tampering(kit, algorithm):
    party = kit.parties["rsa-opening"]
    der = bytearray(encrypt(PLAIN, [party.cert], algorithm=algorithm))
    info = parse_envelope(bytes(der))
    pad = 16 - len(PLAIN) % 16
    # XOR into the last byte of the penultimate block turns the final padding byte into 0: never valid.
    der[info.content_offset + info.content_length - 17] ^= pad
    with pytest.raises(EnvelopeError) as exc:
        open_envelope(bytes(der), party.key, party.cert)
    assert exc.value.code == "pki.envelope_tampered"


def test_a_content_key_of_the_wrong_size_is_the_wrong_key(kit):
    der = encrypt(PLAIN, [kit.parties["rsa-opening"].cert])
    with pytest.raises(EnvelopeError) as exc:
        decrypt(der, os.urandom(16))
    assert exc.value.code == "pki.envelope_wrong_key"


def test_a_password_recipient_is_unsupported(kit):
    der = kit.openssl_encrypt("pwri.der", cipher="-aes256", extra=["-pwri_password", "secret"])
    with pytest.raises(EnvelopeError) as exc:
        parse_envelope(der)
    assert exc.value.code == "pki.envelope_unsupported" and exc.value.detail == {"kind": "pwri"}


def test_a_triple_des_envelope_is_unsupported(kit):
    with pytest.raises(EnvelopeError) as exc:
        parse_envelope(kit.openssl_encrypt("des3.der", "rsa-bidder", cipher="-des3"))
    assert exc.value.code == "pki.envelope_unsupported"


def test_encrypting_with_an_unknown_algorithm_or_to_nobody_is_refused(kit):
    with pytest.raises(EnvelopeError) as exc:
        encrypt(PLAIN, [kit.parties["rsa-opening"].cert], algorithm="des-ede3-cbc")
    assert exc.value.code == "pki.envelope_unsupported"
    with pytest.raises(EnvelopeError) as exc:
        encrypt(PLAIN, [])
    assert exc.value.code == "pki.envelope_no_recipient"


def test_trailing_bytes_inside_the_envelope_are_malformed(kit):
    der = encrypt(PLAIN, [kit.parties["rsa-opening"].cert])
    # Grow the outermost length by 2 and append two stray bytes inside it.
    body = bytearray(der)
    length = int.from_bytes(body[2:5], "big") + 2
    body[2:5] = length.to_bytes(3, "big")
    with pytest.raises(EnvelopeError) as exc:
        parse_envelope(bytes(body) + b"\x05\x00")
    assert exc.value.code == "pki.envelope_malformed"


def test_a_truncated_pem_envelope_is_truncated(kit):
    kit.openssl_encrypt("p.der", "rsa-bidder")
    pem = openssl("cms", "-cmsout", "-inform", "DER", "-in", kit.dir / "p.der", "-outform", "PEM")
    with pytest.raises(EnvelopeError) as exc:
        parse_envelope(pem[: len(pem) // 2])
    assert exc.value.code == "pki.envelope_truncated"


# ---------------------------------------------------------------------------------------------- big content


def test_a_200_mb_bid_is_encrypted_and_decrypted_file_to_file_in_bounded_memory(kit, tmp_path):
    size = 200 * 1024 * 1024
    plain, sealed, opened = tmp_path / "bid.bin", tmp_path / "bid.cms", tmp_path / "opened.bin"
    block = os.urandom(4 << 20)
    with open(plain, "wb") as f:
        for _ in range(size // len(block)):
            f.write(block)
    opening = kit.parties["ec-opening"]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    try:
        with open(plain, "rb") as src, open(sealed, "wb") as out:
            encrypt(src, [kit.parties["rsa-bidder"].cert, opening.cert], out=out)
        with open(sealed, "rb") as src, open(opened, "wb") as out:
            info = parse_envelope(src)
            decrypt(src, unwrap_key(info, opening.key, opening.cert), out=out)
        _, traced_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    assert info.content_length == size
    assert traced_peak < 16 * 1024 * 1024 and rss_growth < 64 * 1024 * 1024, (traced_peak, rss_growth)
    assert _sha256(opened) == _sha256(plain)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(4 << 20):
            h.update(chunk)
    return h.hexdigest()
