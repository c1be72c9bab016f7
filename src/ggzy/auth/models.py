from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, UtcDateTime


class Account(Base):
    """A person who logs in. Staff use a password; market entities and experts bind CA certificates
    (one account may hold several certificates from different CAs: 一证通)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    home_center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), index=True)
    entity_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class RoleGrant(Base):
    """A role held in a scope: a center (and its sub-centers), the province, or industry × region."""

    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), index=True)
    industry: Mapped[str | None] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class AuthSession(Base):
    """A page session or an API token. Only the SHA-256 of the secret is stored."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100), default="")
    csrf_token: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
