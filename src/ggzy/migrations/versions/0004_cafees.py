"""pki: CA providers, fee schedules (history kept) and fees paid by entities

Revision ID: 0004_cafees
Revises: 0001
Written by hand.
"""

import sqlalchemy as sa
from alembic import op

import ggzy.kit.db

revision = "0004_cafees"
down_revision = "0001"
branch_labels = None
depends_on = None

FEN = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ca_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("licence_no", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("ca_names", sa.Text(), nullable=False),
        sa.Column("algorithms", sa.String(length=100), nullable=False),
        sa.Column("created_at", ggzy.kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ca_providers")),
        sa.UniqueConstraint("code", name=op.f("uq_ca_providers_code")),
    )
    op.create_table(
        "ca_fee_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("published_at", ggzy.kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["ca_providers.id"], name=op.f("fk_ca_fee_schedules_provider_id_ca_providers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ca_fee_schedules")),
        sa.UniqueConstraint(
            "provider_id", "effective_from", name=op.f("uq_ca_fee_schedules_provider_id_effective_from")
        ),
    )
    op.create_index(op.f("ix_ca_fee_schedules_provider_id"), "ca_fee_schedules", ["provider_id"], unique=False)
    op.create_table(
        "ca_fee_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", FEN, nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["ca_fee_schedules.id"], name=op.f("fk_ca_fee_items_schedule_id_ca_fee_schedules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ca_fee_items")),
        sa.UniqueConstraint("schedule_id", "item", name=op.f("uq_ca_fee_items_schedule_id_item")),
    )
    op.create_index(op.f("ix_ca_fee_items_schedule_id"), "ca_fee_items", ["schedule_id"], unique=False)
    op.create_table(
        "ca_fee_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", FEN, nullable=False),
        sa.Column("paid_at", ggzy.kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("receipt_no", sa.String(length=64), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", ggzy.kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["ca_providers.id"], name=op.f("fk_ca_fee_payments_provider_id_ca_providers")
        ),
        sa.ForeignKeyConstraint(["recorded_by"], ["accounts.id"], name=op.f("fk_ca_fee_payments_recorded_by_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ca_fee_payments")),
        sa.UniqueConstraint("provider_id", "receipt_no", name=op.f("uq_ca_fee_payments_provider_id_receipt_no")),
    )
    op.create_index(op.f("ix_ca_fee_payments_entity_id"), "ca_fee_payments", ["entity_id"], unique=False)
    op.create_index(op.f("ix_ca_fee_payments_provider_id"), "ca_fee_payments", ["provider_id"], unique=False)


def downgrade() -> None:
    op.drop_table("ca_fee_payments")
    op.drop_table("ca_fee_items")
    op.drop_table("ca_fee_schedules")
    op.drop_table("ca_providers")
