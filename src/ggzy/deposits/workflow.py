"""Deposit states (pure: no session, no clock)."""

from __future__ import annotations

from enum import StrEnum

from ggzy.kit.workflow import Workflow, table


class PaymentStatus(StrEnum):
    RECEIVED = "received"  # the required amount reached the bidder's sub-account before the deadline
    MISMATCH = "mismatch"  # the amount differs from the required deposit: kept, shown for reconciliation
    LATE = "late"  # booked after the bid deadline (法 第二十八条 by analogy: nothing counts after the deadline)
    UNMATCHED = "unmatched"  # no sub-account of that number: for the staff to return to the payer


class RefundStatus(StrEnum):
    SCHEDULED = "scheduled"
    INSTRUCTED = "instructed"  # the transfer order is in the outbox for the bank
    SETTLED = "settled"  # the bank reported the transfer done (with its reference): the money is back
    FAILED = "failed"  # the bank reported the transfer failed: the center follows up


REFUND = Workflow(
    "deposit_refund",
    RefundStatus,
    table(
        ("instruct", {RefundStatus.SCHEDULED}, RefundStatus.INSTRUCTED),
        ("settle", {RefundStatus.INSTRUCTED}, RefundStatus.SETTLED),
        ("fail", {RefundStatus.INSTRUCTED}, RefundStatus.FAILED),
        # The center's staff re-issue the failed order (corrected account): a new order is in the outbox.
        ("reissue", {RefundStatus.FAILED}, RefundStatus.INSTRUCTED),
    ),
)


class TransferStatus(StrEnum):
    """A transfer order to a bank (a deposit refund or an expert fee), pulled by the bank."""

    INSTRUCTED = "instructed"  # in the outbox; a fee order without the payee's account is held here
    FETCHED = "fetched"  # the bank has fetched it (the platform-signed order document)
    SETTLED = "settled"
    FAILED = "failed"
    REISSUED = "reissued"  # replaced by a new order (new key) after the failure: final, never sent again


TRANSFER = Workflow(
    "transfer_order",
    TransferStatus,
    table(
        ("fetch", {TransferStatus.INSTRUCTED}, TransferStatus.FETCHED),
        # The bank settles only what it fetched: an order it never received cannot be confirmed.
        ("settle", {TransferStatus.FETCHED}, TransferStatus.SETTLED),
        ("fail", {TransferStatus.FETCHED}, TransferStatus.FAILED),
        # Only a failure the bank reported can be re-issued, and only once: the new order carries on.
        ("reissue", {TransferStatus.FAILED}, TransferStatus.REISSUED),
    ),
)

# What deposit_status() answers, strongest first: a later issue decides bid eligibility on it. "refunding": every
# arrival has a refund, not all of them settled by the bank yet; "refunded": the bank confirmed every one.
STATUS_ORDER = ("received", "refunded", "refunding", "mismatch", "late", "pending", "none")
