"""The platform's cryptographic core: SM2 over system OpenSSL, certificates, path validation, CMS.

Pure functions and values only — no database, no web, no wall clock (every check takes ``now``).
"""
