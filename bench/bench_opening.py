"""Opening of sealed bids through the platform's opening path, next to raw AES-GCM / SM4 on the same bytes.

Run: ``python bench/bench_opening.py [--quick] [--bids=N]``. Prints figures only; asserts nothing about time.

Issue 5: "opening of 500 bids (5 MB each) against raw AES-GCM and SM4 throughput on the same bytes (ratio)".
Per algorithm (AES-256-GCM, SM4-GCM) the full run opens 500 bids of 5 MB; --quick opens 40. Each bid is a
real signed bid package (bid.json + one 5 MB file + manifest + CMS signature, ZIP) sealed in a CMS envelope
to the bidder's certificate and the opening key, stored as a file. To bound disk use the run builds 10
distinct envelopes per algorithm and cycles through them.

The opening path timed is ``opening.decryption.open_bid`` — exactly what the opening runs per bid outside
the database transaction: re-hash the stored ciphertext (SHA-256 + SM3) against the receipt, decrypt to a
temporary file in 1 MiB steps while hashing the plaintext (SHA-256 + SM3), ``read_package`` (ZIP checks,
every file re-hashed against the manifest, files extracted), the package signature checked, document
metadata read. Not timed: the content-key unwrap (bench_envelope times it), the one-row database write.
The raw reference decrypts the same ciphertext bytes, already in memory, in one ``cryptography`` call with
the content key known. Peak memory is the process's maximum resident set (ru_maxrss).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src")]

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.ciphers import Cipher, modes  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from ggzy.bidding.package import build_package  # noqa: E402
from ggzy.opening.decryption import Expected, hash_file, open_bid  # noqa: E402
from ggzy.pki import envelope  # noqa: E402
from ggzy.pki.certs import load_certificate  # noqa: E402
from ggzy.pki.cms import sign_detached  # noqa: E402
from ggzy.pki.keys import wrap_private_key  # noqa: E402
from ggzy.pki.validation import TrustedCA, TrustList  # noqa: E402

BID = 5 * 1024 * 1024
DISTINCT = 10
ALGORITHMS = ("aes-256-gcm", "sm4-gcm")
NOW = dt.datetime.now(dt.UTC)


def _cert(name: str, key, issuer_key=None, issuer_name=None, ca: bool = False):
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name or subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
    cert = builder.sign(issuer_key or key, hashes.SHA256())
    return load_certificate(cert.public_bytes(serialization.Encoding.PEM))


def _parties():
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("bench CA", ca_key, ca=True)
    bidder_key = ec.generate_private_key(ec.SECP256R1())
    bidder = _cert("bench bidder", bidder_key, ca_key, ca.x509.subject)
    opening_key = ec.generate_private_key(ec.SECP256R1())
    opening = _cert("bench opening key", opening_key, ca_key, ca.x509.subject)
    trust = TrustList([TrustedCA(ca)], require_revocation=False)
    return trust, (bidder, wrap_private_key(bidder_key)), (opening, wrap_private_key(opening_key))


def _build(folder: Path, algorithm: str, bidder, opening) -> list[tuple[Path, bytes, Expected]]:
    cert, key = bidder
    out = []
    for i in range(DISTINCT):
        doc = folder / f"技术标-{i}.pdf"
        doc.write_bytes(b"%PDF-1.7\n" + os.urandom(BID - 9))
        package = folder / f"package-{i}.zip"
        form = {"section": "BENCH", "price_fen": 100_000_00 + i, "duration_days": 300, "quality": "合格"}
        build_package(form, [doc], lambda data: sign_detached(data, cert, key), package)
        sealed = folder / f"bid-{algorithm}-{i}.p7m"
        with package.open("rb") as src, sealed.open("wb") as dst:
            envelope.encrypt(src, [cert, opening[0]], algorithm=algorithm, out=dst)
        doc.unlink()
        package.unlink()
        with sealed.open("rb") as fh:
            info = envelope.parse_envelope(fh)
        cek = envelope.unwrap_key(info, opening[1], opening[0])
        sha, sm3, size = hash_file(sealed)
        out.append((sealed, cek, Expected("BENCH", f"B{i}", sha, sm3, size, cert.fingerprint, NOW)))
    return out


def _raw_seconds(algorithm: str, bids: list[tuple[Path, bytes, Expected]], n: int) -> float:
    """The same ciphertext octets (already in memory) decrypted in one call, tag checked."""
    spec = envelope.CONTENT_ALGORITHMS[algorithm]
    cached = []
    for path, cek, _ in bids:
        data = path.read_bytes()
        info = envelope.parse_envelope(data)
        cached.append((cek, info, data[info.content_offset : info.content_offset + info.content_length]))
    start = time.perf_counter()
    for i in range(n):
        cek, info, body = cached[i % len(cached)]
        d = Cipher(spec.cipher(cek), modes.GCM(info.iv, info.mac)).decryptor()
        d.update(body)
        d.finalize()
    return time.perf_counter() - start


def _path_seconds(bids, n: int, trust: TrustList, tmp: Path) -> float:
    start = time.perf_counter()
    for i in range(n):
        path, cek, expected = bids[i % len(bids)]
        outcome = open_bid(path, cek, expected, trust=trust, by_bidder=True, tmp_root=tmp)
        if not outcome.opened:
            raise SystemExit(f"bench: bid {i} did not open: {outcome.reason}")
        outcome.cleanup()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--bids", type=int, default=None)
    args, _ = parser.parse_known_args()
    n = args.bids or (40 if args.quick else 500)
    print(f"bench_opening: {n} bids × {BID // (1 << 20)} MB per algorithm (cycling {DISTINCT} distinct envelopes)")
    trust, bidder, opening = _parties()
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    folder = Path(tempfile.mkdtemp(prefix="ggzy-bench-opening-"))
    try:
        for algorithm in ALGORITHMS:
            bids = _build(folder, algorithm, bidder, opening)
            raw = _raw_seconds(algorithm, bids, n)
            path = _path_seconds(bids, n, trust, folder / "tmp")
            mb = n * BID / (1 << 20)
            print(
                f"  {algorithm:12s} opening path {mb / path:8.1f} MB/s ({n / path:6.1f} bids/s, {path:6.1f} s) | "
                f"raw decrypt {mb / raw:8.1f} MB/s | ratio path/raw {raw / path:5.3f}"
            )
            for p, _, _ in bids:
                p.unlink()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"  peak RSS {peak / 1024:.0f} MB (before the run {base_rss / 1024:.0f} MB; one bid is 5 MB)")


if __name__ == "__main__":
    main()
