"""A published meeting ready to run, for the attendance, speakers and conflicts tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from audit.models import AuditEvent
from meetings import participants
from meetings.models import AgendaItem, Meeting, MeetingKind, Participant, ParticipantRole
from meetings.room.models import RoomEvent
from tests.meetings.conftest import START, add_item, invite, new_meeting, publish

#: Moments of the meeting day, fixed: before the start, at it, and a quarter hour late.
EARLY = START - timedelta(minutes=10)
LATE = START + timedelta(minutes=15)
LATER = START + timedelta(hours=1)


@dataclass
class Room:
    meeting: Meeting
    item: AgendaItem
    other_item: AgendaItem

    def participant(self, db, user) -> Participant:
        return db.scalars(
            sa.select(Participant).where(
                Participant.meeting_id == self.meeting.id, Participant.user_id == user.id
            )
        ).one()


def running_room(db, office, make, kind=MeetingKind.PEOPLES_COMMITTEE) -> Room:
    """Members home_a, home_b, finance_a and member_d; guest "khach"; two items; published.
    home_b has sent "dai.dien" in their place."""
    if "member_d" not in office.people:
        office.people["member_d"] = make.user("d.snv", unit=office.home, full_name="Đỗ Thị Dung")
        office.people["guest"] = make.user("khach", unit=office.home, full_name="Khách Mời")
        office.people["deputy"] = make.user("dai.dien", unit=office.home, full_name="Đại Diện")
    meeting = new_meeting(db, office)
    meeting.kind = kind
    db.commit()
    invite(db, office, meeting, "home_a", "home_b", "finance_a", "member_d")
    invite(db, office, meeting, "guest", role=ParticipantRole.GUEST)
    item = add_item(db, office, meeting, "Ngân sách năm 2027")
    other = add_item(db, office, meeting, "Nhân sự")
    room = Room(meeting, item, other)
    participants.send_representative(
        db, office.clerk, meeting, room.participant(db, office.home_b).id, office.deputy.id
    )
    db.commit()
    publish(db, office, meeting)
    return room


def kinds(db, meeting) -> list[str]:
    return list(
        db.scalars(
            sa.select(RoomEvent.kind)
            .where(RoomEvent.meeting_id == meeting.id)
            .order_by(RoomEvent.id)
        )
    )


def actions(db, prefix: str) -> list[str]:
    return list(
        db.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.action.startswith(prefix))
            .order_by(AuditEvent.id)
        )
    )


def seated(db, office, meeting, *names) -> None:
    """Start ``meeting`` and check ``names`` in on their own devices, as votes need: only members
    in the room are entitled to vote."""
    from meetings import meetings as meeting_steps
    from meetings.models import MeetingStatus
    from meetings.room import attendance

    meeting_steps.change_status(db, office.clerk, meeting, MeetingStatus.IN_PROGRESS)
    for name in names:
        user = office.people[name]
        participant = db.scalars(
            sa.select(Participant).where(
                Participant.meeting_id == meeting.id, Participant.user_id == user.id
            )
        ).one()
        attendance.check_in(db, user, meeting, participant.id, online=False, now=START)
    db.commit()
