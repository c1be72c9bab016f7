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


REFUND = Workflow(
    "deposit_refund",
    RefundStatus,
    table(("instruct", {RefundStatus.SCHEDULED}, RefundStatus.INSTRUCTED)),
)

# What deposit_status() answers, strongest first: a later issue decides bid eligibility on it.
STATUS_ORDER = ("received", "refunded", "mismatch", "late", "pending", "none")
