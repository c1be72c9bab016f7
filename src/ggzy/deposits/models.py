"""Bid deposits (投标保证金): banks and their virtual sub-accounts, bank notifications (payments), guarantee
issuers and e-guarantees (电子保函), refunds and the transfer instructions sent to the bank (outbox)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, UtcDateTime


class Bank(Base):
    """A deposit bank registered by the platform administrator, with the certificate it signs notices with."""

    __tablename__ = "deposit_banks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    account_prefix: Mapped[str] = mapped_column(String(8))  # digits that start every sub-account number
    cert_pem: Mapped[str] = mapped_column(Text)
    # Demand-deposit rate in basis points a year, for the interest owed on refunds (T-11, T-19).
    demand_rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class SubAccount(Base):
    """One virtual sub-account per bidder × section. The number is random: it says nothing of the bidder."""

    __tablename__ = "deposit_sub_accounts"
    __table_args__ = (UniqueConstraint("section_id", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("deposit_banks.id"))
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Payment(Base):
    """One arrival reported by a bank's signed notification, kept with the result it was given."""

    __tablename__ = "deposit_payments"
    __table_args__ = (UniqueConstraint("bank_id", "notification_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("deposit_banks.id"))
    notification_id: Mapped[str] = mapped_column(String(64))
    body_sha256: Mapped[str] = mapped_column(String(64))
    account_number: Mapped[str] = mapped_column(String(32), index=True)
    sub_account_id: Mapped[int | None] = mapped_column(ForeignKey("deposit_sub_accounts.id"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"), index=True)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    required_fen: Mapped[int | None] = mapped_column(BigInteger)
    payer_name: Mapped[str] = mapped_column(String(200))
    payer_account: Mapped[str] = mapped_column(String(40))
    payer_name_matches: Mapped[bool | None] = mapped_column(Boolean)
    booked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20), index=True)  # received / mismatch / late / unmatched
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)


class GuaranteeIssuer(Base):
    """A bank or insurer whose e-guarantees (保函/保证保险) the platform verifies against the issuer's record."""

    __tablename__ = "guarantee_issuers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(30))  # bank_guarantee / insurance_guarantee
    verify_endpoint: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Guarantee(Base):
    """An e-guarantee accepted for a bidder × section after the issuer confirmed it."""

    __tablename__ = "deposit_guarantees"
    __table_args__ = (UniqueConstraint("issuer_id", "guarantee_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("guarantee_issuers.id"))
    guarantee_no: Mapped[str] = mapped_column(String(64))
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    form: Mapped[str] = mapped_column(String(30))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    valid_until: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20))  # received / released
    record_sha256: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    released_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Refund(Base):
    """A cash deposit to be returned, with the legal limit it must meet and when the chronograph acts on it."""

    __tablename__ = "deposit_refunds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("deposit_payments.id"), unique=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # withdrawal / termination / award / contract
    rule_id: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    interest_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    triggered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    due_by: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20))  # scheduled / instructed / settled / failed
    next_check: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)
    instructed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class TransferInstruction(Base):
    """Outbox row: the transfer order for the bank, fetched by it (pull) and settled once per idempotency key.
    ``status`` moves only by ``deposits.workflow.TRANSFER``; a reissued order is replaced by ``<key>:r<n>``."""

    __tablename__ = "deposit_transfer_instructions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("deposit_banks.id"))
    # A failed order can be re-issued: the new order names the same refund. One live order per refund is a rule
    # of the service (``deposits.reissue``), not of the table.
    refund_id: Mapped[int] = mapped_column(ForeignKey("deposit_refunds.id"), index=True)
    from_account: Mapped[str] = mapped_column(String(32))
    payee_name: Mapped[str] = mapped_column(String(200))
    payee_account: Mapped[str] = mapped_column(String(40))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    interest_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # first fetched by the bank
    status: Mapped[str] = mapped_column(String(20), default="instructed", server_default="instructed")
    bank_reference: Mapped[str | None] = mapped_column(String(64))
    settled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    failure: Mapped[str | None] = mapped_column(Text)
    settlement_sha256: Mapped[str | None] = mapped_column(String(64))  # the one settlement body accepted


class BankSettlement(Base):
    """One settlement notice accepted from a bank, whatever order it names. Like an arrival notification's id, a
    bank's settlement id is used once: the same body again gets the same answer, another body is refused."""

    __tablename__ = "deposit_bank_settlements"
    __table_args__ = (UniqueConstraint("bank_id", "settlement_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("deposit_banks.id"))
    settlement_id: Mapped[str] = mapped_column(String(64))
    body_sha256: Mapped[str] = mapped_column(String(64))
    order_key: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
