"""registry: market entities, their versions, qualifications and credit records

Revision ID: 0002_registry
Revises: 0001
Create Date: 2026-11-28 (written by hand)
"""

import sqlalchemy as sa
from alembic import op

import ggzy.kit.db

revision = "0002_registry"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = ggzy.kit.db.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "entities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("license_no", sa.String(length=50), nullable=True),
        sa.Column("license_end_date", sa.Date(), nullable=True),
        sa.Column("organ_no", sa.String(length=9), nullable=True),
        sa.Column("id_card", sa.String(length=18), nullable=True),
        sa.Column("legal_represent", sa.String(length=20), nullable=False),
        sa.Column("represent_id_card", sa.String(length=18), nullable=True),
        sa.Column("represent_phone", sa.String(length=20), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("reg_capital_fen", sa.BigInteger(), nullable=True),
        sa.Column("legal_contact", sa.String(length=20), nullable=False),
        sa.Column("legal_contact_phone", sa.String(length=20), nullable=False),
        sa.Column("legal_email", sa.String(length=100), nullable=True),
        sa.Column("roles", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("registered_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["center_id"], ["centers.id"], name=op.f("fk_entities_center_id_centers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entities")),
        sa.UniqueConstraint("id_card", name=op.f("uq_entities_id_card")),
        sa.UniqueConstraint("uscc", name=op.f("uq_entities_uscc")),
    )
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entities_center_id"), ["center_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_entities_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_entities_region_code"), ["region_code"], unique=False)

    op.create_table(
        "entity_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("changed", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("snapshot_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["entity_id"], ["entities.id"], name=op.f("fk_entity_versions_entity_id_entities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entity_versions")),
        sa.UniqueConstraint("entity_id", "version", name=op.f("uq_entity_versions_entity_id_version")),
    )
    with op.batch_alter_table("entity_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entity_versions_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "qualifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("qual_type", sa.String(length=6), nullable=False),
        sa.Column("qual_name", sa.String(length=50), nullable=False),
        sa.Column("qual_level", sa.String(length=20), nullable=False),
        sa.Column("qual_cert_no", sa.String(length=50), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("qual_cert_end_date", sa.Date(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("withdrawn_at", UTC, nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["entity_id"], ["entities.id"], name=op.f("fk_qualifications_entity_id_entities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualifications")),
        sa.UniqueConstraint("entity_id", "qual_cert_no", name=op.f("uq_qualifications_entity_id_qual_cert_no")),
    )
    with op.batch_alter_table("qualifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qualifications_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "credit_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_code", sa.String(length=36), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=600), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("body_role", sa.String(length=20), nullable=True),
        sa.Column("government", sa.String(length=200), nullable=False),
        sa.Column("document_code", sa.String(length=50), nullable=False),
        sa.Column("punishment_basis", sa.Text(), nullable=False),
        sa.Column("punishment_result", sa.Text(), nullable=False),
        sa.Column("confined_action", sa.String(length=200), nullable=False),
        sa.Column("violating_time", sa.Date(), nullable=True),
        sa.Column("record_date", sa.Date(), nullable=False),
        sa.Column("confined_start", UTC, nullable=False),
        sa.Column("confined_end", UTC, nullable=True),
        sa.Column("tender_project_code", sa.String(length=20), nullable=True),
        sa.Column("tender_project_name", sa.String(length=200), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.Column("revoked_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["center_id"], ["centers.id"], name=op.f("fk_credit_records_center_id_centers")),
        sa.ForeignKeyConstraint(["entity_id"], ["entities.id"], name=op.f("fk_credit_records_entity_id_entities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_records")),
        sa.UniqueConstraint("record_code", name=op.f("uq_credit_records_record_code")),
    )
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_records_center_id"), ["center_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_records_entity_id"), ["entity_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_records_entity_id"))
        batch_op.drop_index(batch_op.f("ix_credit_records_center_id"))
    op.drop_table("credit_records")
    with op.batch_alter_table("qualifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qualifications_entity_id"))
    op.drop_table("qualifications")
    with op.batch_alter_table("entity_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entity_versions_entity_id"))
    op.drop_table("entity_versions")
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entities_region_code"))
        batch_op.drop_index(batch_op.f("ix_entities_name"))
        batch_op.drop_index(batch_op.f("ix_entities_center_id"))
    op.drop_table("entities")
