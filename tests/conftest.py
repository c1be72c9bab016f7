"""Shared fixtures: both database backends, migrated once per worker, each test rolled back.

Database tests take the ``session`` (or ``platform``/``client``) fixture and run twice: on SQLite and on
PostgreSQL. PostgreSQL comes from ``GGZY_TEST_PG_URL`` (default: the local server as user postgres);
where it is not reachable those runs are skipped with the reason, except in CI (``CI=true``), where
that is a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ggzy.audit.service import AuditConfig
from ggzy.demo import seed_demo, seed_demo_business
from ggzy.kit import migrate
from ggzy.kit.actor import SYSTEM
from ggzy.kit.clock import FrozenClock
from ggzy.kit.db import Database
from ggzy.kit.settings import load_settings
from ggzy.kit.signing import load_or_create_platform_key
from ggzy.platform import Platform
from support import serve

# Property tests assert behaviour, never speed (speed is for bench/): no per-example deadline, which a loaded
# machine would trip. In CI the examples are derandomized, so a CI run is reproducible; locally they vary.
hypothesis_settings.register_profile("ggzy", deadline=None, derandomize=os.environ.get("CI") == "true")
hypothesis_settings.load_profile("ggzy")

PG_URL = os.environ.get("GGZY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
START = dt.datetime(2026, 11, 2, 1, 30, tzinfo=dt.UTC)  # a Monday, 09:30 in Shanghai


def _pg_database(worker: str) -> Iterator[str]:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the server
        reason = f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}); set GGZY_TEST_PG_URL"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI requires PostgreSQL: {reason}")
        pytest.skip(reason)
    name = f"ggzy_test_{worker}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"))
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="session")
def platform_key(key_dir: Path):
    return load_or_create_platform_key(key_dir, now=START, name="测试平台")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        yield from _pg_database(worker_id)


@pytest.fixture(scope="session")
def migrated(database_url: str, platform_key) -> Iterator[Database]:
    """The schema applied once per worker and backend, with the demo province committed."""
    db = Database(
        database_url,
        info={"audit": AuditConfig("sha256", 1000, platform_key)},
        **({"connect_args": {"check_same_thread": False}} if database_url.startswith("sqlite") else {}),
    )
    migrate.upgrade(db.engine)
    with db.session(write=True) as s:
        seed_demo(s, actor=SYSTEM, now=START)
    yield db
    db.dispose()


class BoundDatabase(Database):
    """Every session joins one outer transaction (as savepoints) that the test rolls back."""

    def __init__(self, base: Database, connection: Connection):
        self.url, self.engine, self.info = base.url, base.engine, dict(base.info)
        self.connection = connection

    def new_session(self, *, write: bool = False) -> Session:
        session = Session(bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        session.info.update(self.info)
        return session


@pytest.fixture
def bound_db(migrated: Database) -> Iterator[BoundDatabase]:
    conn = migrated.engine.connect()
    outer = conn.begin()
    try:
        yield BoundDatabase(migrated, conn)
    finally:
        outer.rollback()
        conn.close()


@pytest.fixture
def session(bound_db: BoundDatabase) -> Iterator[Session]:
    s = bound_db.new_session(write=True)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def platform(bound_db: BoundDatabase, clock: FrozenClock, tmp_path: Path, key_dir: Path):
    settings = load_settings({"GGZY_DATA_DIR": str(tmp_path), "GGZY_DATABASE_URL": bound_db.url})
    (tmp_path / "keys").mkdir()
    for f in key_dir.iterdir():
        (tmp_path / "keys" / f.name).write_bytes(f.read_bytes())
    return Platform(settings, clock=clock, db=bound_db)


@pytest.fixture
def client(platform):
    from fastapi.testclient import TestClient

    from ggzy.web.app import create_app

    with TestClient(create_app(platform, run_chronograph=False)) as c:
        yield c


# --- a real server and Debian's Chromium, for the browser tests ------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI requires the browser tests: {reason}")
        pytest.skip(reason)


class Server(str):
    """The base URL of a running platform, with its data directory and trusted clock."""

    def __new__(cls, url: str, data_dir: Path, clock: FrozenClock):
        obj = super().__new__(cls, url)
        obj.data_dir, obj.clock = data_dir, clock
        return obj


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from ggzy.web.app import create_app

    _need_chromium()
    data = tmp_path_factory.mktemp("browser")
    # A fixed trusted time, so that schedules typed in the pages fall in years the calendar covers.
    platform = Platform(load_settings({"GGZY_DATA_DIR": str(data)}), clock=FrozenClock(START))
    platform.upgrade()
    with platform.db.session(write=True) as s:
        seed_demo(s, actor=SYSTEM, now=platform.clock.now())
        seed_demo_business(s, actor=SYSTEM, now=platform.clock.now(), key=platform.key, data_dir=data)
    url, srv, thread = serve(create_app(platform, run_chronograph=False))
    yield Server(url, data, platform.clock)
    srv.should_exit = True
    thread.join(timeout=10)
    platform.db.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    _need_chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield b
        b.close()
