"""Helpers for the database-backed PKI tests: a trust list in the DB and signatures made with the OpenSSL CLI."""

from __future__ import annotations

import base64
from pathlib import Path

from material import STD_ID, Material, openssl

from ggzy.auth import service as auth
from ggzy.kit.actor import SYSTEM
from ggzy.pki import service as pki
from ggzy.pki.certs import load_certificate

CAS = ("rsa-root", "rsa-ca", "ec-ca", "sm2-ca")


def load_trust(session, m: Material, now, names=CAS) -> None:
    for name in names:
        pki.add_ca(
            session,
            actor=SYSTEM,
            now=now,
            certificate=m.read(f"{name}.pem"),
            name=name,
            provider=f"{name} 测试CA",
            crl=m.read(f"{name}.crl"),
        )
    session.commit()


def entity_account(session, now, username: str, center: str, cert_pem: bytes | None = None):
    account = auth.create_account(
        session, actor=SYSTEM, now=now, username=username, display_name=username, kind="entity", home_center_code=center
    )
    if cert_pem is not None:
        trust = pki.current_trust_list(session)
        cert = load_certificate(cert_pem)
        pki.bind_certificate(session, actor=SYSTEM, now=now, account=account, certificate=cert, trust=trust)
    session.commit()
    return account


def sign(m: Material, tmp: Path, challenge: str, leaf: str, key: str, how: str) -> bytes:
    """Sign ``challenge`` the way a bidder would with the OpenSSL CLI: cms, raw or raw-empty-id (SM2)."""
    msg = tmp / "challenge.txt"
    msg.write_bytes(challenge.encode())
    out = tmp / "challenge.sig"
    key_path, cert_path = m.path(f"{key}.key"), m.path(f"{leaf}.pem")
    if how == "cms":
        openssl(
            "cms",
            "-sign",
            "-binary",
            "-md",
            "sha256",
            "-in",
            msg,
            "-signer",
            cert_path,
            "-inkey",
            key_path,
            "-outform",
            "DER",
            "-out",
            out,
        )
    elif how == "raw":
        if "sm2" in key:
            openssl("dgst", "-sm3", "-sign", key_path, "-sigopt", f"distid:{STD_ID}", "-out", out, msg)
        else:
            openssl("dgst", "-sha256", "-sign", key_path, "-out", out, msg)
    elif how == "raw-empty-id":
        openssl("dgst", "-sm3", "-sign", key_path, "-out", out, msg)
    else:
        raise ValueError(how)
    return out.read_bytes()


def proof_json(challenge: str, signature: bytes, cert: bytes | None = None, **extra) -> dict:
    body = {"challenge": challenge, "signature": base64.b64encode(signature).decode(), **extra}
    if cert is not None:
        body["certificate"] = cert.decode()
    return body
