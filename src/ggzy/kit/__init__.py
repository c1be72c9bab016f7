"""Domain-free building blocks: settings, database, clock, workflow engine, errors, money, paging."""
