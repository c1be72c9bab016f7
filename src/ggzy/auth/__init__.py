"""Accounts, password and certificate login, page sessions and API tokens."""
