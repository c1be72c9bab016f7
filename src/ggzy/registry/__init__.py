"""Market entities shared province-wide; identifier validation (USCC, resident ID, legacy codes)."""
