"""pki: province-wide CA trust list, certificate bindings, spent login challenges

Revision ID: 0003_pki
Revises: 0001
Create Date: 2026-11-28 (written by hand)
"""

import sqlalchemy as sa
from alembic import op

import ggzy.kit.db

revision = "0003_pki"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = ggzy.kit.db.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pki_trusted_cas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("certificate_der", sa.LargeBinary(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("issuer", sa.String(length=1000), nullable=False),
        sa.Column("algorithm", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("not_before", UTC, nullable=False),
        sa.Column("not_after", UTC, nullable=False),
        sa.Column("crl_source", sa.String(length=10), nullable=False),
        sa.Column("crl_url", sa.String(length=1000), nullable=True),
        sa.Column("crl_der", sa.LargeBinary(), nullable=True),
        sa.Column("crl_fetched_at", UTC, nullable=True),
        sa.Column("crl_this_update", UTC, nullable=True),
        sa.Column("crl_next_update", UTC, nullable=True),
        sa.Column("crl_checked_at", UTC, nullable=True),
        sa.Column("crl_error", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("added_at", UTC, nullable=False),
        sa.Column("removed_by", sa.String(length=200), nullable=True),
        sa.Column("removed_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pki_trusted_cas")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_pki_trusted_cas_fingerprint")),
    )
    op.create_index(op.f("ix_pki_trusted_cas_status"), "pki_trusted_cas", ["status"])
    op.create_index(op.f("ix_pki_trusted_cas_crl_next_update"), "pki_trusted_cas", ["crl_next_update"])

    op.create_table(
        "pki_trust_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.Column("changed_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pki_trust_state")),
    )

    op.create_table(
        "pki_certificate_bindings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("certificate_der", sa.LargeBinary(), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("issuer", sa.String(length=1000), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=20), nullable=False),
        sa.Column("not_after", UTC, nullable=False),
        sa.Column("bound_at", UTC, nullable=False),
        sa.Column("bound_by", sa.String(length=200), nullable=False),
        sa.Column("unbound_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_pki_certificate_bindings_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pki_certificate_bindings")),
    )
    op.create_index(op.f("ix_pki_certificate_bindings_account_id"), "pki_certificate_bindings", ["account_id"])
    op.create_index(op.f("ix_pki_certificate_bindings_fingerprint"), "pki_certificate_bindings", ["fingerprint"])
    op.create_index(
        "uq_pki_certificate_bindings_live_fingerprint",
        "pki_certificate_bindings",
        ["fingerprint"],
        unique=True,
        sqlite_where=sa.text("unbound_at IS NULL"),
        postgresql_where=sa.text("unbound_at IS NULL"),
    )

    op.create_table(
        "pki_used_challenges",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("used_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_pki_used_challenges")),
    )
    op.create_index(op.f("ix_pki_used_challenges_expires_at"), "pki_used_challenges", ["expires_at"])


def downgrade() -> None:
    op.drop_table("pki_used_challenges")
    op.drop_index("uq_pki_certificate_bindings_live_fingerprint", table_name="pki_certificate_bindings")
    op.drop_table("pki_certificate_bindings")
    op.drop_table("pki_trust_state")
    op.drop_table("pki_trusted_cas")
