"""Sealed bid submission: opening keys (key ceremony), resumable uploads, receipts, replacement and withdrawal."""
