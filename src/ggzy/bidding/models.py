"""Sealed bids: custodians of opening keys, each section's opening key (public half only) with its
encrypted shares, resumable uploads, bids (ciphertext only) and the receipts the platform signed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, UtcDateTime


class Custodian(Base):
    """An account that holds one share of every opening key made where it is appointed.

    ``center_id`` NULL appoints it province-wide (used where a center and its parents appoint nobody).
    Removal keeps the row (``removed_at``): past ceremonies stay explainable."""

    __tablename__ = "bidding_custodians"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # center / regulator / notary
    label: Mapped[str] = mapped_column(String(200))
    appointed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    removed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class OpeningKey(Base):
    """A section's opening key: the certificate is public; the private key exists only as k-of-n shares."""

    __tablename__ = "bidding_opening_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), unique=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    algorithm: Mapped[str] = mapped_column(String(20))  # "ec-p256"
    certificate_der: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the certificate DER
    threshold: Mapped[int] = mapped_column(Integer)
    shares_total: Mapped[int] = mapped_column(Integer)
    split_fingerprint: Mapped[str] = mapped_column(String(64))  # sharing.Share.split_fingerprint: combine checks it
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class CustodianShare(Base):
    """One share of an opening key, encrypted to its custodian's certificate (CMS envelope, DER).

    ``commitment`` is the share's own commitment (``sharing``: SHA-256 over set id, index and value), published
    in the ceremony event, so a share brought back at the opening is checked without revealing it."""

    __tablename__ = "bidding_custodian_shares"
    __table_args__ = (UniqueConstraint("opening_key_id", "share_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opening_key_id: Mapped[int] = mapped_column(ForeignKey("bidding_opening_keys.id"), index=True)
    custodian_id: Mapped[int] = mapped_column(ForeignKey("bidding_custodians.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    share_index: Mapped[int] = mapped_column(Integer)
    certificate_fingerprint: Mapped[str] = mapped_column(String(64))
    encrypted_share: Mapped[bytes] = mapped_column(LargeBinary)
    commitment: Mapped[str] = mapped_column(String(64))


class Upload(Base):
    """A resumable upload in progress. The bytes live in a temporary file named by ``token``; the received
    length is that file's size. Expired uploads are deleted by the chronograph; they never become bids."""

    __tablename__ = "bidding_uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open / completed / expired
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    next_check: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)


class Bid(Base):
    """A sealed bid: the ciphertext (content-addressed blob ``sha256``) and the bidder's signature over it.

    ``number`` is the bidder's receipt number, the only name of the bid before the opening. A replacement
    is a new row; the old one becomes ``superseded`` (``superseded_by``). Withdrawal keeps the row."""

    __tablename__ = "bidding_bids"
    # One live bid per bidder and section: two completions racing cannot both become the live bid.
    __table_args__ = (
        Index(
            "uq_bidding_bids_live",
            "section_id",
            "entity_id",
            unique=True,
            sqlite_where=text("status = 'submitted'"),
            postgresql_where=text("status = 'submitted'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    status: Mapped[str] = mapped_column(String(20))  # submitted / superseded / withdrawn
    sha256: Mapped[str] = mapped_column(String(64))
    sm3: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    content_algorithm: Mapped[str] = mapped_column(String(60))
    opening_key_id: Mapped[int] = mapped_column(ForeignKey("bidding_opening_keys.id"))
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # the bidder's detached CMS signature (DER)
    signed_content: Mapped[str] = mapped_column(String(20))  # "sha256-hex" or "envelope": what it signs
    signer_fingerprint: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("bidding_bids.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("bidding_bids.id"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Receipt(Base):
    """A receipt the platform signed (回执): ``content`` is the exact canonical JSON signed, ``signature``
    a detached CMS signature by the platform key (``pki.documents.sign_document``)."""

    __tablename__ = "bidding_receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bidding_bids.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # submitted / replaced / withdrawn
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    content: Mapped[str] = mapped_column(Text)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
