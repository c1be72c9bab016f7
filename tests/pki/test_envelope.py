"""Sealed-bid envelopes: what ``openssl cms -encrypt`` makes we open, what we make ``openssl cms -decrypt`` opens."""

from __future__ import annotations

import io
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from material import openssl

from ggzy.pki.certs import Certificate, load_certificate
from ggzy.pki.envelope import parse_envelope
from ggzy.pki.keys import PrivateKey, load_private_key

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
        "ec-opening": _self_signed(d, "ec-opening", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "keyAgreement"),
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


@pytest.mark.parametrize("data", [b"%PDF-1.7 plain bid", b"", b"\x30\x03\x02\x01\x00", os.urandom(64)])
def test_it_refuses_unencrypted_or_random_bytes_as_not_an_envelope(data):
    data = b"\x31" + data if data[:1] == b"\x30" and len(data) == 64 else data
    with pytest.raises(Exception) as exc:
        parse_envelope(data)
    assert exc.value.code in ("pki.not_an_envelope", "pki.envelope_malformed", "pki.envelope_truncated")


def test_it_reports_a_truncated_envelope_as_truncated(kit):
    der = kit.openssl_encrypt("trunc.der", "rsa-bidder")
    for cut in (10, 400, len(der) - 5):
        with pytest.raises(Exception) as exc:
            parse_envelope(io.BytesIO(der[:cut]))
        assert exc.value.code == "pki.envelope_truncated", cut


def test_openssl_is_present():
    assert subprocess.run(["openssl", "version"], capture_output=True).returncode == 0
