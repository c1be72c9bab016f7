"""The hand-written migration 0002_registry builds exactly the tables the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ggzy.models import metadata

REGISTRY_TABLES = {"entities", "entity_versions", "qualifications", "credit_records"}


def _table_of(diff) -> str | None:
    op = diff[0] if isinstance(diff, list) else diff
    for item in op[1:]:
        name = getattr(item, "name", None) if not isinstance(item, str) else None
        table = getattr(item, "table", None)
        if table is not None and getattr(table, "name", None):
            return table.name
        if name in REGISTRY_TABLES:
            return name
    return None


def test_the_registry_migration_matches_the_models(migrated):
    with migrated.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        diffs = compare_metadata(ctx, metadata)
    mine = [d for d in diffs if _table_of(d) in REGISTRY_TABLES or any(t in repr(d) for t in REGISTRY_TABLES)]
    assert mine == []
