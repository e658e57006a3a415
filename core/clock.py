"""Dates as the office sees them: Vietnam time, whatever the server's zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.db import utcnow

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def today_local() -> date:
    """Today's date in Vietnam: numbering years and deadlines follow it."""
    return utcnow().astimezone(VIETNAM).date()


def local_time(moment: datetime | None) -> str:
    """A stored UTC moment shown as Vietnam time, e.g. "26/11/2026 12:21"."""
    if moment is None:
        return ""
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")
