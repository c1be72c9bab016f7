"""Who may see the link between a sub-account and a bidder (pure).

The tenderee and its agency never: 招标投标法 第二十二条 forbids disclosing the names and the number of
potential bidders, and E-8 binds the platform operator too. The bidder sees its own; the deposit service
uses the mapping to match arrivals; the evaluation committee may see it once the bids are opened.
Center staff run the escrow: they see exception items (unmatched, wrong amount, late, payer name differs)
with what the bank reported, never a list or a count of the deposits received for a section.
"""

from __future__ import annotations

OPENED_STATES = frozenset({"opened", "evaluating", "evaluated", "awarded", "contracted", "archived"})


def may_see_mapping(*, viewer: str, own: bool, section_status: str) -> bool:
    if viewer == "bidder":
        return own
    if viewer == "deposit_service":
        return True
    if viewer == "committee":
        return section_status in OPENED_STATES
    return False


def reconciliation_row(payment, *, bank_code: str, section_code: str | None) -> dict:
    """What staff see of an exception item: the bank's report, the section, never our bidder mapping."""
    return {
        "id": payment.id,
        "status": payment.status,
        "bank": bank_code,
        "notification_id": payment.notification_id,
        "account_number": payment.account_number,
        "section": section_code,
        "amount_fen": payment.amount_fen,
        "required_fen": payment.required_fen,
        "payer_name": payment.payer_name,
        "payer_account": payment.payer_account,
        "payer_name_differs": payment.payer_name_matches is False,
        "booked_at": payment.booked_at.isoformat(),
        "received_at": payment.received_at.isoformat(),
    }
