"""Roles, permissions named scope:resource:action, and checked center scopes."""
