"""SQLAlchemy models of the province-wide trust list and of certificate bindings (一证通)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, UtcDateTime


class TrustedCa(Base):
    """A CA certificate (root or issuing) on the provincial trust list, with its CRL source.

    Removal keeps the row (status ``removed`` with who and when): past verdicts stay explainable.
    """

    __tablename__ = "pki_trusted_cas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200), default="")
    certificate_der: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(1000))
    issuer: Mapped[str] = mapped_column(String(1000))
    algorithm: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))  # "root" | "issuing"
    not_before: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    not_after: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    crl_source: Mapped[str] = mapped_column(String(10), default="none")  # "none" | "file" | "url"
    crl_url: Mapped[str | None] = mapped_column(String(1000))
    crl_der: Mapped[bytes | None] = mapped_column(LargeBinary)
    crl_fetched_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    crl_this_update: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    crl_next_update: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)
    crl_checked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    crl_error: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)  # "active" | "removed"
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    removed_by: Mapped[str | None] = mapped_column(String(200))
    removed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class TrustState(Base):
    """One row: bumped on every trust-list change, so each process rebuilds its cached list only then.

    ``stamp`` is random per change (not just a counter), so a rolled-back change never collides
    with a later one in a process cache.
    """

    __tablename__ = "pki_trust_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    stamp: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class CertificateBinding(Base):
    """A certificate bound to an account; unbinding keeps the row with ``unbound_at``.

    At most one live binding per certificate (partial unique index): one certificate, one account.
    """

    __tablename__ = "pki_certificate_bindings"
    __table_args__ = (
        Index(
            "uq_pki_certificate_bindings_live_fingerprint",
            "fingerprint",
            unique=True,
            sqlite_where=text("unbound_at IS NULL"),
            postgresql_where=text("unbound_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    certificate_der: Mapped[bytes] = mapped_column(LargeBinary)
    subject: Mapped[str] = mapped_column(String(1000))
    issuer: Mapped[str] = mapped_column(String(1000))
    serial: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(20))
    not_after: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    bound_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    bound_by: Mapped[str] = mapped_column(String(200))
    unbound_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class UsedChallenge(Base):
    """A login/binding challenge that has been spent: the replay guard (challenges themselves are HMAC'd tokens)."""

    __tablename__ = "pki_used_challenges"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
