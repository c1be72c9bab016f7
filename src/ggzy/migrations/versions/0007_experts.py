"""experts: the province-wide expert pool, specialties, availability, relations, engagements, draws, seat bookings

Revision ID: 0007_experts
Revises: 0006_deposits
Written by hand.
"""

import sqlalchemy as sa
from alembic import op

import ggzy.kit.db

revision = "0007_experts"
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


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))


def upgrade() -> None:
    t = "experts"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("id_card_type", sa.String(length=2), nullable=False),
        sa.Column("id_card", sa.String(length=18), nullable=False),
        sa.Column("gender", sa.String(length=1), nullable=False),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column("title", sa.String(length=50), nullable=False),
        sa.Column("education", sa.String(length=50), nullable=False),
        sa.Column("duty", sa.String(length=50), nullable=False),
        sa.Column("employer_entity_id", sa.Integer(), nullable=True),
        sa.Column("employer_name", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=9), nullable=False),
        sa.Column("home_center_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.Column("work_years", sa.Integer(), nullable=True),
        sa.Column("qualifications", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("evaluation_count", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("entered_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        _fk(t, "account_id", "accounts"),
        _fk(t, "employer_entity_id", "entities"),
        _fk(t, "home_center_id", "centers"),
        _pk(t),
        sa.UniqueConstraint("account_id", name=op.f("uq_experts_account_id")),
        sa.UniqueConstraint("id_card", name=op.f("uq_experts_id_card")),
    )
    _indexes(t, "employer_entity_id", "region_code", "home_center_id")

    t = "expert_specialties"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=11), nullable=False),
        sa.Column("is_main", sa.Boolean(), nullable=False),
        _fk(t, "expert_id", "experts"),
        _pk(t),
        sa.UniqueConstraint("expert_id", "code", name=op.f("uq_expert_specialties_expert_id")),
    )
    _indexes(t, "expert_id", "code")

    t = "expert_unavailability"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        _fk(t, "expert_id", "experts"),
        _pk(t),
        sa.UniqueConstraint("expert_id", "day", name=op.f("uq_expert_unavailability_expert_id")),
    )
    _indexes(t, "expert_id", "day")

    t = "expert_relations"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("entity_name", sa.String(length=200), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        _fk(t, "expert_id", "experts"),
        _fk(t, "entity_id", "entities"),
        _pk(t),
    )
    _indexes(t, "expert_id", "entity_id", "entity_name")

    t = "expert_engagements"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("tenderee_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        _fk(t, "expert_id", "experts"),
        _fk(t, "tenderee_id", "entities"),
        _fk(t, "section_id", "sections"),
        _pk(t),
    )
    _indexes(t, "expert_id", "tenderee_id")

    t = "draws"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("evaluation_date", sa.Date(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.LargeBinary(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=True),
        sa.Column("snapshot_hash", sa.String(length=64), nullable=True),
        sa.Column("refusals", sa.Text(), nullable=False),
        sa.Column("next_counter", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("committed_at", UTC, nullable=False),
        sa.Column("drawn_at", UTC, nullable=True),
        sa.Column("revealed_at", UTC, nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _fk(t, "section_id", "sections"),
        _fk(t, "center_id", "centers"),
        _fk(t, "created_by", "accounts"),
        _pk(t),
    )
    _indexes(t, "section_id", "center_id", "evaluation_date")

    t = "draw_members"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("group_index", sa.Integer(), nullable=False),
        sa.Column("specialty", sa.String(length=11), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("center_code", sa.String(length=32), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("replaces_seq", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answered_at", UTC, nullable=True),
        sa.Column("refuse_reason", sa.String(length=200), nullable=False),
        _fk(t, "draw_id", "draws"),
        _fk(t, "expert_id", "experts"),
        _pk(t),
        sa.UniqueConstraint("draw_id", "seq", name=op.f("uq_draw_members_draw_id")),
    )
    _indexes(t, "draw_id", "expert_id")

    t = "seat_bookings"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seat_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        _fk(t, "seat_id", "seats"),
        _fk(t, "draw_id", "draws"),
        _fk(t, "member_id", "draw_members"),
        _pk(t),
        sa.UniqueConstraint("seat_id", "day", name=op.f("uq_seat_bookings_seat_id")),
    )
    _indexes(t, "seat_id", "day", "draw_id")


def downgrade() -> None:
    for t in (
        "seat_bookings",
        "draw_members",
        "draws",
        "expert_engagements",
        "expert_relations",
        "expert_unavailability",
        "expert_specialties",
        "experts",
    ):
        op.drop_table(t)
