"""Demonstration signatures (filled in by the signing work)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session


def load(session: Session, app: Flask) -> list[tuple[str, str, str]]:
    return []
