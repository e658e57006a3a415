"""Rows of the meeting room. Each module of `meetings.room` adds its own below the event row."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, enum_column, intpk, utcnow


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
