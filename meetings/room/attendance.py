"""Who is in the room (điểm danh), and who may vote on an item.

A participant checks in on their own device; the secretary (or the chair) marks anyone: present,
online, absent with a reason, represented by the person sent in their place; arrivals after the
start are late, leaving before the end is recorded. Each change is audited and announced, and so
is the quorum whenever it is reached or lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from accounts.models import User
from audit import record_event
from core.clock import local_time
from core.db import dialect_insert
from core.errors import N_
from meetings import participants
from meetings.errors import BadMeeting, NotAllowed
from meetings.models import Meeting, Participant, ParticipantRole
from meetings.room import conflicts, events
from meetings.room.models import Attendance, Presence
from meetings.room.quorum import Quorum, attends_now, count
from meetings.room.record import RecordPart, register_builder
from meetings.room.rules import rules_for
from meetings.room.running import refuse_unless_running

MAX_REASON = 500


@dataclass(frozen=True)
class Voter:
    """A person entitled to vote on an item, perhaps in place of the member they represent."""

    user_id: int
    #: The member whose vote this is when ``user_id`` represents them; None for their own.
    on_behalf_of: int | None = None


@dataclass(frozen=True)
class Marking:
    """What the secretary sets for one participant; times are UTC, None to leave unset."""

    status: Presence
    reason: str = ""
    arrived_at: datetime | None = None
    left_at: datetime | None = None


@dataclass(frozen=True)
class RollCall:
    """One current participant and their attendance (None: not marked yet)."""

    participant: Participant
    attendance: Attendance | None
    #: Arrived after the meeting's start.
    late: bool


def check_in(
    session: Session,
    actor: User,
    meeting: Meeting,
    participant_id: int,
    *,
    online: bool,
    now: datetime,
) -> Attendance:
    """``actor`` checks in on their own device: in the room or online for their own invitation,
    as the representative for one they were sent to. A second device changes nothing but the
    way they attend: the first arrival time stays."""
    refuse_unless_running(meeting)
    participant = _participant(session, meeting, participant_id)
    if actor.id == participant.user_id:
        status = Presence.ONLINE if online else Presence.PRESENT
    elif actor.id == participant.representative_id:
        status = Presence.REPRESENTED
    else:
        raise _not_yours(meeting)
    return _apply(session, actor, meeting, participant, now, status=status, arrive=now)


def mark(
    session: Session,
    actor: User,
    meeting: Meeting,
    participant_id: int,
    marking: Marking,
    *,
    now: datetime,
) -> Attendance:
    """The secretary or chair records one participant's attendance as they see it."""
    refuse_unless_running(meeting)
    participant = _participant(session, meeting, participant_id)
    if not meeting.is_manager(actor):
        raise _not_yours(meeting)
    reason = " ".join(marking.reason.split())
    if len(reason) > MAX_REASON:
        raise BadMeeting(N_("The reason is too long (500 characters at most)."))
    if marking.status is Presence.ABSENT:
        if not reason:
            raise BadMeeting(N_("Give the reason for the absence."))
        if marking.arrived_at is not None or marking.left_at is not None:
            raise BadMeeting(N_("An absent participant has no arrival or leaving time."))
    if marking.status is Presence.REPRESENTED and participant.representative_id is None:
        raise BadMeeting(
            N_("Nobody was sent in this participant’s place: name the representative first.")
        )
    arrived = marking.arrived_at
    if marking.status is not Presence.ABSENT and arrived is None:
        arrived = now
    if marking.left_at is not None and arrived is not None and marking.left_at < arrived:
        raise BadMeeting(N_("The leaving time is before the arrival time."))
    return _apply(
        session,
        actor,
        meeting,
        participant,
        now,
        status=marking.status,
        reason=reason if marking.status is Presence.ABSENT else "",
        arrive=arrived,
        arrival_given=marking.arrived_at is not None or marking.status is Presence.ABSENT,
        left=marking.left_at,
    )


def leave(
    session: Session, actor: User, meeting: Meeting, participant_id: int, *, now: datetime
) -> Attendance:
    """The participant (or the secretary for them) leaves before the end (về sớm)."""
    refuse_unless_running(meeting)
    participant = _participant(session, meeting, participant_id)
    if actor.id not in (participant.user_id, participant.representative_id) and (
        not meeting.is_manager(actor)
    ):
        raise _not_yours(meeting)
    attendance = _attendance(session, participant.id)
    if attendance is None or attendance.status is Presence.ABSENT:
        raise BadMeeting(N_("Only someone who checked in can leave."))
    return _apply(session, actor, meeting, participant, now, status=attendance.status, left=now)


def roll(session: Session, meeting: Meeting) -> list[RollCall]:
    """The current participants, by name, each with their attendance (two statements)."""
    people = participants.listing(session, meeting, removed=False)
    rows = {
        row.participant_id: row
        for row in session.scalars(
            sa.select(Attendance)
            .options(joinedload(Attendance.representative))
            .where(Attendance.meeting_id == meeting.id)
        )
    }
    return [RollCall(p, rows.get(p.id), _late(meeting, rows.get(p.id))) for p in people]


def quorum(session: Session, meeting: Meeting) -> Quorum:
    return count(meeting, [(r.participant, r.attendance) for r in roll(session, meeting)])


def entitled_voters(session: Session, meeting: Meeting, item_id: int | None) -> list[Voter]:
    """The voters of a vote opened now on ``item_id`` (None: a vote on the meeting as a whole):
    members in the room or online, and where the meeting kind allows it the representative of
    a member who sent one, less everyone who declared a conflict of interest on the item. Sorted
    by voter, then by the member they vote for (their own vote first)."""
    rule = rules_for(meeting.kind)
    excluded = conflicts.conflicted(session, item_id) if item_id is not None else set()
    voters: set[Voter] = set()
    for call in roll(session, meeting):
        participant, attendance = call.participant, call.attendance
        member = participant.user_id
        if participant.role is not ParticipantRole.MEMBER or member is None:
            continue
        if member in excluded or not attends_now(attendance, rule):
            continue
        assert attendance is not None  # attends_now says so
        if attendance.status is Presence.REPRESENTED:
            representative = attendance.representative_id
            if representative is not None and representative not in excluded:
                voters.add(Voter(user_id=representative, on_behalf_of=member))
        else:
            voters.add(Voter(user_id=member))
    return sorted(
        voters, key=lambda v: (v.user_id, v.on_behalf_of is not None, v.on_behalf_of or 0)
    )


def _apply(
    session: Session,
    actor: User,
    meeting: Meeting,
    participant: Participant,
    now: datetime,
    *,
    status: Presence,
    reason: str = "",
    arrive: datetime | None = None,
    arrival_given: bool = False,
    left: datetime | None = None,
) -> Attendance:
    """Write the one attendance row of ``participant`` (created by whichever device comes
    first; a second insert meets the unique constraint and updates instead), audit it,
    announce it, and announce the quorum if it flipped."""
    before = quorum(session, meeting)
    session.execute(
        dialect_insert(session, Attendance)
        .values(
            meeting_id=meeting.id,
            participant_id=participant.id,
            status=status,
            reason=reason,
            representative_id=participant.representative_id
            if status is Presence.REPRESENTED
            else None,
            arrived_at=arrive,
            left_at=left,
            marked_by_id=actor.id,
            marked_at=now,
        )
        .on_conflict_do_nothing(index_elements=["participant_id"])
    )
    row = _attendance(session, participant.id)
    assert row is not None  # inserted now or by an earlier check-in
    session.refresh(row)
    came_back = row.status is Presence.ABSENT or (row.left_at is not None and left is None)
    row.status = status
    row.reason = reason
    row.representative_id = (
        participant.representative_id if status is Presence.REPRESENTED else None
    )
    if arrival_given or row.arrived_at is None or came_back:
        row.arrived_at = arrive
    row.left_at = left
    row.marked_by_id, row.marked_at = actor.id, now
    session.flush()
    late = _late(meeting, row)
    record_event(
        session,
        "meetings:attendance:mark",
        actor=actor,
        subject={"meeting": meeting.id, "participant": participant.id},
        details={"status": status.value, "late": late, "left": row.left_at is not None},
    )
    events.announce(
        session,
        meeting.id,
        "attendance.changed",
        {"participant": participant.id, "status": status.value, "left": row.left_at is not None},
        actor_id=actor.id,
    )
    after = quorum(session, meeting)
    if after.reached != before.reached:
        record_event(
            session,
            "meetings:quorum:change",
            actor=actor,
            subject={"meeting": meeting.id},
            details=after.as_data(),
        )
        events.announce(session, meeting.id, "quorum.changed", after.as_data(), actor_id=actor.id)
    return row


def _late(meeting: Meeting, attendance: Attendance | None) -> bool:
    return bool(
        attendance is not None
        and attendance.arrived_at is not None
        and attendance.arrived_at > meeting.starts_at
    )


def _attendance(session: Session, participant_id: int) -> Attendance | None:
    return session.scalar(sa.select(Attendance).where(Attendance.participant_id == participant_id))


def _participant(session: Session, meeting: Meeting, participant_id: int) -> Participant:
    participant = session.get(Participant, participant_id)
    if (
        participant is None
        or participant.meeting_id != meeting.id
        or participant.removed_at is not None
    ):
        raise BadMeeting(N_("This person is not invited to this meeting."))
    return participant


def _not_yours(meeting: Meeting) -> NotAllowed:
    return NotAllowed(
        N_("Only the participant themself or the meeting’s secretary may mark this attendance."),
        meeting=meeting.id,
    )


STATUS_TEXT = {
    Presence.PRESENT: "Có mặt",
    Presence.ONLINE: "Dự trực tuyến",
    Presence.ABSENT: "Vắng mặt",
    Presence.REPRESENTED: "Cử người dự thay",
}


def _clock(moment: datetime | None) -> str:
    return local_time(moment)[-5:] if moment is not None else ""


def record(session: Session, meeting: Meeting) -> Sequence[RecordPart]:
    """The attendance table and the quorum, as printed in the minutes."""
    calls = roll(session, meeting)
    table: list[list[str]] = [["STT", "Họ và tên", "Tình trạng", "Ghi chú"]]
    for number, call in enumerate(calls, start=1):
        attendance = call.attendance
        notes: list[str] = []
        status = "Chưa điểm danh"
        if attendance is not None:
            status = STATUS_TEXT[attendance.status]
            if attendance.status is Presence.ABSENT:
                notes.append(f"Lý do: {attendance.reason}")
            if attendance.representative is not None:
                notes.append(f"Người dự thay: {attendance.representative.full_name}")
            if call.late:
                notes.append(f"Đến muộn lúc {_clock(attendance.arrived_at)}")
            if attendance.left_at is not None:
                notes.append(f"Về sớm lúc {_clock(attendance.left_at)}")
        table.append([str(number), call.participant.display_name, status, "; ".join(notes)])
    found = count(meeting, [(c.participant, c.attendance) for c in calls])
    verdict = "đủ" if found.reached else "không đủ"
    return [
        RecordPart(
            order=10,
            heading="Thành phần tham dự",
            table=table,
            data={"participants": len(calls)},
        ),
        RecordPart(
            order=20,
            heading="Số lượng thành viên tham dự",
            paragraphs=[
                f"Có mặt {found.present}/{found.members} thành viên, cần ít nhất {found.needed}: "
                f"{verdict} số lượng theo quy định ({found.rule.source})."
            ],
            data=found.as_data(),
        ),
    ]


register_builder("attendance", record)
