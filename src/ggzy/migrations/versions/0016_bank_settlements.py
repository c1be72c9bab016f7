"""deposits/evaluation: a bank's settlement id is used once across all its orders; a failed order can be re-issued

Every settlement notice a bank sends is kept (deposit_bank_settlements, unique per bank and settlement id), like
arrival notifications. A re-issued order names the same refund or fee as the failed one it replaces, so refund_id
and fee_id are no longer unique (one live order each is a rule of the service) and get a plain index.

Revision ID: 0016_bank_settlements
Revises: 0015_section_ceiling
Written by hand.
"""

import sqlalchemy as sa
from alembic import op

import ggzy.kit.db

revision = "0016_bank_settlements"
down_revision = "0015_section_ceiling"
branch_labels = None
depends_on = None

UTC = ggzy.kit.db.UtcDateTime(timezone=True)
T = "deposit_bank_settlements"
ORDERS = (("deposit_transfer_instructions", "refund_id"), ("evaluation_fee_payments", "fee_id"))


def upgrade() -> None:
    op.create_table(
        T,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("settlement_id", sa.String(length=64), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("order_key", sa.String(length=80), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["deposit_banks.id"], name=op.f(f"fk_{T}_bank_id_deposit_banks")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{T}")),
        sa.UniqueConstraint("bank_id", "settlement_id", name=op.f(f"uq_{T}_bank_id_settlement_id")),
    )
    for table, column in ORDERS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"uq_{table}_{column}"), type_="unique")
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def downgrade() -> None:
    # Fails if an order was re-issued: the old and the new order name the same refund or fee.
    for table, column in ORDERS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
            batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_{column}"), [column])
    op.drop_table(T)
