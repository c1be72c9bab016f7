"""PKI throughput: signature verification through ``ggzy.pki`` next to the raw library, and path validation.

Run: ``python bench/bench_pki.py [seconds-per-figure]``. Prints figures only; asserts nothing about time.
Reference (libraries.md §1, same class of machine): cryptography RSA-2048 verify 29,651/s, P-256
verify 9,776/s; SM2 via ctypes/libcrypto 2,014 verify/s; pyhanko-certvalidator chain+CRL 76–85/s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "pki")]

import gmssl_pyx  # noqa: E402
import material as material_module  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding  # noqa: E402

from ggzy.pki import sm2, validation  # noqa: E402
from ggzy.pki.certs import load_certificate  # noqa: E402
from ggzy.pki.cms import verify_detached  # noqa: E402
from ggzy.pki.keys import load_private_key  # noqa: E402
from ggzy.pki.validation import TrustedCA, TrustList  # noqa: E402

MESSAGE = b"x" * 256


def rate(fn: Callable[[], object], seconds: float) -> float:
    fn()
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(20):
            fn()
        n += 20
    return n / elapsed


def row(label: str, ours: float, raw: float | None = None) -> None:
    tail = f"{raw:>10,.0f}{ours / raw:>8.2f}" if raw else ""
    print(f"{label:<48}{ours:>10,.0f}{tail}")


def main() -> None:
    # `bench/run.py --quick` passes --quick to every benchmark: a shorter window per figure.
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    seconds = float(args[0]) if args else (0.3 if "--quick" in sys.argv else 1.0)
    with tempfile.TemporaryDirectory() as tmp:
        m = material_module.generate(Path(tmp))
        read = m.read
        cert = {n: load_certificate(read(f"{n}.pem")) for n in ("rsa-leaf", "ec-leaf", "sm2-leaf")}
        key = {n: load_private_key(read(f"{n}.key")) for n in cert}
        trust = TrustList(
            [
                TrustedCA(load_certificate(read(f"{n}.pem")), read(f"{n}.crl"))
                for n in ("rsa-root", "rsa-ca", "ec-ca", "sm2-ca")
            ]
        )
        print(f"{'figure':<48}{'ours/s':>10}{'raw/s':>10}{'ratio':>8}")

        sig = key["rsa-leaf"].sign(MESSAGE)
        pub = cert["rsa-leaf"].public_key
        ours = rate(lambda: pub.verify(sig, MESSAGE, algorithm_oid="1.2.840.113549.1.1.11"), seconds)
        raw = rate(lambda: pub.impl.verify(sig, MESSAGE, padding.PKCS1v15(), hashes.SHA256()), seconds)
        row("RSA-2048 PKCS#1 v1.5 verify vs cryptography", ours, raw)

        sig = key["ec-leaf"].sign(MESSAGE)
        pub = cert["ec-leaf"].public_key
        ours = rate(lambda: pub.verify(sig, MESSAGE, algorithm_oid="1.2.840.10045.4.3.2"), seconds)
        raw = rate(lambda: pub.impl.verify(sig, MESSAGE, ec.ECDSA(hashes.SHA256())), seconds)
        row("ECDSA P-256 verify vs cryptography", ours, raw)

        sig = key["sm2-leaf"].sign(MESSAGE)
        pub = cert["sm2-leaf"].public_key
        ours = rate(lambda: pub.verify(sig, MESSAGE, algorithm_oid="1.2.156.10197.1.501"), seconds)
        adapter = rate(lambda: pub.impl.verify(sig, MESSAGE, sm2_id=sm2.DEFAULT_ID), seconds)
        point = pub.impl.public_point()
        gm = rate(lambda: gmssl_pyx.sm2_verify(point, MESSAGE, sig, signer_id=sm2.DEFAULT_ID), seconds)
        row("SM2 verify vs our bare libcrypto adapter", ours, adapter)
        row("SM2 verify vs gmssl-pyx (reference)", ours, gm)
        sm2_key = key["sm2-leaf"]
        row("SM2 sign (our adapter)", rate(lambda: sm2_key.sign(MESSAGE), seconds))

        print("\nvalidation: 'no cache' clears the signature, CRL and verdict caches before every call")
        for name in ("rsa-leaf", "ec-leaf", "sm2-leaf"):
            leaf = cert[name]

            def cold(leaf=leaf):
                validation.clear_caches()
                return trust.validate(leaf, now=m.now)

            if not cold().valid:
                raise SystemExit(f"material problem: {name} does not validate")
            cold_rate = rate(cold, seconds)
            warm_rate = rate(lambda leaf=leaf: trust.validate(leaf, now=m.now), seconds)
            row(f"chain+CRL validation {name}, no cache", cold_rate)
            row(f"chain+CRL validation {name}, cached", warm_rate)

        for name in ("rsa-leaf.cms.der", "ec-leaf.cms.der"):
            signed = read(name)

            def cms_cold(signed=signed):
                validation.clear_caches()
                return verify_detached(signed, m.document, trust=trust, now=m.now)

            row(f"CMS detached verify {name}, no cache", rate(cms_cold, seconds))


if __name__ == "__main__":
    main()
