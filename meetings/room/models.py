"""Rows of the meeting room. Each module of `meetings.room` adds its own below the event row."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
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


class Presence(enum.StrEnum):
    """How a participant attends (điểm danh)."""

    PRESENT = "present"  # có mặt tại phòng họp
    ONLINE = "online"  # dự trực tuyến
    ABSENT = "absent"  # vắng mặt, with a reason
    REPRESENTED = "represented"  # cử người dự thay: their representative attends


class Attendance(Base):
    """One participant's attendance: one row per participant, whoever marks it and however
    often; two devices checking in at once meet the unique constraint, not a race."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (
        sa.UniqueConstraint("participant_id", name="uq_meeting_attendance_participant_id"),
        sa.CheckConstraint(
            "status <> 'represented' OR representative_id IS NOT NULL", name="names_representative"
        ),
        sa.CheckConstraint(
            "left_at IS NULL OR arrived_at IS NULL OR left_at >= arrived_at",
            name="leaves_after_arriving",
        ),
    )

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_participants.id"))
    status: Mapped[Presence] = mapped_column(enum_column(Presence))
    #: Why they are absent (lý do vắng mặt); empty otherwise.
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    #: Who attended in their place, as named when the attendance was marked.
    representative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: When they (or their representative) arrived; after the meeting's start is "late".
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When they left before the end (về sớm); they no longer count as present from then.
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    marked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    representative: Mapped[User | None] = relationship(foreign_keys=[representative_id])


class SpeechKind(enum.StrEnum):
    NORMAL = "normal"  # phát biểu
    PRO = "pro"  # ủng hộ
    CONTRA = "contra"  # phản đối
    POINT_OF_ORDER = "point_of_order"  # về thủ tục: goes first


class SpeakerRequest(Base):
    """A request to speak on one item (đăng ký phát biểu), and when the speech ran."""

    __tablename__ = "meeting_speakers"
    __table_args__ = (sa.Index("ix_meeting_speakers_item_id", "item_id", "position"),)

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[SpeechKind] = mapped_column(enum_column(SpeechKind))
    #: Place in the item's queue (points of order go first whatever their place); unique per
    #: item, so that two requests never tie.
    position: Mapped[int]
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Taken back before speaking (by the speaker, or struck off by the chair).
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class SpeakingTime(Base):
    """The speaking-time limit of one meeting, when the chair changed it from the default."""

    __tablename__ = "meeting_speaking_times"
    __table_args__ = (sa.CheckConstraint("seconds > 0", name="positive"),)

    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), primary_key=True)
    seconds: Mapped[int]


class ConflictOfInterest(Base):
    """A member's declaration of a conflict of interest on an item: they do not vote on it."""

    __tablename__ = "meeting_conflicts"
    __table_args__ = (
        sa.UniqueConstraint("item_id", "user_id", name="uq_meeting_conflicts_item_id"),
    )

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()


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
