"""Sealed-bid opening: ``envelope.decrypt()`` throughput next to raw ``cryptography`` on the same bytes; key unwraps.

Run: ``python bench/bench_envelope.py [--quick]``. Prints figures only; asserts nothing about time.
Issue 5 asks for "opening of 500 bids (5 MB each) against raw AES-GCM and SM4 throughput". Full size
decrypts 500 × 5 MB per algorithm; to keep memory bounded the run builds 20 distinct envelopes per
algorithm and cycles through them (--quick: 50 × 5 MB from 10 envelopes). The raw reference decrypts the
same ciphertext bytes, in one call, with the content key already known.
Reference (libraries.md §1, same class of machine): AES-256-GCM 2,709 MB/s, SM4-CBC 84.5 MB/s, SM4-GCM
106 MB/s; RSA-2048 PKCS#1 sign (≈ decrypt) 1,255/s; SM2 decrypt via ctypes 2,008/s.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "pki")]

import material as material_module  # noqa: E402
from cryptography.hazmat.primitives import padding as sym_padding  # noqa: E402
from cryptography.hazmat.primitives.ciphers import Cipher, modes  # noqa: E402

from ggzy.pki import envelope  # noqa: E402
from ggzy.pki.certs import load_certificate  # noqa: E402
from ggzy.pki.keys import load_private_key  # noqa: E402

BID = 5 * 1024 * 1024
ALGORITHMS = ("aes-256-gcm", "sm4-gcm", "sm4-cbc")


class _Discard(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        return len(b)


def _raw(spec, cek: bytes, info: envelope.EnvelopeInfo, ciphertext: bytes) -> None:
    if spec.aead:
        d = Cipher(spec.cipher(cek), modes.GCM(info.iv, info.mac)).decryptor()
        d.update(ciphertext)
        d.finalize()
    else:
        d = Cipher(spec.cipher(cek), modes.CBC(info.iv)).decryptor()
        u = sym_padding.PKCS7(128).unpadder()
        u.update(d.update(ciphertext) + d.finalize())
        u.finalize()


def bench_decrypt(algorithm: str, recipient, bids: int, distinct: int) -> None:
    cert, key = recipient
    plain = os.urandom(BID)
    sealed = [envelope.encrypt(plain, [cert], algorithm=algorithm) for _ in range(distinct)]
    infos = [envelope.parse_envelope(s) for s in sealed]
    ceks = [envelope.unwrap_key(i, key, cert) for i in infos]
    spans = [s[i.content_offset : i.content_offset + i.content_length] for s, i in zip(sealed, infos, strict=True)]
    spec = envelope.CONTENT_ALGORITHMS[algorithm]
    sink = _Discard()
    envelope.decrypt(sealed[0], ceks[0], out=sink)
    _raw(spec, ceks[0], infos[0], spans[0])

    start = time.perf_counter()
    for n in range(bids):
        envelope.decrypt(sealed[n % distinct], ceks[n % distinct], out=sink)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for n in range(bids):
        _raw(spec, ceks[n % distinct], infos[n % distinct], spans[n % distinct])
    raw = time.perf_counter() - start
    mb = bids * BID / 1e6
    print(
        f"  {algorithm:<12} {bids} × 5 MB  envelope.decrypt {mb / ours:8.1f} MB/s"
        f"   raw cryptography {mb / raw:8.1f} MB/s   ratio {raw / ours:5.2f}"
    )


def bench_unwrap(name: str, recipient, count: int) -> None:
    cert, key = recipient
    info = envelope.parse_envelope(envelope.encrypt(b"x" * 1024, [cert]))
    envelope.unwrap_key(info, key, cert)
    start = time.perf_counter()
    for _ in range(count):
        envelope.unwrap_key(info, key, cert)
    print(f"  {name:<30} {count / (time.perf_counter() - start):8.0f} unwraps/s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args, _ = parser.parse_known_args()
    bids, distinct, unwraps = (50, 10, 200) if args.quick else (500, 20, 1000)
    with tempfile.TemporaryDirectory() as d:
        m = material_module.generate(Path(d))

        def party(cert_name: str, key_name: str):
            return load_certificate(m.read(f"{cert_name}.pem")), load_private_key(m.read(f"{key_name}.key"))

        rsa, ec, sm2 = party("rsa-leaf", "rsa-leaf"), party("ec-leaf", "ec-leaf"), party("sm2-enc", "sm2-leaf")
    print(f"envelope decrypt (content key known), {'--quick' if args.quick else 'full'}; {os.cpu_count()} CPUs")
    for algorithm in ALGORITHMS:
        bench_decrypt(algorithm, sm2 if algorithm.startswith("sm4") else ec, bids, distinct)
    print("content-key unwrap (per recipient, one envelope)")
    bench_unwrap("RSA-2048 OAEP/SHA-256", rsa, unwraps)
    bench_unwrap("ECDH P-256 + X9.63 KDF + AES-KW", ec, unwraps)
    bench_unwrap("SM2 decrypt (ctypes libcrypto)", sm2, unwraps)


if __name__ == "__main__":
    main()
