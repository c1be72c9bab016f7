"""opening: sessions, per-bid results, roll call, key and share handovers, objections, forensic findings

Revision ID: 0009_opening
Revises: 0008_bidding
Written by hand.
"""

import sqlalchemy as sa
from alembic import op

import ggzy.kit.db

revision = "0009_opening"
down_revision = "0008_bidding"
branch_labels = None
depends_on = None

UTC = ggzy.kit.db.UtcDateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for c in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{c}"), [c], unique=False)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "openings",
        _id(),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("deadline", UTC, nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("bids_counted", sa.Integer(), nullable=False),
        sa.Column("min_bidders", sa.Integer(), nullable=False),
        sa.Column("min_bidders_source", sa.Text(), nullable=False),
        sa.Column("rule_set", sa.String(length=60), nullable=False),
        sa.Column("remedy", sa.String(length=20), nullable=False),
        sa.Column("roll_call_ends", UTC, nullable=True),
        sa.Column("window_minutes", sa.Integer(), nullable=False),
        sa.Column("window_source", sa.Text(), nullable=False),
        sa.Column("window_ends", UTC, nullable=True),
        sa.Column("custodian_ends", UTC, nullable=True),
        sa.Column("objections_end", UTC, nullable=True),
        sa.Column("instructed_by", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("record_json", sa.LargeBinary(), nullable=True),
        sa.Column("record_signature", sa.LargeBinary(), nullable=True),
        sa.Column("record_pdf", sa.LargeBinary(), nullable=True),
        sa.Column("transcript_json", sa.LargeBinary(), nullable=True),
        sa.Column("transcript_signature", sa.LargeBinary(), nullable=True),
        sa.Column("recorded_at", UTC, nullable=True),
        sa.Column("confirmed_by", sa.Integer(), nullable=True),
        sa.Column("confirmation_signature", sa.LargeBinary(), nullable=True),
        sa.Column("published_at", UTC, nullable=True),
        sa.Column("next_check", UTC, nullable=True),
        _fk("openings", "section_id", "sections"),
        _fk("openings", "center_id", "centers"),
        _fk("openings", "instructed_by", "accounts"),
        _fk("openings", "confirmed_by", "accounts"),
        _pk("openings"),
        sa.UniqueConstraint("section_id", name=op.f("uq_openings_section_id")),
    )
    _indexes("openings", "center_id", "next_check")
    op.create_table(
        "opening_bids",
        _id(),
        sa.Column("opening_id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("ciphertext_sha256", sa.String(length=64), nullable=False),
        sa.Column("ciphertext_sm3", sa.String(length=64), nullable=False),
        sa.Column("key_failure", sa.Text(), nullable=True),
        sa.Column("failure", sa.String(length=20), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("opened_by", sa.String(length=20), nullable=True),
        sa.Column("opened_at", UTC, nullable=True),
        sa.Column("content_key", sa.LargeBinary(), nullable=True),
        sa.Column("plaintext_sha256", sa.String(length=64), nullable=True),
        sa.Column("plaintext_sm3", sa.String(length=64), nullable=True),
        sa.Column("plaintext_size", sa.BigInteger(), nullable=True),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=True),
        sa.Column("signer_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("price_fen", sa.BigInteger(), nullable=True),
        sa.Column("duration_days", sa.Integer(), nullable=True),
        sa.Column("quality", sa.String(length=200), nullable=True),
        sa.Column("form_json", sa.Text(), nullable=True),
        sa.Column("files_json", sa.Text(), nullable=True),
        _fk("opening_bids", "opening_id", "openings"),
        _fk("opening_bids", "bid_id", "bidding_bids"),
        _fk("opening_bids", "entity_id", "entities"),
        _pk("opening_bids"),
        sa.UniqueConstraint("bid_id", name=op.f("uq_opening_bids_bid_id")),
    )
    _indexes("opening_bids", "opening_id", "entity_id")
    op.create_table(
        "opening_roll_calls",
        _id(),
        sa.Column("opening_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        _fk("opening_roll_calls", "opening_id", "openings"),
        _fk("opening_roll_calls", "entity_id", "entities"),
        _fk("opening_roll_calls", "account_id", "accounts"),
        _pk("opening_roll_calls"),
        sa.UniqueConstraint("opening_id", "entity_id", name=op.f("uq_opening_roll_calls_opening_id_entity_id")),
    )
    _indexes("opening_roll_calls", "opening_id")
    op.create_table(
        "opening_key_submissions",
        _id(),
        sa.Column("opening_bid_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("signer_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        _fk("opening_key_submissions", "opening_bid_id", "opening_bids"),
        _fk("opening_key_submissions", "account_id", "accounts"),
        _pk("opening_key_submissions"),
    )
    _indexes("opening_key_submissions", "opening_bid_id")
    op.create_table(
        "opening_share_submissions",
        _id(),
        sa.Column("opening_id", sa.Integer(), nullable=False),
        sa.Column("custodian_share_id", sa.Integer(), nullable=False),
        sa.Column("share_index", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("signer_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("share", sa.LargeBinary(), nullable=True),
        sa.Column("wiped_at", UTC, nullable=True),
        _fk("opening_share_submissions", "opening_id", "openings"),
        _fk("opening_share_submissions", "custodian_share_id", "bidding_custodian_shares"),
        _fk("opening_share_submissions", "account_id", "accounts"),
        _pk("opening_share_submissions"),
        sa.UniqueConstraint(
            "opening_id", "share_index", name=op.f("uq_opening_share_submissions_opening_id_share_index")
        ),
    )
    _indexes("opening_share_submissions", "opening_id")
    op.create_table(
        "opening_objections",
        _id(),
        sa.Column("opening_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("raised_at", UTC, nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", UTC, nullable=True),
        _fk("opening_objections", "opening_id", "openings"),
        _fk("opening_objections", "entity_id", "entities"),
        _fk("opening_objections", "account_id", "accounts"),
        _fk("opening_objections", "answered_by", "accounts"),
        _pk("opening_objections"),
    )
    _indexes("opening_objections", "opening_id")
    op.create_table(
        "opening_findings",
        _id(),
        sa.Column("opening_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("bids", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("found_at", UTC, nullable=False),
        _fk("opening_findings", "opening_id", "openings"),
        _pk("opening_findings"),
    )
    _indexes("opening_findings", "opening_id")


def downgrade() -> None:
    for table in (
        "opening_findings",
        "opening_objections",
        "opening_share_submissions",
        "opening_key_submissions",
        "opening_roll_calls",
        "opening_bids",
        "openings",
    ):
        op.drop_table(table)
