"""Creating, editing and moving a meeting through its life: draft, published, in progress,
closed, archived; series of recurring meetings. Publishing is `publish`, and only there."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from accounts.models import Role, User
from audit import record_event
from core.clock import VIETNAM
from core.db import utcnow
from core.errors import N_
from documents.decree30 import Confidentiality
from meetings import access, invitations
from meetings.errors import BadMeeting, MeetingNotFound, NotAllowed, StaleAgenda, WrongState
from meetings.models import (
    EDITABLE,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
    Participant,
    Recurrence,
)

#: The one way through a meeting's life.
NEXT_STATUS = {
    MeetingStatus.DRAFT: MeetingStatus.PUBLISHED,
    MeetingStatus.PUBLISHED: MeetingStatus.IN_PROGRESS,
    MeetingStatus.IN_PROGRESS: MeetingStatus.CLOSED,
    MeetingStatus.CLOSED: MeetingStatus.ARCHIVED,
}
#: The details a calendar must apply again when they change: they raise the SEQUENCE.
CALENDAR_FIELDS = frozenset({"starts_at", "ends_at", "room", "online_link"})
#: Most meetings one series creates at once (a year of weekly meetings).
MAX_OCCURRENCES = 52


@dataclass(frozen=True)
class MeetingData:
    title: str
    kind: MeetingKind
    starts_at: datetime
    ends_at: datetime
    chair_id: int
    secretary_id: int
    room: str = ""
    online_link: str = ""
    confidentiality: Confidentiality = Confidentiality.THUONG


def create(
    session: Session,
    actor: User,
    data: MeetingData,
    *,
    repeat: Recurrence | None = None,
    occurrences: int = 1,
) -> list[Meeting]:
    """Create a draft meeting, or a series of ``occurrences`` meetings repeating ``repeat``.

    The meetings of a series share everything but their dates; each is edited on its own.
    """
    if not access.may_create(actor):
        raise NotAllowed(N_("Only clerks may prepare meetings."))
    _check(session, data)
    if repeat is None:
        occurrences = 1
    elif not 2 <= occurrences <= MAX_OCCURRENCES:
        raise BadMeeting(N_("A series holds from 2 to %(most)d meetings."), most=MAX_OCCURRENCES)
    series = None
    if repeat is not None:
        series = MeetingSeries(
            title=data.title.strip(),
            unit_id=actor.unit_id,
            recurrence=repeat,
            created_by_id=actor.id,
        )
        session.add(series)
        session.flush()
    meetings = []
    for n in range(occurrences):
        starts_at = _shift(data.starts_at, repeat, n)
        meeting = Meeting(
            title=data.title.strip(),
            kind=data.kind,
            unit_id=actor.unit_id,
            series_id=series.id if series else None,
            starts_at=starts_at,
            ends_at=starts_at + (data.ends_at - data.starts_at),
            room=data.room.strip(),
            online_link=data.online_link.strip(),
            chair_id=data.chair_id,
            secretary_id=data.secretary_id,
            confidentiality=data.confidentiality,
            status=MeetingStatus.DRAFT,
            version=1,
            created_by_id=actor.id,
        )
        session.add(meeting)
        meetings.append(meeting)
    session.flush()
    for meeting in meetings:
        record_event(
            session,
            "meetings:meeting:create",
            actor=actor,
            subject={"meeting": meeting.id},
            details={"series": series.id if series else None},
        )
    return meetings


def edit(
    session: Session,
    actor: User,
    meeting: Meeting,
    data: MeetingData,
    expected_version: int,
    *,
    sending: invitations.Sending | None = None,
) -> None:
    """Change a meeting's details; refused if someone changed it since the form was drawn.

    A change of time or place raises the calendar SEQUENCE; once published, the invited people
    are sent the updated calendar invitation through ``sending`` (views always pass it).
    """
    access.refuse_unless_manager(actor, meeting)
    refuse_unless_editable(meeting)
    _check(session, data)
    claim_version(session, meeting, expected_version)
    values = {
        "title": data.title.strip(),
        "kind": data.kind,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "room": data.room.strip(),
        "online_link": data.online_link.strip(),
        "chair_id": data.chair_id,
        "secretary_id": data.secretary_id,
        "confidentiality": data.confidentiality,
    }
    changed = sorted(name for name, value in values.items() if getattr(meeting, name) != value)
    for name, value in values.items():
        setattr(meeting, name, value)
    moved = bool(CALENDAR_FIELDS.intersection(changed))
    if moved:
        meeting.calendar_sequence += 1
    session.flush()
    if moved and sending is not None and meeting.status is not MeetingStatus.DRAFT:
        invitations.send_update(session, actor, meeting, sending)
    record_event(
        session,
        "meetings:meeting:edit",
        actor=actor,
        subject={"meeting": meeting.id},
        details={"changed": changed},
    )


def publish(
    session: Session,
    actor: User,
    meeting: Meeting,
    sending: invitations.Sending,
    *,
    signer_id: int | None = None,
) -> None:
    """Publish a draft: its participants see it and its pack from now on.

    The one place publishing happens: the Giấy mời is drafted and submitted for signature to
    ``signer_id`` (the chair when None; it goes out once signed and sealed), and the calendar
    invitation is sent, in the caller's transaction: if any part fails, nothing of it is kept.
    """
    access.refuse_unless_manager(actor, meeting)
    refuse_if_cancelled(meeting)
    if meeting.status is not MeetingStatus.DRAFT:
        raise WrongState(N_("This meeting is already published."))
    if not actor.has_role(Role.CLERK):
        raise NotAllowed(
            N_(
                "Publishing submits the invitation letter (Giấy mời) for signature, which "
                "only clerks do: ask the meeting’s secretary to publish it."
            )
        )
    invited = session.scalar(
        sa.select(sa.func.count(Participant.id)).where(
            Participant.meeting_id == meeting.id,
            Participant.removed_at.is_(None),
            Participant.user_id.is_not(None),
        )
    )
    if not invited:
        raise WrongState(N_("Invite the participants before publishing the meeting."))
    meeting.status = MeetingStatus.PUBLISHED
    meeting.published_at = utcnow()
    session.flush()
    record_event(
        session,
        "meetings:meeting:publish",
        actor=actor,
        subject={"meeting": meeting.id},
        details={"participants": int(invited)},
    )
    invitations.invite(session, actor, meeting, sending, signer_id=signer_id)


def cancel(session: Session, actor: User, meeting: Meeting, sending: invitations.Sending) -> None:
    """Call off a published meeting: participants still see it, marked cancelled, and calendars
    are sent its cancellation (METHOD:CANCEL with a raised SEQUENCE)."""
    access.refuse_unless_manager(actor, meeting)
    refuse_if_cancelled(meeting)
    if meeting.status is not MeetingStatus.PUBLISHED:
        raise WrongState(N_("Only a published meeting that has not started can be cancelled."))
    meeting.cancelled_at = utcnow()
    meeting.calendar_sequence += 1
    session.flush()
    record_event(
        session,
        "meetings:meeting:cancel",
        actor=actor,
        subject={"meeting": meeting.id},
        details={"sequence": meeting.calendar_sequence},
    )
    invitations.send_cancel(session, actor, meeting, sending)


def refuse_if_cancelled(meeting: Meeting) -> None:
    if meeting.cancelled_at is not None:
        raise WrongState(N_("This meeting was cancelled: nothing of it changes any more."))


def change_status(
    session: Session,
    actor: User,
    meeting: Meeting,
    to: MeetingStatus,
    sending: invitations.Sending | None = None,
    *,
    signer_id: int | None = None,
) -> None:
    """Move the meeting one step along draft → published → in progress → closed → archived.

    Publishing sends the invitations: it needs ``sending`` (and ``signer_id`` for the Giấy
    mời, the chair when None).
    """
    access.refuse_unless_manager(actor, meeting)
    refuse_if_cancelled(meeting)
    if NEXT_STATUS.get(meeting.status) is not to:
        raise WrongState(
            N_(
                "A meeting goes from draft to published, in progress, closed and archived, "
                "one step at a time."
            )
        )
    if to is MeetingStatus.PUBLISHED:
        if sending is None:
            raise ValueError("publishing sends the invitations: pass sending")
        publish(session, actor, meeting, sending, signer_id=signer_id)
        return
    before = meeting.status
    meeting.status = to
    session.flush()
    record_event(
        session,
        f"meetings:meeting:{_ACTIONS[to]}",
        actor=actor,
        subject={"meeting": meeting.id},
        details={"from": before.value},
    )


_ACTIONS = {
    MeetingStatus.IN_PROGRESS: "start",
    MeetingStatus.CLOSED: "close",
    MeetingStatus.ARCHIVED: "archive",
}


def refuse_unless_editable(meeting: Meeting) -> None:
    refuse_if_cancelled(meeting)
    if meeting.status not in EDITABLE:
        raise WrongState(N_("This meeting is closed: its agenda and participants are final."))


def claim_version(session: Session, meeting: Meeting, expected: int) -> None:
    """Raise the meeting's version if it is still ``expected``, else refuse: no lost update.

    One conditional UPDATE: of two secretaries saving from the same version, the second waits
    for the first's transaction (PostgreSQL's row lock, SQLite's one writer) and then finds the
    version changed.
    """
    result = session.execute(
        sa.update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.version == expected)
        .values(version=Meeting.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleAgenda(
            N_(
                "Someone else changed this meeting while you were editing it. Nothing was "
                "saved: reload the page to see their change, then try again."
            ),
            meeting=meeting.id,
        )
    set_committed_value(meeting, "version", expected + 1)


def _check(session: Session, data: MeetingData) -> None:
    title = data.title.strip()
    if not title:
        raise BadMeeting(N_("Give the meeting a title."))
    if len(title) > 500:
        raise BadMeeting(N_("The title is too long (at most 500 characters)."))
    if data.starts_at.tzinfo is None or data.ends_at.tzinfo is None:
        raise ValueError("meeting times must be aware datetimes")
    if data.ends_at <= data.starts_at:
        raise BadMeeting(N_("The meeting must end after it starts."))
    link = data.online_link.strip()
    if link and not link.lower().startswith(("https://", "http://")):
        raise BadMeeting(N_("The online link must be a web address (https://…)."))
    if len(link) > 500 or len(data.room.strip()) > 255:
        raise BadMeeting(N_("The room or the online link is too long."))
    wanted = {data.chair_id, data.secretary_id}
    found = set(session.scalars(sa.select(User.id).where(User.id.in_(wanted), User.active)))
    if found != wanted:
        raise BadMeeting(N_("Choose an active chair and secretary."))


def _shift(moment: datetime, repeat: Recurrence | None, n: int) -> datetime:
    """The ``n``-th occurrence after ``moment``: same weekday, or same day of the month (the
    month's last day when it has fewer days), at the same local time."""
    if repeat is None or n == 0:
        return moment
    if repeat is Recurrence.WEEKLY:
        return moment + timedelta(weeks=n)
    local = moment.astimezone(VIETNAM)
    month_index = local.month - 1 + n
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(moment.tzinfo)


def visible(session: Session, user: User, *, limit: int = 200) -> list[Meeting]:
    """The meetings ``user`` sees, the latest first."""
    return list(
        session.scalars(
            sa.select(Meeting)
            .where(access.meeting_visible_to(user))
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
            .limit(limit)
        )
    )


def of_series(session: Session, user: User, series_id: int) -> tuple[MeetingSeries, list[Meeting]]:
    """A series and those of its meetings ``user`` sees; none seen is a series not found."""
    series = session.get(MeetingSeries, series_id)
    meetings = list(
        session.scalars(
            sa.select(Meeting)
            .where(Meeting.series_id == series_id, access.meeting_visible_to(user))
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )
    if series is None or not meetings:
        raise MeetingNotFound(
            N_("This meeting does not exist, or you may not see it."), series=series_id
        )
    return series, meetings
