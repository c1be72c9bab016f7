"""The hand-written migration 0009_opening builds exactly the tables the opening models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ggzy.models import metadata

TABLES = {
    "openings",
    "opening_bids",
    "opening_roll_calls",
    "opening_key_submissions",
    "opening_share_submissions",
    "opening_objections",
    "opening_findings",
}


def test_the_opening_migration_matches_the_models(migrated):
    with migrated.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        diffs = compare_metadata(ctx, metadata)
    assert [d for d in diffs if any(t in repr(d) for t in TABLES)] == []
