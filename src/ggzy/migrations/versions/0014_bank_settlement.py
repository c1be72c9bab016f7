"""deposits/evaluation: the bank fetches transfer orders (refunds, expert fees) and confirms their settlement

Revision ID: 0014_bank_settlement
Revises: 0013_national_calendar
Written by hand.
"""

import sqlalchemy as sa
from alembic import op

import ggzy.kit.db

revision = "0014_bank_settlement"
down_revision = "0013_national_calendar"
branch_labels = None
depends_on = None

UTC = ggzy.kit.db.UtcDateTime(timezone=True)


def _settlement_columns() -> list[sa.Column]:
    return [
        sa.Column("bank_reference", sa.String(length=64), nullable=True),
        sa.Column("settled_at", UTC, nullable=True),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("settlement_sha256", sa.String(length=64), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("deposit_transfer_instructions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), nullable=False, server_default="instructed"))
        for c in _settlement_columns():
            batch_op.add_column(c)
    with op.batch_alter_table("evaluation_fee_payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bank_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("payee_account", sa.String(length=40), nullable=True))
        for c in _settlement_columns():
            batch_op.add_column(c)
        batch_op.create_foreign_key(
            batch_op.f("fk_evaluation_fee_payments_bank_id_deposit_banks"), "deposit_banks", ["bank_id"], ["id"]
        )
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bank_name", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("bank_account", sa.String(length=40), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.drop_column("bank_account")
        batch_op.drop_column("bank_name")
    with op.batch_alter_table("evaluation_fee_payments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_evaluation_fee_payments_bank_id_deposit_banks"), type_="foreignkey")
        for name in ("settlement_sha256", "failure", "settled_at", "bank_reference", "payee_account", "bank_id"):
            batch_op.drop_column(name)
    with op.batch_alter_table("deposit_transfer_instructions", schema=None) as batch_op:
        for name in ("settlement_sha256", "failure", "settled_at", "bank_reference", "status"):
            batch_op.drop_column(name)
