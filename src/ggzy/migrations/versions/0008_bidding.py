"""bidding: custodians, opening keys and their encrypted shares, resumable uploads, sealed bids, receipts

Revision ID: 0008_bidding
Revises: 0006_deposits
Written by hand.
"""

import sqlalchemy as sa
from alembic import op

import ggzy.kit.db

revision = "0008_bidding"
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
    op.create_table(
        "bidding_custodians",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("appointed_at", UTC, nullable=False),
        sa.Column("removed_at", UTC, nullable=True),
        _fk("bidding_custodians", "center_id", "centers"),
        _fk("bidding_custodians", "account_id", "accounts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bidding_custodians")),
    )
    _indexes("bidding_custodians", "center_id", "account_id")
    op.create_table(
        "bidding_opening_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=20), nullable=False),
        sa.Column("certificate_der", sa.LargeBinary(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("shares_total", sa.Integer(), nullable=False),
        sa.Column("split_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        _fk("bidding_opening_keys", "section_id", "sections"),
        _fk("bidding_opening_keys", "center_id", "centers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bidding_opening_keys")),
        sa.UniqueConstraint("section_id", name=op.f("uq_bidding_opening_keys_section_id")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_bidding_opening_keys_fingerprint")),
    )
    _indexes("bidding_opening_keys", "center_id")
    op.create_table(
        "bidding_custodian_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opening_key_id", sa.Integer(), nullable=False),
        sa.Column("custodian_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("share_index", sa.Integer(), nullable=False),
        sa.Column("certificate_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("encrypted_share", sa.LargeBinary(), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        _fk("bidding_custodian_shares", "opening_key_id", "bidding_opening_keys"),
        _fk("bidding_custodian_shares", "custodian_id", "bidding_custodians"),
        _fk("bidding_custodian_shares", "account_id", "accounts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bidding_custodian_shares")),
        sa.UniqueConstraint(
            "opening_key_id", "share_index", name=op.f("uq_bidding_custodian_shares_opening_key_id_share_index")
        ),
    )
    _indexes("bidding_custodian_shares", "opening_key_id", "custodian_id", "account_id")
    op.create_table(
        "bidding_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("next_check", UTC, nullable=True),
        _fk("bidding_uploads", "section_id", "sections"),
        _fk("bidding_uploads", "entity_id", "entities"),
        _fk("bidding_uploads", "account_id", "accounts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bidding_uploads")),
        sa.UniqueConstraint("token", name=op.f("uq_bidding_uploads_token")),
    )
    _indexes("bidding_uploads", "section_id", "entity_id", "next_check")
    op.create_table(
        "bidding_bids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sm3", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_algorithm", sa.String(length=60), nullable=False),
        sa.Column("opening_key_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("signed_content", sa.String(length=20), nullable=False),
        sa.Column("signer_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", UTC, nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", UTC, nullable=True),
        _fk("bidding_bids", "section_id", "sections"),
        _fk("bidding_bids", "entity_id", "entities"),
        _fk("bidding_bids", "account_id", "accounts"),
        _fk("bidding_bids", "opening_key_id", "bidding_opening_keys"),
        _fk("bidding_bids", "supersedes_id", "bidding_bids"),
        _fk("bidding_bids", "superseded_by_id", "bidding_bids"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bidding_bids")),
        sa.UniqueConstraint("number", name=op.f("uq_bidding_bids_number")),
    )
    _indexes("bidding_bids", "section_id", "entity_id")
    op.create_index(
        "uq_bidding_bids_live",
        "bidding_bids",
        ["section_id", "entity_id"],
        unique=True,
        sqlite_where=sa.text("status = 'submitted'"),
        postgresql_where=sa.text("status = 'submitted'"),
    )
    op.create_table(
        "bidding_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        _fk("bidding_receipts", "bid_id", "bidding_bids"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bidding_receipts")),
        sa.UniqueConstraint("number", name=op.f("uq_bidding_receipts_number")),
    )
    _indexes("bidding_receipts", "bid_id")


def downgrade() -> None:
    for table in (
        "bidding_receipts",
        "bidding_bids",
        "bidding_uploads",
        "bidding_custodian_shares",
        "bidding_opening_keys",
        "bidding_custodians",
    ):
        op.drop_table(table)
