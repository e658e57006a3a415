"""Signing records (filled in by the signing work)."""
