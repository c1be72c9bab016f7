"""Committee draw with recusal on a pool of 50,000 experts and a project with 30 bidders.

    python bench/bench_draw.py [--quick] [--backend=sqlite|postgresql|both] [--runs=50]

Builds the pool in bulk in a temporary database (SQLite, and PostgreSQL when reachable at
``GGZY_BENCH_PG_URL``): 50,000 experts (5,000 with ``--quick``) across 35 specialties and 10 city centers;
30 bidders, each employing 40 experts and formerly employing 20; 5 % of experts unavailable on the day;
engagements with the tenderee. Figures, p50/p95 over the runs:

* draw: ``service.snapshot_for`` (the recusal queries and the eligibility filter) + ``draw.run_draw``
  for a 9-member committee (A010 ×5, A080 ×2, A030 ×2) at GY with secondary venues ZY and AS;
* full: the same through ``start_draw`` + ``run`` (commit, seat bookings, audit events), rolled back;
* reference: one SQL query selecting the eligible ids (specialty, status, not employed by a conflict entity),
  and ``random.sample`` of 9 from a list of that size.

Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from ggzy.audit.service import AuditConfig
from ggzy.authz.scope import require
from ggzy.centers.seed import seed_network
from ggzy.centers.service import nodes
from ggzy.evaluation import draw as algo
from ggzy.evaluation import service
from ggzy.evaluation.models import Expert, ExpertEngagement, ExpertRelation, ExpertSpecialty, ExpertUnavailability
from ggzy.evaluation.specialties import SPECIALTIES
from ggzy.kit import migrate
from ggzy.kit.actor import SYSTEM
from ggzy.kit.db import Database
from ggzy.kit.signing import load_or_create_platform_key
from ggzy.projects.models import Project, Section, TenderProject
from ggzy.registry.models import Entity

PG_URL = os.environ.get("GGZY_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
START = dt.datetime(2026, 11, 2, 1, 30, tzinfo=dt.UTC)
DAY = dt.date(2026, 11, 20)
CENTERS = ["GZ", "GY", "ZY", "LPS", "AS", "BJ", "TR", "QXN", "QDN", "QN"]


@contextlib.contextmanager
def postgres_url() -> Iterator[str | None]:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the server: say so and carry on with SQLite
        print(f"PostgreSQL not reachable ({type(exc).__name__}); skipped. Set GGZY_BENCH_PG_URL.", flush=True)
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


def build(db: Database, pool: int) -> tuple[str, list[int], int]:
    rng = random.Random(7)
    codes = sorted(SPECIALTIES)
    with db.session(write=True) as s:
        seed_network(s, actor=SYSTEM, now=START)
        centers = dict(s.execute(text("SELECT code, id FROM centers")).all())
        ents = [
            dict(
                kind="legal_person",
                name=f"单位{i}",
                legal_represent="张",
                region_code="520100",
                roles=",bidder,",
                center_id=centers["GY"],
                registered_at=START,
                updated_at=START,
            )
            for i in range(32)
        ]
        s.execute(insert(Entity), ents)
        ids = list(s.execute(select(Entity.id).order_by(Entity.id)).scalars())
        tenderee, agency, bidders = ids[0], ids[1], ids[2:]
        s.execute(
            insert(Project).values(
                code="E5201000000000001",
                name="基准工程",
                center_id=centers["GY"],
                region_code="520100",
                tenderee_id=tenderee,
                agency_id=agency,
                transaction_type="construction",
                created_at=START,
            )
        )
        pid = s.execute(select(Project.id)).scalar_one()
        s.execute(
            insert(TenderProject).values(
                project_id=pid,
                center_id=centers["GY"],
                code="E5201000000000001001",
                name="施工",
                rule_set="construction.open/2019",
                estimate_fen=100_000_000_00,
                created_at=START,
            )
        )
        tpid = s.execute(select(TenderProject.id)).scalar_one()
        code = "E5201000000000001001001"
        s.execute(
            insert(Section).values(
                tender_project_id=tpid,
                center_id=centers["GY"],
                code=code,
                name="一标段",
                estimate_fen=100_000_000_00,
                status="closed",
            )
        )
        rows = []
        for n in range(pool):
            employer = bidders[n % 30] if n < 30 * 40 else None
            rows.append(
                dict(
                    name=f"专家{n}",
                    id_card_type="01",
                    id_card=f"52{n:016d}",
                    gender="1",
                    title="高级工程师",
                    education="",
                    duty="",
                    employer_entity_id=employer,
                    employer_name=f"单位{n % 97}",
                    region_code="520100",
                    home_center_id=centers[CENTERS[n % 10]],
                    phone="",
                    qualifications="",
                    status="active" if n % 50 else "suspended",
                    evaluation_count=0,
                    rating=80,
                    entered_at=START,
                    updated_at=START,
                )
            )
        for i in range(0, len(rows), 5000):
            s.execute(insert(Expert), rows[i : i + 5000])
        eids = list(s.execute(select(Expert.id).order_by(Expert.id)).scalars())
        specs = []
        for i, eid in enumerate(eids):
            picks = set(rng.sample(codes, k=rng.choice((1, 2, 3))))
            if i % 4 == 0:
                picks |= {"A010", "A080"}
            specs += [dict(expert_id=eid, code=c, is_main=False) for c in picks]
        for i in range(0, len(specs), 10000):
            s.execute(insert(ExpertSpecialty), specs[i : i + 10000])
        rels = [
            dict(
                expert_id=eids[1500 + j],
                kind="past_employer",
                entity_id=bidders[j % 30],
                entity_name=f"单位{j}",
                until=dt.date(2025, 1, 1),
                note="",
            )
            for j in range(600)
        ]
        s.execute(insert(ExpertRelation), rels)
        s.execute(
            insert(ExpertUnavailability),
            [dict(expert_id=e, day=DAY, reason="") for e in rng.sample(eids, len(eids) // 20)],
        )
        s.execute(
            insert(ExpertEngagement),
            [
                dict(expert_id=e, tenderee_id=tenderee, section_id=None, day=dt.date(2026, 6, 1))
                for e in rng.sample(eids, 200)
                for _ in range(4)
            ],
        )
    return code, bidders, tenderee


def order(code: str, bidders: list[int]) -> service.DrawOrder:
    return service.DrawOrder(
        section_code=code,
        evaluation_date=DAY,
        committee_size=9,
        representatives=0,
        requirements=[("A010", 5), ("A080", 2), ("A030", 2)],
        secondary_centers=["ZY", "AS"],
        bidder_ids=bidders,
    )


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))] * 1000


def line(label: str, xs: list[float]) -> None:
    print(f"  {label:<58} p50 {pct(xs, 0.5):8.2f} ms   p95 {pct(xs, 0.95):8.2f} ms   (n={len(xs)})", flush=True)


def run_backend(url: str, label: str, pool: int, runs: int, key) -> None:
    db = Database(url, info={"audit": AuditConfig("sha256", 1000, key)})
    migrate.upgrade(db.engine)
    t0 = time.perf_counter()
    code, bidders, tenderee = build(db, pool)
    print(f"[{label}] pool of {pool:,} experts built in {time.perf_counter() - t0:.1f} s", flush=True)
    draw_t, eligible = [], 0
    with db.session() as s:
        req, _s, _p = service._request(s, order(code, bidders))
        for _i in range(runs):
            t = time.perf_counter()
            snap, short = service.snapshot_for(s, req)
            out = algo.run_draw(os.urandom(32), snap)
            draw_t.append(time.perf_counter() - t)
            assert not short and len(out.picks) == 9, (short, out.shortfalls)
        eligible = sum(len(g["eligible"]) for g in snap["groups"])
        excluded = {k: sum(g["excluded"][k] for g in snap["groups"]) for k in algo.REASONS}
    full_t = []
    for _ in range(max(5, runs // 3)):
        with db.engine.connect() as conn:
            tx = conn.begin()
            from sqlalchemy.orm import Session

            s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
            s.info.update(db.info)
            scope = require_staff(s)
            t = time.perf_counter()
            d = service.start_draw(s, actor=SYSTEM, now=START, scope=scope, order=order(code, bidders), account_id=None)
            service.run(s, actor=SYSTEM, now=START, scope=scope, draw=d)
            s.flush()
            full_t.append(time.perf_counter() - t)
            s.close()
            tx.rollback()
    sql_t, sample_t = [], []
    conflict = [tenderee, *bidders]
    q = text(
        "SELECT DISTINCT e.id FROM experts e JOIN expert_specialties sp ON sp.expert_id = e.id "
        "WHERE sp.code IN ('A010','A080','A030') AND e.status = 'active' "
        f"AND (e.employer_entity_id IS NULL OR e.employer_entity_id NOT IN ({','.join(map(str, conflict))})) "
        "ORDER BY e.id"
    )
    with db.engine.connect() as conn:
        for _ in range(runs):
            t = time.perf_counter()
            ids = list(conn.execute(q).scalars())
            sql_t.append(time.perf_counter() - t)
    for _ in range(runs):
        t = time.perf_counter()
        random.sample(ids, 9)
        sample_t.append(time.perf_counter() - t)
    print(
        f"[{label}] eligible in snapshot: {eligible:,} (over 3 requirements); excluded: "
        + ", ".join(f"{k} {n}" for k, n in excluded.items() if n),
        flush=True,
    )
    line("draw with recusal (snapshot queries + filter + HMAC draw)", draw_t)
    line("full service: commit + run (seats, members, audit), rolled back", full_t)
    line(f"reference: one SQL query selecting {len(ids):,} eligible ids", sql_t)
    line("reference: random.sample(9) from that list", sample_t)
    db.dispose()


def require_staff(s):
    """A center-staff scope over GY, minted by the same ``require`` every request uses."""
    from ggzy.authz.scope import Grant, Principal

    gy = s.execute(text("SELECT id FROM centers WHERE code = 'GY'")).scalar_one()
    staff = Principal(account_id=0, name="基准测试工作人员", grants=(Grant("center_staff", center_id=gy),))
    return require(staff, "center:expert:draw", nodes(s))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 5,000 experts, 10 runs")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv)
    pool, runs = (5_000, 10) if args.quick else (50_000, args.runs)
    print(
        f"draw benchmark{' (--quick)' if args.quick else ''}: {os.cpu_count()} CPUs, pool {pool:,}, "
        f"30 bidders, {runs} runs",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="ggzy-bench-") as tmp:
        key = load_or_create_platform_key(Path(tmp) / "keys", now=START, name="基准测试平台")
        if args.backend in ("sqlite", "both"):
            run_backend(f"sqlite:///{Path(tmp) / 'bench.db'}", "sqlite", pool, runs, key)
        if args.backend in ("postgresql", "both"):
            with postgres_url() as url:
                if url is not None:
                    run_backend(url, "postgresql", pool, runs, key)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
