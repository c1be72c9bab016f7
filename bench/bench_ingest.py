"""Ingest of sealed bids: concurrent resumable uploads through the real HTTP server, next to raw disk writes.

Run: ``python bench/bench_ingest.py [--quick] [--uploads=N] [--mb=M]``. Prints figures only; asserts nothing.

Issue 5: "Ingest throughput for 20 concurrent 50 MB uploads against raw disk writes of the same bytes (ratio)
and peak memory". A temporary demo province is served by uvicorn on 127.0.0.1; the demo bidder bidder.gy logs
in with its certificate (ggzy-client) and N threads each send the same 50 MB envelope (a real CMS envelope to
the bidder's and the section's opening-key certificates) in 8 MB chunks, then complete it with the signature
over its SHA-256: the platform re-hashes (SHA-256 + SM3), parses the envelope, checks the signature, the
deposit rule and the deadline, stores the ciphertext and signs a receipt. Completions by one bidder replace
each other, which is the same work. The reference writes the same bytes with the same number of threads to
files in the same directory (write + fsync). Peak memory is this process's ru_maxrss (server and clients
share the process), printed next to the bytes moved.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src")]

from sqlalchemy import select  # noqa: E402

from ggzy.client.api import GgzyClient  # noqa: E402
from ggzy.demo import seed_demo, seed_demo_business, seed_demo_certificates  # noqa: E402
from ggzy.kit.actor import SYSTEM  # noqa: E402
from ggzy.kit.settings import load_settings  # noqa: E402
from ggzy.platform import Platform  # noqa: E402
from ggzy.projects.models import Project, Section, TenderProject  # noqa: E402
from ggzy.web.app import create_app  # noqa: E402

MB = 1 << 20


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def serve(platform: Platform):
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(platform, run_chronograph=False), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def demo_province(data: Path) -> tuple[Platform, str]:
    platform = Platform(load_settings({"GGZY_DATA_DIR": str(data)}))
    platform.upgrade()
    now = platform.clock.now()
    with platform.db.session(write=True) as s:
        seed_demo(s, actor=SYSTEM, now=now)
    with platform.db.session(write=True) as s:
        seed_demo_certificates(s, actor=SYSTEM, now=now, directory=data / "demo-certs")
    with platform.db.session(write=True) as s:
        seed_demo_business(s, actor=SYSTEM, now=now, key=platform.key, data_dir=data)
    with platform.db.session() as s:
        # The demo's open drug procurement asks no deposit, so eligibility needs nothing more.
        section = s.execute(
            select(Section.code)
            .join(TenderProject)
            .join(Project)
            .where(Project.name.like("【示范·招标中】药品%"), Section.status == "announced")
        ).scalar_one()
    return platform, section


def upload_all(url: str, certs: Path, section: str, envelope: Path, n: int) -> tuple[float, list[str]]:
    clients = []
    for _ in range(n):
        c = GgzyClient(url)
        c.load_identity(certs / "bidder.gy.key.pem", certs / "bidder.gy.cert.pem")
        clients.append(c)
    clients[0].login()
    for c in clients[1:]:
        c.token = clients[0].token
    errors: list[str] = []

    def one(c: GgzyClient) -> None:
        try:
            c.submit_bid(section, envelope)
        except Exception as exc:  # counted and printed, never hidden
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=one, args=(c,)) for c in clients]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, errors


def raw_writes(folder: Path, data: bytes, n: int) -> float:
    def one(i: int) -> None:
        with (folder / f"raw-{i}").open("wb") as fh:
            for off in range(0, len(data), 8 * MB):
                fh.write(data[off : off + 8 * MB])
            fh.flush()
            os.fsync(fh.fileno())

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--uploads", type=int, default=None)
    parser.add_argument("--mb", type=int, default=None)
    args = parser.parse_args()
    n = args.uploads or (4 if args.quick else 20)
    size_mb = args.mb or (10 if args.quick else 50)
    tmp = Path(tempfile.mkdtemp(prefix="ggzy-bench-ingest-"))
    try:
        print(
            f"ingest benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, data dir on "
            f"{tmp} ({n} concurrent uploads × {size_mb} MB)"
        )
        platform, section = demo_province(tmp / "data")
        from ggzy.client.api import load_identity
        from ggzy.pki.envelope import encrypt

        ident = load_identity(
            tmp / "data" / "demo-certs" / "bidder.gy.key.pem", tmp / "data" / "demo-certs" / "bidder.gy.cert.pem"
        )
        server, thread, url = serve(platform)
        client = GgzyClient(url)
        opening = client.opening_certificate(section)
        plain = os.urandom(size_mb * MB)
        envelope = tmp / "bid.p7m"
        with envelope.open("wb") as fh:
            encrypt(plain, [ident.certificate, opening], algorithm="aes-256-gcm", out=fh)
        env_bytes = envelope.read_bytes()
        before = rss_mb()
        took, errors = upload_all(url, tmp / "data" / "demo-certs", section, envelope, n)
        peak = rss_mb()
        total = n * len(env_bytes) / MB
        raw_dir = tmp / "raw"
        raw_dir.mkdir()
        raw = raw_writes(raw_dir, env_bytes, n)
        print(
            f"  upload + complete ({n} threads)   {total / took:8.1f} MB/s   ({total:,.0f} MB in {took:.2f} s, "
            f"{n - len(errors)} receipted, {len(errors)} refused)"
        )
        print(f"    | ref raw disk write + fsync        {total / raw:8.1f} MB/s   ratio {raw / took:.3f}")
        print(f"    | peak RSS {peak:,.0f} MB (before the uploads {before:,.0f} MB) for {total:,.0f} MB moved")
        for e in errors[:5]:
            print(f"    ! {e}")
        server.should_exit = True
        thread.join(timeout=10)
        platform.db.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
