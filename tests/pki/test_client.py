"""ggzy-client's Python API against the app: load PEM / PKCS#8 / PKCS#12 identities, log in, bind, sign."""

from __future__ import annotations

import subprocess

import pytest
from material import PASSWORD
from trustdb import entity_account, load_trust

from ggzy.client import ClientError, GgzyClient, load_identity
from ggzy.demo import DEMO_PASSWORD
from ggzy.kit.errors import GgzyError


@pytest.fixture
def trusted(session, material, clock):
    load_trust(session, material, clock.now())
    return material


@pytest.fixture
def ggzy(client, tmp_path):
    with GgzyClient("http://testserver", transport=client._transport, token_file=tmp_path / "token") as c:
        yield c


@pytest.mark.parametrize(
    "key,cert,password",
    [
        ("rsa-leaf.key", "rsa-leaf.pem", None),
        ("ec-leaf.p12", None, PASSWORD),
        ("sm2-leaf.p12", None, PASSWORD),
        ("sm2-leaf.key", "sm2-leaf.pem", None),
    ],
)
def test_it_logs_in_with_each_key_format_and_family(ggzy, session, trusted, clock, key, cert, password, tmp_path):
    leaf = (cert or key).split(".")[0]
    entity_account(session, clock.now(), "client.bidder", "GY-QZ", trusted.read(f"{leaf}.pem"))
    ggzy.load_identity(trusted.path(key), trusted.path(cert) if cert else None, password)
    token = ggzy.login()
    assert ggzy.whoami()["username"] == "client.bidder"
    assert (tmp_path / "token").read_text().strip() == token


def test_an_encrypted_pkcs8_key_loads_with_its_password(trusted, tmp_path):
    out = tmp_path / "enc.key"
    subprocess.run(
        ["openssl", "pkcs8", "-topk8", "-in", trusted.path("ec-leaf.key"), "-out", out, "-passout", "pass:secret"],
        check=True,
    )
    ident = load_identity(out, trusted.path("ec-leaf.pem"), "secret")
    assert "李四" in ident.certificate.subject_text
    with pytest.raises(GgzyError) as err:
        load_identity(out, trusted.path("ec-leaf.pem"), "wrong")
    assert err.value.code == "pki.wrong_password"


def test_a_key_that_does_not_match_the_certificate_is_refused(trusted):
    with pytest.raises(GgzyError) as err:
        load_identity(trusted.path("ec-leaf.key"), trusted.path("rsa-leaf.pem"))
    assert err.value.code == "pki.key_certificate_mismatch"


def test_a_token_from_a_password_login_binds_a_certificate_then_the_certificate_logs_in(ggzy, client, trusted):
    r = client.post("/api/v1/auth/tokens", json={"username": "bidder.zy", "password": DEMO_PASSWORD})
    ggzy.token = r.json()["token"]
    ggzy.load_identity(trusted.path("sm2-leaf.p12"), None, PASSWORD)
    bound = ggzy.bind_certificate()
    assert "王五" in bound["subject"]
    assert [c["fingerprint"] for c in ggzy.certificates()] == [bound["fingerprint"]]
    ggzy.token = None
    ggzy.login()
    assert ggzy.whoami()["username"] == "bidder.zy"


def test_a_refusal_from_the_server_carries_its_code(ggzy, trusted):
    ggzy.load_identity(trusted.path("rsa-leaf.key"), trusted.path("rsa-expired.pem"))
    with pytest.raises(ClientError) as err:
        ggzy.login()
    assert err.value.code == "auth.certificate.expired" and "过期" in err.value.message


def test_whoami_without_login_says_what_to_do(client):
    with GgzyClient("http://testserver", transport=client._transport) as c, pytest.raises(ClientError) as err:
        c.whoami()
    assert err.value.code == "client.not_logged_in"


def test_a_signed_file_verifies_with_openssl_and_a_tampered_copy_does_not(trusted, tmp_path):
    c = GgzyClient("http://unused")
    c.load_identity(trusted.path("rsa-leaf.p12"), None, PASSWORD)
    doc = tmp_path / "bid.bin"
    doc.write_bytes(trusted.document)
    sig = tmp_path / "bid.p7s"
    sig.write_bytes(c.sign_file(doc))
    base = ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-purpose", "any"]
    chain = ["-CAfile", trusted.path("rsa-chain.pem")]
    assert subprocess.run([*base, "-content", doc, *chain], capture_output=True).returncode == 0
    doc.write_bytes(trusted.document + b"!")
    assert subprocess.run([*base, "-content", doc, *chain], capture_output=True).returncode != 0
