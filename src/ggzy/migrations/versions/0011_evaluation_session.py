"""evaluation session: seats, declarations, verdicts, score sheets, clarifications, fee payments (merge of heads)

Revision ID: 0011_evaluation_session
Revises: 0003_pki, 0004_cafees, 0007_experts, 0009_opening, 0010_award
Written by hand.
"""

import sqlalchemy as sa
from alembic import op

import ggzy.kit.db

revision = "0011_evaluation_session"
down_revision = ("0003_pki", "0004_cafees", "0007_experts", "0009_opening", "0010_award")
branch_labels = None
depends_on = None

UTC = ggzy.kit.db.UtcDateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for c in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{c}"), [c], unique=False)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def upgrade() -> None:
    t = "evaluation_sessions"
    op.create_table(
        t,
        _id(),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("scheme", sa.Text(), nullable=False),
        sa.Column("main_venue", sa.String(length=32), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("scored_at", UTC, nullable=True),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("report_sha256", sa.String(length=64), nullable=True),
        sa.Column("flags", sa.Text(), nullable=False),
        _fk(t, "section_id", "sections"),
        _fk(t, "center_id", "centers"),
        _fk(t, "draw_id", "draws"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("section_id", name=op.f(f"uq_{t}_section_id")),
    )
    _indexes(t, "center_id")
    t = "evaluation_seats"
    op.create_table(
        t,
        _id(),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("venue", sa.String(length=32), nullable=False),
        sa.Column("seat_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("declaration", sa.String(length=20), nullable=False),
        sa.Column("declaration_note", sa.Text(), nullable=False),
        sa.Column("declared_at", UTC, nullable=True),
        sa.Column("reviewed_at", UTC, nullable=True),
        sa.Column("scored_at", UTC, nullable=True),
        sa.Column("signed_at", UTC, nullable=True),
        sa.Column("sign_method", sa.String(length=20), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("signer_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("dissent", sa.Text(), nullable=False),
        _fk(t, "session_id", "evaluation_sessions"),
        _fk(t, "member_id", "draw_members"),
        _fk(t, "expert_id", "experts"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("session_id", "member_id", name=op.f(f"uq_{t}_session_id_member_id")),
    )
    _indexes(t, "session_id", "expert_id")
    for t, extra in (
        (
            "evaluation_verdicts",
            [sa.Column("passed", sa.Boolean(), nullable=False), sa.Column("reason", sa.Text(), nullable=False)],
        ),
        ("evaluation_sheets", [sa.Column("scores", sa.Text(), nullable=False)]),
    ):
        op.create_table(
            t,
            _id(),
            sa.Column("session_id", sa.Integer(), nullable=False),
            sa.Column("expert_id", sa.Integer(), nullable=False),
            sa.Column("entity_id", sa.Integer(), nullable=False),
            *extra,
            sa.Column("at", UTC, nullable=False),
            _fk(t, "session_id", "evaluation_sessions"),
            _fk(t, "entity_id", "entities"),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
            sa.UniqueConstraint(
                "session_id", "expert_id", "entity_id", name=op.f(f"uq_{t}_session_id_expert_id_entity_id")
            ),
        )
        _indexes(t, "session_id")
    t = "evaluation_clarifications"
    op.create_table(
        t,
        _id(),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("seat_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asked_at", UTC, nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", UTC, nullable=True),
        _fk(t, "session_id", "evaluation_sessions"),
        _fk(t, "entity_id", "entities"),
        _fk(t, "seat_id", "evaluation_seats"),
        _fk(t, "answered_by", "accounts"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    _indexes(t, "session_id", "entity_id")
    t = "evaluation_fee_payments"
    op.create_table(
        t,
        _id(),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("fee_id", sa.Integer(), nullable=False),
        sa.Column("payee_name", sa.String(length=50), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        _fk(t, "session_id", "evaluation_sessions"),
        _fk(t, "expert_id", "experts"),
        _fk(t, "fee_id", "award_expert_fees"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("key", name=op.f(f"uq_{t}_key")),
        sa.UniqueConstraint("fee_id", name=op.f(f"uq_{t}_fee_id")),
    )
    _indexes(t, "session_id", "expert_id")


def downgrade() -> None:
    for t in (
        "evaluation_fee_payments",
        "evaluation_clarifications",
        "evaluation_sheets",
        "evaluation_verdicts",
        "evaluation_seats",
        "evaluation_sessions",
    ):
        op.drop_table(t)
