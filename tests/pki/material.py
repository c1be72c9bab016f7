"""All PKI test material, generated with the OpenSSL 3 CLI into a directory (keys are never committed).

Every date is explicit (``openssl ca -startdate/-enddate``, ``-crl_lastupdate/-crl_nextupdate``,
revocation dates written into the CA database) so tests use the fixed ``NOW`` below and never
depend on the day they run.

Run as a script to look at it: ``python tests/pki/material.py /tmp/pki``.
"""

from __future__ import annotations

import datetime as dt
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

UTC = dt.UTC
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
VALID = ("20240101000000Z", "20340101000000Z")
EXPIRED = ("20200101000000Z", "20250101000000Z")
FUTURE = ("20300101000000Z", "20340101000000Z")
CRL_FRESH = ("20260101000000Z", "20270101000000Z")
CRL_STALE = ("20250101000000Z", "20250201000000Z")
REVOKED_AT = dt.datetime(2026, 3, 1, tzinfo=UTC)
PASSWORD = b"p12-secret"
STD_ID = "1234567812345678"
DOCUMENT = ("投标文件回执 — receipt for bid 2026-0001\n".encode() * 200) + bytes(range(256))

_CONFIG = """
[ca]
default_ca = CA_default
[CA_default]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
policy = policy_any
unique_subject = no
copy_extensions = none
default_days = 365
default_crl_days = 30
[policy_any]
commonName = supplied
organizationName = optional
countryName = optional
[ca_ext]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[sign_ext]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[enc_ext]
basicConstraints = CA:false
keyUsage = critical,keyEncipherment,dataEncipherment,keyAgreement
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def openssl(*args: str | Path, cwd: Path | None = None) -> bytes:
    proc = subprocess.run(["openssl", *map(str, args)], capture_output=True, cwd=cwd)
    if proc.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(map(str, args))} failed:\n{proc.stderr.decode(errors='replace')}")
    return proc.stdout


@dataclass
class CA:
    name: str
    dir: Path
    key: Path
    cert: Path
    md: str
    sigopt: tuple[str, ...] = ()

    @property
    def config(self) -> Path:
        return self.dir / "ca.cnf"


@dataclass
class Material:
    dir: Path
    now: dt.datetime = NOW
    document: bytes = DOCUMENT
    password: bytes = PASSWORD
    serials: dict[str, int] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        return self.dir / name

    def read(self, name: str) -> bytes:
        return (self.dir / name).read_bytes()


def trusted(m: Material, name: str, crl: str | None = "default"):
    """A trust-list entry for CA ``name`` with its own CRL, another CRL file, or none."""
    from ggzy.pki.certs import load_certificate
    from ggzy.pki.validation import TrustedCA

    crl_name = f"{name}.crl" if crl == "default" else crl
    return TrustedCA(load_certificate(m.read(f"{name}.pem")), m.read(crl_name) if crl_name else None)


def _key(out: Path, kind: str) -> Path:
    if kind == "rsa":
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", out)
    elif kind == "ec":
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", out)
    elif kind == "sm2":
        openssl("genpkey", "-algorithm", "SM2", "-out", out)
    else:
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{kind}", "-out", out)
    return out


def _new_ca_dir(root: Path, name: str) -> Path:
    d = root / "ca" / name
    (d / "newcerts").mkdir(parents=True)
    (d / "index.txt").write_text("")
    (d / "index.txt.attr").write_text("unique_subject = no\n")
    (d / "serial").write_text(f"{secrets.randbits(63) | (1 << 62):X}\n")
    (d / "crlnumber").write_text("1000\n")
    (d / "ca.cnf").write_text(_CONFIG.format(dir=d))
    return d


def _csr(m: Material, key: Path, subject: str, md: str) -> Path:
    out = m.dir / "csr" / f"{key.stem}.{secrets.token_hex(4)}.csr"
    openssl(
        "req",
        "-new",
        "-utf8",
        "-key",
        key,
        "-subj",
        subject,
        f"-{md}",
        "-out",
        out,
        "-config",
        m.dir / "req.cnf",
    )
    return out


def _issue(
    m: Material,
    ca: CA | None,
    *,
    name: str,
    key: Path,
    subject: str,
    ext: str,
    dates: tuple[str, str] = VALID,
    md: str = "sha256",
    sigopt: tuple[str, ...] | None = None,
    self_ca: CA | None = None,
) -> Path:
    """Issue ``name``.pem with ``openssl ca``; ``ca=None`` with ``self_ca`` makes a self-signed root."""
    signer = ca or self_ca
    out = m.dir / f"{name}.pem"
    args: list[str | Path] = ["ca", "-batch", "-notext", "-preserveDN", "-config", signer.config]
    args += ["-in", _csr(m, key, subject, md), "-out", out, "-extensions", ext, "-md", md]
    args += ["-startdate", dates[0], "-enddate", dates[1]]
    if ca is None:
        args += ["-selfsign", "-keyfile", key]
    else:
        args += ["-keyfile", ca.key, "-cert", ca.cert]
    for opt in signer.sigopt if sigopt is None else sigopt:
        args += ["-sigopt", opt]
    openssl(*args)
    m.serials[name] = int(openssl("x509", "-in", out, "-noout", "-serial").decode().split("=")[1], 16)
    return out


def _make_ca(
    m: Material,
    name: str,
    kind: str,
    *,
    parent: CA | None = None,
    subject: str | None = None,
    md: str = "sha256",
) -> CA:
    d = _new_ca_dir(m.dir, name)
    key = _key(m.dir / f"{name}.key", kind)
    sigopt = (f"distid:{STD_ID}",) if kind == "sm2" else ()
    ca = CA(name, d, key, m.dir / f"{name}.pem", md, sigopt)
    _issue(
        m,
        parent,
        name=name,
        key=key,
        subject=subject or f"/O=GGZY Test/CN={name}",
        ext="ca_ext",
        md=md,
        sigopt=parent.sigopt if parent else sigopt,
        self_ca=ca,
    )
    return ca


def _revoke(ca: CA, m: Material, name: str, when: dt.datetime, reason: str = "keyCompromise") -> None:
    """Mark ``name`` revoked in the CA database with a fixed date (``openssl ca -revoke`` would use today)."""
    serial = f"{m.serials[name]:X}"
    lines = []
    for line in (ca.dir / "index.txt").read_text().splitlines():
        cols = line.split("\t")
        if cols[3].lstrip("0") == serial.lstrip("0"):
            cols[0], cols[2] = "R", when.strftime("%y%m%d%H%M%SZ") + f",{reason}"
        lines.append("\t".join(cols))
    (ca.dir / "index.txt").write_text("\n".join(lines) + "\n")


def _crl(ca: CA, out: Path, dates: tuple[str, str] = CRL_FRESH, *, signer: CA | None = None) -> Path:
    signer = signer or ca
    args: list[str | Path] = [
        "ca",
        "-gencrl",
        "-config",
        ca.config,
        "-keyfile",
        signer.key,
        "-cert",
        signer.cert,
    ]
    args += ["-md", signer.md, "-crl_lastupdate", dates[0], "-crl_nextupdate", dates[1], "-out", out]
    for opt in signer.sigopt:
        args += ["-sigopt", opt]
    openssl(*args)
    return out


def _p12(m: Material, name: str, key: Path, chain: list[Path]) -> None:
    args: list[str | Path] = ["pkcs12", "-export", "-inkey", key, "-in", m.dir / f"{name}.pem"]
    for c in chain:
        args += ["-certfile", c]
    openssl(*args, "-passout", f"pass:{PASSWORD.decode()}", "-out", m.dir / f"{name}.p12")


def _cms(m: Material, signer: str, key: Path, chain: Path, out: str, form: str = "DER") -> None:
    openssl(
        "cms",
        "-sign",
        "-binary",
        "-md",
        "sha256",
        "-in",
        m.dir / "document.bin",
        "-signer",
        m.dir / f"{signer}.pem",
        "-inkey",
        key,
        "-certfile",
        chain,
        "-outform",
        form,
        "-out",
        m.dir / out,
    )


def generate(directory: Path) -> Material:
    """Make every CA, leaf, CRL, PKCS#12 and CMS file the PKI tests use. About 2–5 s."""
    m = Material(Path(directory))
    m.dir.mkdir(parents=True, exist_ok=True)
    (m.dir / "csr").mkdir(exist_ok=True)
    (m.dir / "req.cnf").write_text("[req]\ndistinguished_name = dn\nstring_mask = utf8only\n[dn]\n")
    (m.dir / "document.bin").write_bytes(DOCUMENT)
    _rsa(m)
    _ecdsa(m)
    _sm2(m)
    _loop(m)
    _odd(m)
    return m


def _rsa(m: Material) -> None:
    root = _make_ca(m, "rsa-root", "rsa")
    ca = _make_ca(m, "rsa-ca", "rsa", parent=root, subject="/O=GGZY Test/CN=rsa-ca")
    leaf_key = _key(m.dir / "rsa-leaf.key", "rsa")
    _issue(m, ca, name="rsa-leaf", key=leaf_key, subject="/O=某某建设有限公司/CN=张三", ext="sign_ext")
    _issue(m, ca, name="rsa-revoked", key=leaf_key, subject="/CN=rsa-revoked", ext="sign_ext")
    _issue(m, ca, name="rsa-expired", key=leaf_key, subject="/CN=rsa-expired", ext="sign_ext", dates=EXPIRED)
    _issue(m, ca, name="rsa-future", key=leaf_key, subject="/CN=rsa-future", ext="sign_ext", dates=FUTURE)
    _issue(m, ca, name="rsa-enc", key=leaf_key, subject="/CN=rsa-enc", ext="enc_ext")
    # The January 2025 CRL predates the revocation, so it does not list rsa-revoked.
    _crl(ca, m.dir / "rsa-ca-stale.crl", CRL_STALE)
    _revoke(ca, m, "rsa-revoked", REVOKED_AT)
    _crl(root, m.dir / "rsa-root.crl")
    _crl(ca, m.dir / "rsa-ca.crl")
    # Same name as rsa-ca, different key: its CRL claims the right issuer but cannot verify.
    rogue = _make_ca(m, "rsa-rogue", "rsa", subject="/O=GGZY Test/CN=rsa-ca")
    _crl(ca, m.dir / "rsa-ca-by-rogue.crl", signer=rogue)
    chain = m.dir / "rsa-chain.pem"
    chain.write_bytes(m.read("rsa-ca.pem") + m.read("rsa-root.pem"))
    _p12(m, "rsa-leaf", leaf_key, [m.dir / "rsa-ca.pem"])
    _cms(m, "rsa-leaf", leaf_key, m.dir / "rsa-ca.pem", "rsa-leaf.cms.der")
    _cms(m, "rsa-leaf", leaf_key, m.dir / "rsa-ca.pem", "rsa-leaf.cms.pem", "PEM")
    _cms(m, "rsa-leaf", leaf_key, m.dir / "rsa-ca.pem", "rsa-leaf.cms.smime", "SMIME")
    _cms(m, "rsa-revoked", leaf_key, m.dir / "rsa-ca.pem", "rsa-revoked.cms.der")


def _ecdsa(m: Material) -> None:
    ca = _make_ca(m, "ec-ca", "ec")
    key = _key(m.dir / "ec-leaf.key", "ec")
    _issue(m, ca, name="ec-leaf", key=key, subject="/O=某某咨询有限公司/CN=李四", ext="sign_ext")
    _crl(ca, m.dir / "ec-ca.crl")
    _p12(m, "ec-leaf", key, [m.dir / "ec-ca.pem"])
    _cms(m, "ec-leaf", key, m.dir / "ec-ca.pem", "ec-leaf.cms.der")


def _sm2(m: Material) -> None:
    ca = _make_ca(m, "sm2-ca", "sm2", md="sm3")
    key = _key(m.dir / "sm2-leaf.key", "sm2")
    _issue(m, ca, name="sm2-leaf", key=key, subject="/O=某某招标代理有限公司/CN=王五", ext="sign_ext", md="sm3")
    _issue(m, ca, name="sm2-enc", key=key, subject="/CN=sm2-enc", ext="enc_ext", md="sm3")
    _issue(m, ca, name="sm2-revoked", key=key, subject="/CN=sm2-revoked", ext="sign_ext", md="sm3")
    # The OpenSSL 3.0 default: signed with an EMPTY distinguishing ID (libraries.md §1, the ID trap).
    _issue(m, ca, name="sm2-empty-id", key=key, subject="/CN=sm2-empty-id", ext="sign_ext", md="sm3", sigopt=())
    _revoke(ca, m, "sm2-revoked", REVOKED_AT, "superseded")
    _crl(ca, m.dir / "sm2-ca.crl")
    _p12(m, "sm2-leaf", key, [m.dir / "sm2-ca.pem"])


def _loop(m: Material) -> None:
    """Two CAs certifying each other, neither self-signed: a path from a leaf never reaches a root."""
    a0 = _make_ca(m, "loop-a0", "ec", subject="/O=GGZY Test/CN=loop-a")
    b0 = _make_ca(m, "loop-b0", "ec", subject="/O=GGZY Test/CN=loop-b")
    _issue(m, b0, name="loop-a", key=a0.key, subject="/O=GGZY Test/CN=loop-a", ext="ca_ext")
    _issue(m, a0, name="loop-b", key=b0.key, subject="/O=GGZY Test/CN=loop-b", ext="ca_ext")
    key = _key(m.dir / "loop-leaf.key", "ec")
    _issue(m, a0, name="loop-leaf", key=key, subject="/CN=loop-leaf", ext="sign_ext")
    _crl(a0, m.dir / "loop-a.crl")
    _crl(b0, m.dir / "loop-b.crl")


def _odd(m: Material) -> None:
    """A P-384 certificate: a curve the platform does not accept."""
    key = _key(m.dir / "p384.key", "P-384")
    openssl(
        "req",
        "-new",
        "-x509",
        "-key",
        key,
        "-subj",
        "/CN=p384",
        "-days",
        "30",
        "-out",
        m.dir / "p384.pem",
        "-config",
        m.dir / "req.cnf",
    )


if __name__ == "__main__":
    import time

    start = time.perf_counter()
    generate(Path(sys.argv[1]))
    print(f"generated in {time.perf_counter() - start:.1f} s into {sys.argv[1]}")
