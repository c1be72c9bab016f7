"""award: evaluation results and candidates, objections, notices, contracts, expert fees

Revision ID: 0010_award
Revises: 0006_deposits
Written by hand.
"""

import sqlalchemy as sa
from alembic import op

import ggzy.kit.db

revision = "0010_award"
down_revision = "0006_deposits"
branch_labels = None
depends_on = None

UTC = ggzy.kit.db.UtcDateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for c in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{c}"), [c], unique=False)


def upgrade() -> None:
    t = "award_results"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("state_funded", sa.Boolean(), nullable=False),
        sa.Column("bidder_ids", sa.Text(), nullable=False),
        sa.Column("report_sha256", sa.String(length=64), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("signers", sa.Text(), nullable=False),
        sa.Column("required_signers", sa.Integer(), nullable=False),
        sa.Column("dissent", sa.Text(), nullable=False),
        sa.Column("report_received_at", UTC, nullable=False),
        sa.Column("publicity_due_by", UTC, nullable=False),
        sa.Column("publicity_start", UTC, nullable=True),
        sa.Column("publicity_end", UTC, nullable=True),
        sa.Column("publicity_rule", sa.Text(), nullable=False),
        sa.Column("winner_entity_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("notice_issued_at", UTC, nullable=True),
        sa.Column("contract_due_by", UTC, nullable=True),
        sa.Column("overdue_flagged", sa.String(length=200), nullable=False),
        sa.Column("next_check", UTC, nullable=True),
        _fk(t, "section_id", "sections"),
        _fk(t, "center_id", "centers"),
        _fk(t, "winner_entity_id", "entities"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("section_id", name=op.f(f"uq_{t}_section_id")),
    )
    _indexes(t, "center_id", "next_check")
    t = "award_candidates"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=18), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("evaluated_fen", sa.BigInteger(), nullable=True),
        sa.Column("score", sa.String(length=20), nullable=False),
        sa.Column("quality", sa.String(length=200), nullable=False),
        sa.Column("duration_days", sa.Integer(), nullable=True),
        sa.Column("project_manager", sa.String(length=100), nullable=False),
        _fk(t, "result_id", "award_results"),
        _fk(t, "entity_id", "entities"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("result_id", "rank", name=op.f(f"uq_{t}_result_id_rank")),
        sa.UniqueConstraint("result_id", "entity_id", name=op.f(f"uq_{t}_result_id_entity_id")),
    )
    _indexes(t, "result_id")
    t = "award_objections"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("filed_at", UTC, nullable=False),
        sa.Column("reply_due_by", UTC, nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_at", UTC, nullable=True),
        _fk(t, "result_id", "award_results"),
        _fk(t, "entity_id", "entities"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    _indexes(t, "result_id", "entity_id")
    t = "award_notices"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_at", UTC, nullable=False),
        _fk(t, "result_id", "award_results"),
        _fk(t, "entity_id", "entities"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("number", name=op.f(f"uq_{t}_number")),
        sa.UniqueConstraint("result_id", "entity_id", name=op.f(f"uq_{t}_result_id_entity_id")),
    )
    _indexes(t, "result_id", "entity_id")
    t = "award_contracts"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("term_days", sa.Integer(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("signed_at", UTC, nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        _fk(t, "result_id", "award_results"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("result_id", name=op.f(f"uq_{t}_result_id")),
    )
    t = "award_expert_fees"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("tariff", sa.String(length=60), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("remote", sa.Boolean(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("breakdown", sa.Text(), nullable=False),
        sa.Column("computed_at", UTC, nullable=False),
        _fk(t, "section_id", "sections"),
        _fk(t, "center_id", "centers"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("section_id", "expert_id", name=op.f(f"uq_{t}_section_id_expert_id")),
    )
    _indexes(t, "section_id", "center_id", "expert_id")


def downgrade() -> None:
    for t in ("award_expert_fees", "award_contracts", "award_notices", "award_objections", "award_candidates"):
        op.drop_table(t)
    op.drop_table("award_results")
