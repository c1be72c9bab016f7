"""The hand-written migration 0014_bank_settlement builds exactly the columns the models declare, on both
databases (server defaults included: rows written before it read as "instructed" and "")."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from ggzy.models import metadata

TABLES = ("deposit_transfer_instructions", "evaluation_fee_payments", "experts")


def test_the_bank_settlement_migration_matches_the_models(migrated):
    with migrated.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        diffs = compare_metadata(ctx, metadata)
    assert [d for d in diffs if any(t in repr(d) for t in TABLES)] == []


def test_rows_written_before_the_migration_read_as_instructed_and_without_an_account(migrated):
    columns = {t: {c["name"]: c for c in inspect(migrated.engine).get_columns(t)} for t in TABLES}
    assert "instructed" in str(columns["deposit_transfer_instructions"]["status"]["default"])
    assert "''" in str(columns["experts"]["bank_account"]["default"])
    fk = inspect(migrated.engine).get_foreign_keys("evaluation_fee_payments")
    assert any(f["referred_table"] == "deposit_banks" and f["constrained_columns"] == ["bank_id"] for f in fk)
