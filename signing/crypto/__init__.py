"""Signing cryptography: PKI, CMS, verification and the bundle format; no database, no Flask."""
