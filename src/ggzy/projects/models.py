"""Projects (项目) → tender projects (招标项目) → sections (标段/包), announcements with their versions,
documents, downloads (secret until the opening), questions and answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, UtcDateTime


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(17), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6))
    tenderee_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)
    transaction_type: Mapped[str] = mapped_column(String(30))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class TenderProject(Base):
    __tablename__ = "tender_projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    rule_set: Mapped[str] = mapped_column(String(60))
    estimate_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Section(Base):
    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tender_project_id: Mapped[int] = mapped_column(ForeignKey("tender_projects.id"), index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    code: Mapped[str] = mapped_column(String(23), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    estimate_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    documents_from: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    documents_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    bid_deadline: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    deposit_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    deposit_forms: Mapped[str] = mapped_column(String(100), default="")
    # 最高投标限价 (data set CONTROL_PRICE), published with the documents (条例 第二十七条); a bid above it is
    # rejected at evaluation (条例 第五十一条). No floor price exists: 最低投标限价 is forbidden (Art. 27).
    ceiling_fen: Mapped[int | None] = mapped_column(BigInteger)
    terminated_reason: Mapped[str | None] = mapped_column(Text)
    next_check: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)


class Announcement(Base):
    """One version of a tender project's announcement. Published versions are permanent: a change is a new
    version (变更/澄清) that supersedes the previous one, never an edit."""

    __tablename__ = "announcements"
    __table_args__ = (UniqueConstraint("tender_project_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tender_project_id: Mapped[int] = mapped_column(ForeignKey("tender_projects.id"), index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # tender / amendment / clarification / termination
    status: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    schedule: Mapped[str] = mapped_column(Text)  # canonical JSON of the sections' dates and deposits
    affects_bids: Mapped[bool] = mapped_column(default=False)
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    publish_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)


class Document(Base):
    """A tender document or attachment, stored content-addressed; its hash goes into the announcement."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tender_project_id: Mapped[int] = mapped_column(ForeignKey("tender_projects.id"), index=True)
    announcement_id: Mapped[int | None] = mapped_column(ForeignKey("announcements.id"))
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    sm3: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Download(Base):
    """Who obtained which document. Never shown to the tenderee or agency before the opening (法 第二十二条)."""

    __tablename__ = "downloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    tender_project_id: Mapped[int] = mapped_column(ForeignKey("tender_projects.id"), index=True)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Question(Base):
    """A bidder's question (答疑). The tenderee sees the text, never the asker."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tender_project_id: Mapped[int] = mapped_column(ForeignKey("tender_projects.id"), index=True)
    asker_entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    text: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    announcement_id: Mapped[int | None] = mapped_column(ForeignKey("announcements.id"))


class Notification(Base):
    """A message to a market entity (clarifications, answers, terminations reach every downloader)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    tender_project_id: Mapped[int | None] = mapped_column(ForeignKey("tender_projects.id"))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
