"""The hash-chained event log: every state change is recorded here in the same transaction."""
