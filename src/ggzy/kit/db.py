"""SQLAlchemy 2 engine and sessions for SQLite (embedded default) and PostgreSQL (production).

SQLite runs in WAL mode with foreign keys on. Writing sessions on SQLite open with ``BEGIN IMMEDIATE``
so that two writers never race on the audit chain head; reading sessions open a plain deferred
transaction. PostgreSQL serialises chain appends with a row lock instead (see ``audit``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from ggzy.kit.errors import ConfigError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC on the way in and out, on SQLite (which keeps naive text) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; take times from the clock")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (pysqlite's own transaction handling breaks SAVEPOINT).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get("ggzy_write") else "BEGIN"
    conn.exec_driver_sql(mode)


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    """One engine and two session factories: reading and writing."""

    def __init__(self, url: str, *, info: dict[str, Any] | None = None, **engine_kwargs: Any):
        self.url = url
        self.info = info or {}
        self.engine = make_engine(url, **engine_kwargs)
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write = sessionmaker(bind=self.engine.execution_options(ggzy_write=True), expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def check_reachable(self) -> None:
        """Fail with one line that says what to do if the database cannot be reached."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise ConfigError(
                f"无法连接数据库 {self.engine.url.render_as_string(hide_password=True)}（{reason}）："
                "请检查 GGZY_DATABASE_URL 并确认数据库服务已启动。",
                code="db.unreachable",
            ) from None

    def new_session(self, *, write: bool = False) -> Session:
        session = (self._write if write else self._read)()
        session.info.update(self.info)
        return session

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A unit of work: commits if the block succeeds, rolls back if it raises."""
        session = self.new_session(write=write)
        try:
            yield session
            # A reading unit ends with COMMIT too: it wrote nothing, and ending it with ROLLBACK would undo a
            # writing unit nested inside it where both share one connection (savepoints in tests).
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def snapshot_session(self) -> Iterator[Session]:
        """A read-only session that sees one consistent snapshot throughout (REPEATABLE READ on PostgreSQL;
        a SQLite read transaction in WAL mode already is one)."""
        if self.dialect != "postgresql":
            with self.session() as session:
                yield session
            return
        engine = self.engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        session = Session(bind=engine, expire_on_commit=False)
        session.info.update(self.info)
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
