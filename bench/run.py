"""Run the benchmarks: every ``bench/bench_*.py``, or those named, each in its own Python process.

    python bench/run.py                 # all of them, full size
    python bench/run.py audit --quick   # bench_audit.py only, scaled down for a smoke run

Arguments starting with ``-`` are passed through to every benchmark. Output is streamed as it comes.
Benchmarks print figures next to a reference measured in the same run and assert nothing about time,
so the exit status only says whether one of them crashed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def discover() -> dict[str, Path]:
    return {p.stem.removeprefix("bench_"): p for p in sorted(BENCH_DIR.glob("bench_*.py"))}


def main(argv: list[str]) -> int:
    names = [a for a in argv if not a.startswith("-")]
    options = [a for a in argv if a.startswith("-")]
    found = discover()
    unknown = [n for n in names if n.removeprefix("bench_").removesuffix(".py") not in found]
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; available: {', '.join(found) or 'none'}", file=sys.stderr)
        return 2
    chosen = [n.removeprefix("bench_").removesuffix(".py") for n in names] or list(found)
    crashed: list[str] = []
    for name in chosen:
        print(f"=== bench {name} {' '.join(options)}".rstrip(), flush=True)
        start = time.perf_counter()
        rc = subprocess.call([sys.executable, str(found[name]), *options], cwd=BENCH_DIR.parent)
        took = time.perf_counter() - start
        status = "done" if rc == 0 else f"CRASHED (exit {rc})"
        print(f"=== bench {name}: {status} in {took:.1f} s\n", flush=True)
        if rc != 0:
            crashed.append(name)
    if crashed:
        print(f"crashed: {', '.join(crashed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
