"""Rows behind the audit log.

`AuditEvent` is written in the same transaction as the action it records, so an action and its
event commit or roll back together.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class AuditEvent(Base):
    """A security-relevant action, as given to `record_event`."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(
        sa.String(36), unique=True, default=lambda: str(uuid.uuid4())
    )
    #: "source:subject:action", e.g. "accounts:session:login".
    action: Mapped[str] = mapped_column(sa.String(96), index=True)
    #: The account id of whoever acted; never a name, e-mail or address (the log is kept forever).
    actor_id: Mapped[int | None] = mapped_column(index=True)
    subject: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
