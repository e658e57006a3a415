"""Rows of the meeting room. Each module of `meetings.room` adds its own below the event row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, intpk, utcnow


class RoomEvent(Base):
    """One change in a running meeting, in the order it was committed, for every device to follow.

    The id is what a browser sends back as ``Last-Event-ID``; ``data`` is what the pages need to
    update themselves and never holds a secret ballot's choice.
    """

    __tablename__ = "meeting_room_events"
    __table_args__ = (sa.Index("ix_meeting_room_events_meeting_id", "meeting_id", "id"),)

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"))
    #: What changed, "area.what" (e.g. "agenda.current", "vote.opened").
    kind: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: Who did it; None for the system (a deadline that passed).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RoomState(Base):
    """What a running meeting is on now: the current agenda item, since when, for how long.

    One row per meeting, written by the chair or the secretary; every device follows it. The
    planned duration is copied when the item becomes current, so the timer each device shows
    does not move if the agenda is edited meanwhile.
    """

    __tablename__ = "meeting_room_states"

    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), primary_key=True)
    #: The item under discussion; None before the first one (or once it was deleted).
    current_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="SET NULL")
    )
    #: When the current item became current: where its timer starts.
    item_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The item's planned duration at that moment (0: none planned, the timer only counts).
    planned_minutes: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
