"""projects: a section's ceiling price (最高投标限价, 条例 第二十七条), fixed by its announcement

Revision ID: 0015_section_ceiling
Revises: 0014_bank_settlement
Written by hand.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_section_ceiling"
down_revision = "0014_bank_settlement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ceiling_fen", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.drop_column("ceiling_fen")
