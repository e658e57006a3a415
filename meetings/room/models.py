"""Rows of the meeting room. Each module of `meetings.room` adds its own below the event row."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, created_at, enum_column, intpk, utcnow


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


class Conclusion(Base):
    """What the meeting concluded on one agenda item (kết luận), typed by the secretary or chair.

    ``version`` is raised by every change: a form carries the version it was drawn from and a
    stale one is refused, as with the meeting itself. An owner (a person or a unit) and a due
    date make it a task, tracked as an assignment of the sealed minutes once they are issued.
    """

    __tablename__ = "meeting_conclusions"
    __table_args__ = (
        sa.UniqueConstraint("item_id", name="uq_meeting_conclusions_item"),
        sa.CheckConstraint("owner_user_id IS NULL OR owner_unit_id IS NULL", name="one_owner"),
    )

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id"))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    #: Who carries it out: one person, or one unit (đơn vị chủ trì); neither for no task.
    owner_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    owner_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    due_on: Mapped[date | None]
    #: The assignment tracking it, made when the minutes carrying it are sealed.
    assignment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignments.id"))
    updated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MinutesKind(enum.StrEnum):
    """The two documents drafted from a meeting's record."""

    MINUTES = "minutes"  # Biên bản cuộc họp: the whole record
    CONCLUSIONS = "conclusions"  # Thông báo kết luận: the conclusions of each item


class MeetingMinutes(Base):
    """A meeting's Biên bản or Thông báo kết luận: the outgoing document it is drafted into,
    and when it was circulated after its seal."""

    __tablename__ = "meeting_minutes"
    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "kind", name="uq_meeting_minutes_kind"),
        sa.UniqueConstraint("document_id", name="uq_meeting_minutes_document"),
    )

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"))
    kind: Mapped[MinutesKind] = mapped_column(enum_column(MinutesKind))
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[created_at]
    sent_at: Mapped[datetime | None]
