"""Audit log pages and endpoints (filled in by the audit log work)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the audit blueprint and CLI commands."""
