"""opening: the bidders' signed confirmations (or refusals) of the opening record (E-13)

Revision ID: 0012_opening_confirmations
Revises: 0011_evaluation_session
Written by hand.
"""

import sqlalchemy as sa
from alembic import op

import ggzy.kit.db

revision = "0012_opening_confirmations"
down_revision = "0011_evaluation_session"
branch_labels = None
depends_on = None

UTC = ggzy.kit.db.UtcDateTime(timezone=True)
T = "opening_record_confirmations"


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{T}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        T,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opening_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("record_sha256", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("signer_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("declined", sa.Text(), nullable=True),
        _fk("opening_id", "openings"),
        _fk("entity_id", "entities"),
        _fk("account_id", "accounts"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{T}")),
        sa.UniqueConstraint("opening_id", "entity_id", name=op.f(f"uq_{T}_opening_id_entity_id")),
    )
    with op.batch_alter_table(T, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{T}_opening_id"), ["opening_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table(T, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{T}_opening_id"))
    op.drop_table(T)
