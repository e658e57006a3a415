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


class PollStatus(enum.StrEnum):
    OPEN = "open"  # ballots are being cast
    CLOSED = "closed"  # counted; the chair and secretary see the result
    PUBLISHED = "published"  # everyone who sees the poll sees the result


class PollKind(enum.StrEnum):
    YES_NO_ABSTAIN = "yes_no"  # tán thành / không tán thành / không biểu quyết
    CHOICE = "choice"  # one choice among the options typed when it opened


class PassBase(enum.StrEnum):
    """What the share of ``PassRule`` is counted against."""

    ENTITLED = "entitled"  # every voter frozen at the opening, whether they voted or not
    CAST = "cast"  # the ballots cast


class Poll(Base):
    """A question put to a frozen list of voters: a vote in a meeting or a written consultation.

    A secret poll's ballots are counted in place on its options (`PollOption.tally`); which
    voter chose what is stored nowhere (see `meetings.room.votes`).
    """

    __tablename__ = "room_polls"
    __table_args__ = (
        sa.CheckConstraint(
            "pass_numerator >= 0 AND pass_denominator > 0 AND pass_numerator < pass_denominator",
            name="pass_share",
        ),
        sa.CheckConstraint("item_id IS NULL OR meeting_id IS NOT NULL", name="item_in_meeting"),
    )

    id: Mapped[intpk]
    #: The meeting it is voted in; None for a written consultation between meetings.
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    #: The agenda item it decides; None for the meeting as a whole.
    item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agenda_items.id"))
    question: Mapped[str] = mapped_column(sa.String(1000))
    kind: Mapped[PollKind] = mapped_column(enum_column(PollKind))
    secret: Mapped[bool] = mapped_column(default=False)
    #: The rule, as data: passed when the leading choice has more than numerator/denominator
    #: of the base (more than 1/2 of the entitled voters by default).
    pass_numerator: Mapped[int] = mapped_column(default=1)
    pass_denominator: Mapped[int] = mapped_column(default=2)
    pass_base: Mapped[PassBase] = mapped_column(enum_column(PassBase), default=PassBase.ENTITLED)
    status: Mapped[PollStatus] = mapped_column(enum_column(PollStatus), default=PollStatus.OPEN)
    opened_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Set at the close from the tallies: whether the leading choice met the rule.
    passed: Mapped[bool | None]

    options: Mapped[list[PollOption]] = relationship(
        order_by="PollOption.position", lazy="selectin"
    )


class PollOption(Base):
    """One choice of a poll, and (for every poll) how many ballots chose it, counted in place."""

    __tablename__ = "room_poll_options"
    __table_args__ = (
        sa.UniqueConstraint("poll_id", "position", name="uq_room_poll_options_position"),
        sa.CheckConstraint("tally >= 0", name="tally_not_negative"),
    )

    id: Mapped[intpk]
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("room_polls.id"))
    position: Mapped[int]
    label: Mapped[str] = mapped_column(sa.String(500))
    #: Ballots that chose it, raised in place by each (no row per ballot to order or date).
    tally: Mapped[int] = mapped_column(default=0)


class PollVoter(Base):
    """A voter frozen when the poll opened: whose vote it is and who casts it."""

    __tablename__ = "room_poll_voters"
    __table_args__ = (
        sa.UniqueConstraint("poll_id", "member_id", name="uq_room_poll_voters_member"),
        sa.Index("ix_room_poll_voters_user", "poll_id", "user_id"),
    )

    id: Mapped[intpk]
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("room_polls.id"))
    #: The member whose vote it is.
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: Who casts it: the member, or the representative they sent.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))


class PollBallot(Base):
    """That a voter has voted: at most one per voter, by a unique constraint.

    For a named poll it also holds the choice and the time; for a secret one neither (the choice
    only raised its option's tally, in the same transaction).
    """

    __tablename__ = "room_poll_ballots"
    __table_args__ = (sa.UniqueConstraint("voter_id", name="uq_room_poll_ballots_voter"),)

    id: Mapped[intpk]
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("room_polls.id"), index=True)
    voter_id: Mapped[int] = mapped_column(sa.ForeignKey("room_poll_voters.id"))
    #: Named polls only.
    option_id: Mapped[int | None] = mapped_column(sa.ForeignKey("room_poll_options.id"))
    #: Named polls only.
    cast_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Consultation(Base):
    """A written consultation (xin ý kiến thành viên): a named poll sent between meetings, with
    a deadline and the exact document versions to read; summarised once the deadline passed."""

    __tablename__ = "room_consultations"

    id: Mapped[intpk]
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("room_polls.id"), unique=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    deadline: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the summary was made (by the job after the deadline); None before.
    summarised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The summary as plain JSON (counts, passed, who answered and who did not).
    summary: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    poll: Mapped[Poll] = relationship(lazy="joined", innerjoin=True)


class ConsultationDocument(Base):
    """An exact document version sent with a consultation, to read before answering."""

    __tablename__ = "room_consultation_documents"
    __table_args__ = (
        sa.UniqueConstraint(
            "consultation_id", "version_id", name="uq_room_consultation_documents_version"
        ),
    )

    id: Mapped[intpk]
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("room_consultations.id"))
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("document_versions.id"), index=True)


class ConsultationReminder(Base):
    """One reminder of one consultation sent to one person at one lead: sent once."""

    __tablename__ = "room_consultation_reminders"
    __table_args__ = (
        sa.UniqueConstraint(
            "consultation_id", "user_id", "lead_minutes", name="uq_room_consultation_reminders_once"
        ),
    )

    id: Mapped[intpk]
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("room_consultations.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    lead_minutes: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AnswerSignature(Base):
    """A member's signature over the canonical statement of their answer (detached CMS, DER)."""

    __tablename__ = "room_answer_signatures"

    ballot_id: Mapped[int] = mapped_column(sa.ForeignKey("room_poll_ballots.id"), primary_key=True)
    #: The exact UTF-8 text that was signed.
    statement: Mapped[str] = mapped_column(sa.Text)
    cms_der: Mapped[bytes] = mapped_column(sa.LargeBinary)
    certificate_serial: Mapped[str] = mapped_column(sa.String(64))
