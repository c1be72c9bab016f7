"""Audit chain throughput on SQLite and PostgreSQL, each figure next to a reference from the same run.

    python bench/bench_audit.py [--quick] [--backend=sqlite|postgresql|both]

* append: events/s through ``ggzy.audit.service.record``, one event per transaction and 1,000 per
  transaction, against a plain-SQL INSERT of the very same rows into an identical table (same columns,
  same indexes) and against bare ``hashlib.sha256`` over the very same ``chain.event_bytes``.
* verify: ``ggzy.audit.service.verify`` over 1,000,000 chained events (100,000 with ``--quick``), against
  bare sha256 over the same bytes and a plain streamed ``SELECT`` of all rows.

A ratio is the figure's rate divided by its reference's rate: below 1 means slower than the reference.
Nothing here asserts anything about time. Temporary files and databases are removed even on error.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import os
import platform
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import MetaData, Table, create_engine, delete, insert, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import TextClause

from ggzy.audit import chain
from ggzy.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from ggzy.audit.service import AuditConfig, _iter_events, record, verify
from ggzy.kit import migrate
from ggzy.kit.actor import Actor
from ggzy.kit.db import NAMING_CONVENTION, Database
from ggzy.kit.signing import PlatformKey, load_or_create_platform_key

PG_URL = os.environ.get("GGZY_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
START = dt.datetime(2026, 11, 2, 1, 30, tzinfo=dt.UTC)
CHECKPOINT_EVERY = 1000
COLUMNS = (
    "seq",
    "at",
    "tag",
    "actor_id",
    "actor_name",
    "role",
    "center_id",
    "ip",
    "subject_id",
    "payload",
    "hash_alg",
    "prev_hash",
    "hash",
)
TAGS = ("bidding:bid:submit", "tendering:notice:publish", "opening:session:start", "evaluation:score:sign")
ACTORS = (
    Actor(account_id=1021, name="张建国", role="bidder", center_id=1, ip="10.12.3.44"),
    Actor(account_id=2007, name="李秀英", role="tenderee", center_id=1, ip="10.12.8.201"),
    Actor(account_id=3310, name="王志强", role="center_staff", center_id=2, ip="172.16.0.17"),
)


@dataclass(frozen=True)
class Sizes:
    one_per_txn: int  # per round
    batch_txns: int  # per round
    batch: int
    rounds: int
    verify_events: int


FULL = Sizes(one_per_txn=2_000, batch_txns=10, batch=1_000, rounds=3, verify_events=1_000_000)
QUICK = Sizes(one_per_txn=300, batch_txns=2, batch=1_000, rounds=2, verify_events=100_000)


def payload(i: int) -> dict[str, Any]:
    """About 300 bytes of canonical JSON, mostly Chinese, varying with ``i``."""
    return {
        "project_code": f"GGZY-2026-{i:07d}",
        "title": "市第一人民医院门诊综合楼改扩建工程施工总承包",
        "section": f"第{i % 7 + 1}标段",
        "bidder": "华东建设集团有限公司",
        "amount_fen": 1_234_567_800 + i,
        "from": "draft",
        "to": "submitted",
        "note": "投标文件已加密递交，开标前任何人不可解密",
    }


def event_args(i: int) -> dict[str, Any]:
    return dict(
        tag=TAGS[i % len(TAGS)],
        actor=ACTORS[i % len(ACTORS)],
        now=START + dt.timedelta(milliseconds=i),
        payload=payload(i),
        subject_id=f"bid-{i}",
    )


def event_fields(seq: int, prev: str) -> dict[str, Any]:
    a = event_args(seq)
    actor: Actor = a["actor"]
    return dict(
        seq=seq,
        at=a["now"],
        tag=a["tag"],
        actor_id=actor.account_id,
        actor_name=actor.name,
        role=actor.role,
        center_id=actor.center_id,
        ip=actor.ip,
        subject_id=a["subject_id"],
        payload=chain.canonical_json(a["payload"]),
        hash_alg="sha256",
        prev_hash=prev,
    )


# --- output ---------------------------------------------------------------------------------------------


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def line(label: str, backend: str, n: int, seconds: float, unit: str = "ev/s") -> float:
    r = rate(n, seconds)
    print(f"  {label:<36} {backend:<10} {r:>11,.0f} {unit:<6}  ({n:,} in {seconds:.2f} s)", flush=True)
    return r


def ref(label: str, n: int, seconds: float, against: float, unit: str = "ev/s") -> None:
    """A reference line; ratio = figure rate / reference rate (below 1: the figure is slower)."""
    r = rate(n, seconds)
    print(
        f"    | ref {label:<42} {r:>11,.0f} {unit:<6}  ratio {against / r:<7.4f}"
        f"  (figure takes {r / against:,.1f}x the time)",
        flush=True,
    )


def note(text_: str) -> None:
    print(f"    | {text_}", flush=True)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


# --- targets --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres_url() -> Iterator[str | None]:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the server: say so and carry on with SQLite
        print(
            f"PostgreSQL not reachable at {make_url(PG_URL).render_as_string(hide_password=True)} "
            f"({type(exc).__name__}); skipped. Set GGZY_BENCH_PG_URL.",
            flush=True,
        )
        admin.dispose()
        yield None
        return
    name = f"ggzy_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'"))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def backend_facts(db: Database) -> str:
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
                conn.exec_driver_sql("PRAGMA synchronous").scalar(), "?"
            )
            return f"SQLite {sqlite3.sqlite_version}, journal_mode={mode}, synchronous={sync}, temp file"
        version = conn.exec_driver_sql("SHOW server_version").scalar()
        settings = ", ".join(
            f"{s}={conn.exec_driver_sql(f'SHOW {s}').scalar()}"
            for s in ("fsync", "synchronous_commit", "shared_buffers")
        )
        return f"PostgreSQL {version}, {settings}, temp database"


# --- append ---------------------------------------------------------------------------------------------


def raw_table(db: Database) -> Table:
    """A table identical to audit_events (columns, indexes) for the plain-INSERT reference."""
    table = AuditEvent.__table__.to_metadata(MetaData(naming_convention=NAMING_CONVENTION), name="bench_raw_events")
    table.primary_key.name = "pk_bench_raw_events"
    table.create(db.engine)
    return table


def stored_rows(db: Database, *, after: int) -> tuple[list[dict[str, Any]], list[bytes]]:
    """Events after ``after`` as plain-SQL parameters (time as the driver stores it) and as hashed bytes."""
    with db.session() as s:
        stmt = select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq)
        events = [{c: getattr(e, c) for c in COLUMNS} for e in s.execute(stmt).scalars()]
    rows, blobs = [], []
    for fields in events:
        blobs.append(chain.event_bytes(**{k: v for k, v in fields.items() if k != "hash"}))
        if db.dialect == "sqlite":
            fields["at"] = fields["at"].astimezone(dt.UTC).replace(tzinfo=None)
        rows.append(fields)
    return rows, blobs


def bench_append(db: Database, sizes: Sizes, backend: str) -> None:
    """Chain and plain INSERT interleaved, round after round, best round of each kept (the host is shared)."""
    table = raw_table(db)
    cols = ", ".join(COLUMNS)
    sql = text(f"INSERT INTO {table.name} ({cols}) VALUES ({', '.join(':' + c for c in COLUMNS)})")
    writer = db.engine.execution_options(ggzy_write=True)
    best: dict[str, float] = {}
    blobs: list[bytes] = []
    per_round = sizes.one_per_txn + sizes.batch_txns * sizes.batch
    for r in range(sizes.rounds):
        first = r * per_round
        single = [event_args(first + i) for i in range(sizes.one_per_txn)]
        many = [
            [event_args(first + sizes.one_per_txn + b * sizes.batch + i) for i in range(sizes.batch)]
            for b in range(sizes.batch_txns)
        ]
        keep(best, "chain 1", timed(lambda: append_chain([[a] for a in single], db))[1])  # noqa: B023
        keep(best, "chain n", timed(lambda: append_chain(many, db))[1])  # noqa: B023
        rows, round_blobs = stored_rows(db, after=first)
        blobs += round_blobs
        one, rest = rows[: sizes.one_per_txn], rows[sizes.one_per_txn :]
        keep(best, "raw 1", timed(lambda: append_raw(writer, sql, [[x] for x in one]))[1])  # noqa: B023
        chunks = [rest[i : i + sizes.batch] for i in range(0, len(rest), sizes.batch)]
        keep(best, "raw n", timed(lambda: append_raw(writer, sql, chunks))[1])  # noqa: B023
    for _ in range(sizes.rounds):
        keep(best, "sha256", timed(lambda: [hashlib.sha256(b).hexdigest() for b in blobs])[1])
    table.drop(db.engine)

    n1, nn = sizes.one_per_txn, sizes.batch_txns * sizes.batch
    r = line("audit append, 1 event/txn", backend, n1, best["chain 1"])
    ref("raw INSERT, 1 row/txn", n1, best["raw 1"], r, "rows/s")
    ref("raw sha256 of the event bytes", len(blobs), best["sha256"], r)
    r = line(f"audit append, {sizes.batch:,} events/txn", backend, nn, best["chain n"])
    ref(f"raw INSERT, {sizes.batch:,} rows/txn (executemany)", nn, best["raw n"], r, "rows/s")
    ref("raw sha256 of the event bytes", len(blobs), best["sha256"], r)


def keep(best: dict[str, float], key: str, seconds: float) -> None:
    best[key] = min(seconds, best.get(key, seconds))


def append_chain(transactions: list[list[dict[str, Any]]], db: Database) -> None:
    for events in transactions:
        with db.session(write=True) as s:
            for a in events:
                record(s, **a)


def append_raw(writer: Engine, sql: TextClause, transactions: list[list[dict[str, Any]]]) -> None:
    for rows in transactions:
        with writer.begin() as conn:
            conn.execute(sql, rows if len(rows) > 1 else rows[0])


# --- verify ---------------------------------------------------------------------------------------------


@dataclass
class Loaded:
    events: int = 0
    seconds: float = 0.0
    raw_hash: float = 0.0
    event_hash: float = 0.0


def _insert(db: Database, rows: list[dict[str, Any]]) -> None:
    if db.dialect == "postgresql":
        with (
            db.engine.begin() as conn,
            conn.connection.driver_connection.cursor() as cur,
            cur.copy(f"COPY audit_events ({', '.join(COLUMNS)}) FROM STDIN") as copy,
        ):
            for r in rows:
                copy.write_row(tuple(r[c] for c in COLUMNS))
        return
    with db.session(write=True) as s:
        s.execute(insert(AuditEvent), rows)


def load_chain(db: Database, n: int, key: PlatformKey, batch: int = 10_000) -> Loaded:
    """Build ``n`` chained events in Python and bulk-load them, with head and signed checkpoints."""
    with db.session(write=True) as s:
        for model in (AuditCheckpoint, AuditHead, AuditEvent):
            s.execute(delete(model))
    out, prev, checkpoints = Loaded(events=n), chain.GENESIS, []
    t0 = time.perf_counter()
    for first in range(1, n + 1, batch):
        fields, blobs, rows = [], [], []
        for seq in range(first, min(first + batch, n + 1)):
            f = event_fields(seq, prev)
            blob = chain.event_bytes(**f)
            prev = hashlib.sha256(blob).hexdigest()
            fields.append(f)
            blobs.append(blob)
            rows.append({**f, "hash": prev})
            if seq % CHECKPOINT_EVERY == 0:
                statement = chain.checkpoint_statement(seq=seq, hash_=prev, hash_alg="sha256", at=f["at"])
                checkpoints.append(
                    dict(
                        seq=seq,
                        hash=prev,
                        hash_alg="sha256",
                        at=f["at"],
                        key_id=key.key_id,
                        signature=key.sign(statement),
                    )
                )
        _, t = timed(lambda: [hashlib.sha256(b).hexdigest() for b in blobs])  # noqa: B023
        out.raw_hash += t
        _, t = timed(lambda: [chain.event_hash(**f) for f in fields])  # noqa: B023
        out.event_hash += t
        _insert(db, rows)
    with db.session(write=True) as s:
        s.add(AuditHead(id=1, seq=n, hash=prev))
        if checkpoints:
            s.execute(insert(AuditCheckpoint), checkpoints)
    out.seconds = time.perf_counter() - t0 - out.raw_hash - out.event_hash
    settle(db)
    return out


def settle(db: Database) -> None:
    """Bring the freshly loaded table to a steady state, so no timed read pays for the load."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if db.dialect == "postgresql":
            # A freshly COPYed table has no hint bits or statistics (a live one has had autovacuum), and
            # the load's WAL would otherwise be checkpointed during the first timed read.
            conn.exec_driver_sql("VACUUM ANALYZE audit_events")
            with contextlib.suppress(DBAPIError):  # CHECKPOINT needs superuser or pg_checkpoint
                conn.exec_driver_sql("CHECKPOINT")
        else:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    read_all(db)  # warm the caches once, untimed, so the references and verify start alike


def read_all(db: Database) -> int:
    n = 0
    with db.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=10_000).execute(
            text(f"SELECT {', '.join(COLUMNS)} FROM audit_events ORDER BY seq")
        )
        for part in result.partitions():
            n += len(part)
    return n


def read_like_verify(db: Database) -> int:
    with db.session() as s:
        return sum(1 for _ in _iter_events(s))


def bench_verify(db: Database, sizes: Sizes, backend: str, key: PlatformKey) -> None:
    loaded = load_chain(db, sizes.verify_events, key)
    print(
        f"  (loaded {loaded.events:,} chained events and {loaded.events // CHECKPOINT_EVERY:,} signed "
        f"checkpoints in {loaded.seconds:.1f} s; then settled and read once, untimed)",
        flush=True,
    )
    n_read, t_read = timed(lambda: read_all(db))
    n_iter, t_iter = timed(lambda: read_like_verify(db))
    with db.session() as s:
        report, t_verify = timed(lambda: verify(s, cert=key.certificate))
    r = line(f"audit verify, {report.checked:,} events", backend, report.checked, t_verify)
    note(
        f"ok={report.ok}, {report.checkpoints_checked:,} signed checkpoints checked"
        f"{'' if report.ok else ' — ' + report.problem}"
    )
    ref("raw sha256 of the same event bytes", loaded.events, loaded.raw_hash, r)
    ref("plain SELECT of all rows, streamed", n_read, t_read, r, "rows/s")
    note("breakdown, each part timed alone (verify ≈ reader + re-serialise and hash):")
    ref("verify's own reader (_iter_events)", n_iter, t_iter, r, "rows/s")
    ref("chain.event_hash on in-memory fields", loaded.events, loaded.event_hash, r)


# --- main -----------------------------------------------------------------------------------------------


def run_backend(url: str, backend: str, sizes: Sizes, key: PlatformKey) -> None:
    db = Database(url, info={"audit": AuditConfig("sha256", CHECKPOINT_EVERY, key)})
    try:
        migrate.upgrade(db.engine)
        print(f"\n{backend}: {backend_facts(db)}", flush=True)
        bench_append(db, sizes, backend)
        bench_verify(db, sizes, backend, key)
    finally:
        db.dispose()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: verify 100k events, fewer appends")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    print(
        f"audit chain benchmark{' (--quick)' if args.quick else ''}: {os.cpu_count()} CPUs, "
        f"{platform.platform()}, Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"SQLite {sqlite3.sqlite_version}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="ggzy-bench-") as tmp:
        key = load_or_create_platform_key(Path(tmp) / "keys", now=START, name="基准测试平台")
        if args.backend in ("sqlite", "both"):
            run_backend(f"sqlite:///{Path(tmp) / 'bench.db'}", "sqlite", sizes, key)
        if args.backend in ("postgresql", "both"):
            with postgres_url() as url:
                if url is not None:
                    run_backend(url, "postgresql", sizes, key)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
