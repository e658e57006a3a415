"""Signing pages (filled in by the signing work)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the signing blueprint and CLI commands."""
