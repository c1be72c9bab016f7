"""centers: national holiday schedules imported by platform admins (a year published after the release)

Revision ID: 0013_national_calendar
Revises: 0012_opening_confirmations
Written by hand.
"""

import sqlalchemy as sa
from alembic import op

import ggzy.kit.db

revision = "0013_national_calendar"
down_revision = "0012_opening_confirmations"
branch_labels = None
depends_on = None

UTC = ggzy.kit.db.UtcDateTime(timezone=True)
T = "national_calendar_years"


def upgrade() -> None:
    op.create_table(
        T,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_by", sa.Integer(), nullable=True),
        sa.Column("imported_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["imported_by"], ["accounts.id"], name=op.f(f"fk_{T}_imported_by_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{T}")),
        sa.UniqueConstraint("year", name=op.f(f"uq_{T}_year")),
    )


def downgrade() -> None:
    op.drop_table(T)
