"""Bid deposits (投标保证金): virtual sub-accounts, signed bank notifications, e-guarantees, refunds."""
