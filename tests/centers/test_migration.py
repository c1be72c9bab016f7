"""The hand-written migration 0013_national_calendar builds exactly the table the model declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ggzy.models import metadata


def test_the_national_calendar_migration_matches_the_model(migrated):
    with migrated.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        diffs = compare_metadata(ctx, metadata)
    assert [d for d in diffs if "national_calendar_years" in repr(d)] == []
