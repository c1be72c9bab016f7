"""Alembic driven from code: ``ggzy db upgrade``, and refusing to run on a schema newer than the code."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from ggzy.kit.errors import ConfigError

SCRIPT_LOCATION = str(Path(__file__).resolve().parent.parent / "migrations")


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    return cfg


def code_heads() -> set[str]:
    return set(ScriptDirectory.from_config(_config()).get_heads())


def database_heads(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def check_not_newer(engine: Engine) -> None:
    """Refuse a database migrated by a newer ggzy: its schema has revisions this code does not know."""
    script = ScriptDirectory.from_config(_config())
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = database_heads(engine) - known
    if unknown:
        raise ConfigError(
            f"数据库结构版本 {', '.join(sorted(unknown))} 比本程序新：请升级 ggzy 后再运行，不要用旧版本操作此数据库。",
            code="db.schema_newer",
        )


def upgrade(engine: Engine, target: str = "heads") -> None:
    check_not_newer(engine)
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)


def is_current(engine: Engine) -> bool:
    return database_heads(engine) == code_heads()


def autogenerate(engine: Engine, message: str, rev_id: str) -> None:
    """Developer tool: write a new revision from the models' difference to ``engine``'s schema."""
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
