"""projects: projects, sections, announcements, documents, questions

Revision ID: 0005_projects
Revises: 0002_registry
Create Date: 2026-11-28 04:16:31.088644
"""

import sqlalchemy as sa
from alembic import op

import ggzy.kit.db

revision = "0005_projects"
down_revision = "0002_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=17), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("tenderee_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("transaction_type", sa.String(length=30), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", ggzy.kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["entities.id"], name=op.f("fk_projects_agency_id_entities")),
        sa.ForeignKeyConstraint(["center_id"], ["centers.id"], name=op.f("fk_projects_center_id_centers")),
        sa.ForeignKeyConstraint(["created_by"], ["accounts.id"], name=op.f("fk_projects_created_by_accounts")),
        sa.ForeignKeyConstraint(["tenderee_id"], ["entities.id"], name=op.f("fk_projects_tenderee_id_entities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("code", name=op.f("uq_projects_code")),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_center_id"), ["center_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_tenderee_id"), ["tenderee_id"], unique=False)

    op.create_table(
        "tender_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("rule_set", sa.String(length=60), nullable=False),
        sa.Column("estimate_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_at", ggzy.kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["center_id"], ["centers.id"], name=op.f("fk_tender_projects_center_id_centers")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_tender_projects_project_id_projects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_projects")),
        sa.UniqueConstraint("code", name=op.f("uq_tender_projects_code")),
    )
    with op.batch_alter_table("tender_projects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tender_projects_center_id"), ["center_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tender_projects_project_id"), ["project_id"], unique=False)

    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_project_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("schedule", sa.Text(), nullable=False),
        sa.Column("affects_bids", sa.Boolean(), nullable=False),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("created_at", ggzy.kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", ggzy.kit.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("published_at", ggzy.kit.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("publish_key", sa.String(length=80), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["center_id"], ["centers.id"], name=op.f("fk_announcements_center_id_centers")),
        sa.ForeignKeyConstraint(
            ["tender_project_id"],
            ["tender_projects.id"],
            name=op.f("fk_announcements_tender_project_id_tender_projects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
        sa.UniqueConstraint("publish_key", name=op.f("uq_announcements_publish_key")),
        sa.UniqueConstraint("tender_project_id", "version", name=op.f("uq_announcements_tender_project_id_version")),
    )
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announcements_center_id"), ["center_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_announcements_tender_project_id"), ["tender_project_id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("tender_project_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", ggzy.kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("read_at", ggzy.kit.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["entity_id"], ["entities.id"], name=op.f("fk_notifications_entity_id_entities")),
        sa.ForeignKeyConstraint(
            ["tender_project_id"],
            ["tender_projects.id"],
            name=op.f("fk_notifications_tender_project_id_tender_projects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_project_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=23), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("estimate_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("documents_from", ggzy.kit.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("documents_until", ggzy.kit.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("bid_deadline", ggzy.kit.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("deposit_fen", sa.BigInteger(), nullable=False),
        sa.Column("deposit_forms", sa.String(length=100), nullable=False),
        sa.Column("terminated_reason", sa.Text(), nullable=True),
        sa.Column("next_check", ggzy.kit.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["center_id"], ["centers.id"], name=op.f("fk_sections_center_id_centers")),
        sa.ForeignKeyConstraint(
            ["tender_project_id"], ["tender_projects.id"], name=op.f("fk_sections_tender_project_id_tender_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sections")),
        sa.UniqueConstraint("code", name=op.f("uq_sections_code")),
    )
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sections_center_id"), ["center_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sections_next_check"), ["next_check"], unique=False)
        batch_op.create_index(batch_op.f("ix_sections_tender_project_id"), ["tender_project_id"], unique=False)

    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_project_id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sm3", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_at", ggzy.kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"], ["announcements.id"], name=op.f("fk_documents_announcement_id_announcements")
        ),
        sa.ForeignKeyConstraint(
            ["tender_project_id"], ["tender_projects.id"], name=op.f("fk_documents_tender_project_id_tender_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_tender_project_id"), ["tender_project_id"], unique=False)

    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_project_id", sa.Integer(), nullable=False),
        sa.Column("asker_entity_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("asked_at", ggzy.kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", ggzy.kit.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("announcement_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["announcement_id"], ["announcements.id"], name=op.f("fk_questions_announcement_id_announcements")
        ),
        sa.ForeignKeyConstraint(
            ["asker_entity_id"], ["entities.id"], name=op.f("fk_questions_asker_entity_id_entities")
        ),
        sa.ForeignKeyConstraint(
            ["tender_project_id"], ["tender_projects.id"], name=op.f("fk_questions_tender_project_id_tender_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_questions_tender_project_id"), ["tender_project_id"], unique=False)

    op.create_table(
        "downloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("tender_project_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("at", ggzy.kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_downloads_account_id_accounts")),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_downloads_document_id_documents")),
        sa.ForeignKeyConstraint(["entity_id"], ["entities.id"], name=op.f("fk_downloads_entity_id_entities")),
        sa.ForeignKeyConstraint(
            ["tender_project_id"], ["tender_projects.id"], name=op.f("fk_downloads_tender_project_id_tender_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_downloads")),
    )
    with op.batch_alter_table("downloads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_downloads_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_downloads_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_downloads_tender_project_id"), ["tender_project_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("downloads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_downloads_tender_project_id"))
        batch_op.drop_index(batch_op.f("ix_downloads_entity_id"))
        batch_op.drop_index(batch_op.f("ix_downloads_document_id"))

    op.drop_table("downloads")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questions_tender_project_id"))

    op.drop_table("questions")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_tender_project_id"))

    op.drop_table("documents")
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sections_tender_project_id"))
        batch_op.drop_index(batch_op.f("ix_sections_next_check"))
        batch_op.drop_index(batch_op.f("ix_sections_center_id"))

    op.drop_table("sections")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_entity_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcements_tender_project_id"))
        batch_op.drop_index(batch_op.f("ix_announcements_center_id"))

    op.drop_table("announcements")
    with op.batch_alter_table("tender_projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tender_projects_project_id"))
        batch_op.drop_index(batch_op.f("ix_tender_projects_center_id"))

    op.drop_table("tender_projects")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_tenderee_id"))
        batch_op.drop_index(batch_op.f("ix_projects_center_id"))
        batch_op.drop_index(batch_op.f("ix_projects_agency_id"))

    op.drop_table("projects")
