"""deposits: banks, virtual sub-accounts, bank notifications, guarantee issuers and e-guarantees, refunds, outbox

Revision ID: 0006_deposits
Revises: 0005_projects
Written by hand.
"""

import sqlalchemy as sa
from alembic import op

import ggzy.kit.db

revision = "0006_deposits"
down_revision = "0005_projects"
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
    op.create_table(
        "deposit_banks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("account_prefix", sa.String(length=8), nullable=False),
        sa.Column("cert_pem", sa.Text(), nullable=False),
        sa.Column("demand_rate_bp", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_banks")),
        sa.UniqueConstraint("code", name=op.f("uq_deposit_banks_code")),
    )
    op.create_table(
        "guarantee_issuers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("form", sa.String(length=30), nullable=False),
        sa.Column("verify_endpoint", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantee_issuers")),
        sa.UniqueConstraint("code", name=op.f("uq_guarantee_issuers_code")),
    )
    t = "deposit_sub_accounts"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", UTC, nullable=False),
        _fk(t, "bank_id", "deposit_banks"),
        _fk(t, "section_id", "sections"),
        _fk(t, "entity_id", "entities"),
        _fk(t, "center_id", "centers"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("number", name=op.f(f"uq_{t}_number")),
        sa.UniqueConstraint("section_id", "entity_id", name=op.f(f"uq_{t}_section_id_entity_id")),
    )
    _indexes(t, "center_id", "entity_id", "section_id")
    t = "deposit_payments"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.String(length=64), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("sub_account_id", sa.Integer(), nullable=True),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("center_id", sa.Integer(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("required_fen", sa.BigInteger(), nullable=True),
        sa.Column("payer_name", sa.String(length=200), nullable=False),
        sa.Column("payer_account", sa.String(length=40), nullable=False),
        sa.Column("payer_name_matches", sa.Boolean(), nullable=True),
        sa.Column("booked_at", UTC, nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolved_at", UTC, nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        _fk(t, "bank_id", "deposit_banks"),
        _fk(t, "sub_account_id", "deposit_sub_accounts"),
        _fk(t, "section_id", "sections"),
        _fk(t, "entity_id", "entities"),
        _fk(t, "center_id", "centers"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("bank_id", "notification_id", name=op.f(f"uq_{t}_bank_id_notification_id")),
    )
    _indexes(t, "account_number", "center_id", "entity_id", "section_id", "status", "sub_account_id")
    t = "deposit_guarantees"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("guarantee_no", sa.String(length=64), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=30), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("valid_until", UTC, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("record_sha256", sa.String(length=64), nullable=False),
        sa.Column("verified_at", UTC, nullable=False),
        sa.Column("released_at", UTC, nullable=True),
        _fk(t, "issuer_id", "guarantee_issuers"),
        _fk(t, "section_id", "sections"),
        _fk(t, "entity_id", "entities"),
        _fk(t, "center_id", "centers"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("issuer_id", "guarantee_no", name=op.f(f"uq_{t}_issuer_id_guarantee_no")),
    )
    _indexes(t, "center_id", "entity_id", "section_id")
    t = "deposit_refunds"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("rule_id", sa.String(length=20), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("triggered_at", UTC, nullable=False),
        sa.Column("due_by", UTC, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("next_check", UTC, nullable=True),
        sa.Column("instructed_at", UTC, nullable=True),
        _fk(t, "payment_id", "deposit_payments"),
        _fk(t, "section_id", "sections"),
        _fk(t, "entity_id", "entities"),
        _fk(t, "center_id", "centers"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("payment_id", name=op.f(f"uq_{t}_payment_id")),
    )
    _indexes(t, "center_id", "entity_id", "next_check", "section_id")
    t = "deposit_transfer_instructions"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("refund_id", sa.Integer(), nullable=False),
        sa.Column("from_account", sa.String(length=32), nullable=False),
        sa.Column("payee_name", sa.String(length=200), nullable=False),
        sa.Column("payee_account", sa.String(length=40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        _fk(t, "bank_id", "deposit_banks"),
        _fk(t, "refund_id", "deposit_refunds"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("key", name=op.f(f"uq_{t}_key")),
        sa.UniqueConstraint("refund_id", name=op.f(f"uq_{t}_refund_id")),
    )


def downgrade() -> None:
    for t in (
        "deposit_transfer_instructions",
        "deposit_refunds",
        "deposit_guarantees",
        "deposit_payments",
        "deposit_sub_accounts",
        "guarantee_issuers",
        "deposit_banks",
    ):
        op.drop_table(t)
