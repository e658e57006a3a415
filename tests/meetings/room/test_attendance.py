"""Attendance: self check-in, the secretary's marks, late and early, one row per participant,
the quorum from the meeting kind's rule, and who is entitled to vote on an item."""

from __future__ import annotations

import threading
from fractions import Fraction

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import get_engine
from meetings import meetings as meeting_service
from meetings.errors import BadMeeting, NotAllowed, WrongState
from meetings.models import MeetingKind, MeetingStatus
from meetings.room import attendance, conflicts
from meetings.room.attendance import Marking, Voter
from meetings.room.models import Attendance, Presence
from meetings.room.record import record_parts
from meetings.room.rules import RULES, KindRules
from tests.meetings.room.attend_kit import EARLY, LATE, LATER, actions, kinds, running_room


@pytest.fixture
def room(db, office, make):
    return running_room(db, office, make)


def check_in(db, room, user, *, online=False, now=EARLY, participant_of=None):
    participant = room.participant(db, participant_of or user)
    row = attendance.check_in(db, user, room.meeting, participant.id, online=online, now=now)
    db.commit()
    return row


def mark(db, office, room, user, marking, now=EARLY):
    participant = room.participant(db, user)
    row = attendance.mark(db, office.clerk, room.meeting, participant.id, marking, now=now)
    db.commit()
    return row


def test_self_check_in_records_presence_and_arrival_time(db, office, room):
    row = check_in(db, room, office.home_a)
    assert (row.status, row.arrived_at, row.left_at) == (Presence.PRESENT, EARLY, None)
    assert kinds(db, room.meeting) == ["attendance.changed"]
    assert actions(db, "meetings:attendance") == ["meetings:attendance:mark"]


def test_arriving_after_the_start_is_late(db, office, room):
    check_in(db, room, office.home_a, online=True, now=LATE)
    (call,) = [
        c for c in attendance.roll(db, room.meeting) if c.participant.user_id == office.home_a.id
    ]
    assert call.late and call.attendance.status is Presence.ONLINE


def test_a_second_device_keeps_one_row_and_the_first_arrival(app, db, office, room):
    check_in(db, room, office.home_a, now=EARLY)
    with Session(get_engine(app)) as other_device:
        user = other_device.merge(office.home_a)
        meeting = other_device.merge(room.meeting)
        attendance.check_in(
            other_device,
            user,
            meeting,
            room.participant(db, office.home_a).id,
            online=True,
            now=LATE,
        )
        other_device.commit()
    db.expire_all()
    (row,) = db.scalars(sa.select(Attendance).where(Attendance.meeting_id == room.meeting.id))
    assert (row.status, row.arrived_at) == (Presence.ONLINE, EARLY)


def test_the_database_refuses_a_second_row_for_one_participant(db, office, room):
    participant = room.participant(db, office.home_a)
    for _ in range(2):
        db.add(
            Attendance(
                meeting_id=room.meeting.id,
                participant_id=participant.id,
                status=Presence.PRESENT,
                marked_by_id=office.home_a.id,
            )
        )
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_a_participant_cannot_check_in_for_another(db, office, room):
    with pytest.raises(NotAllowed):
        check_in(db, room, office.home_a, participant_of=office.finance_a)
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0
    assert kinds(db, room.meeting) == []


def test_a_participant_cannot_mark_even_themself_absent(db, office, room):
    participant = room.participant(db, office.home_a)
    with pytest.raises(NotAllowed):
        attendance.mark(
            db,
            office.home_a,
            room.meeting,
            participant.id,
            Marking(Presence.ABSENT, "ốm"),
            now=EARLY,
        )


def test_the_secretary_marks_absence_with_a_reason(db, office, room):
    row = mark(db, office, room, office.finance_a, Marking(Presence.ABSENT, "  Đi   công tác "))
    assert (row.status, row.reason, row.arrived_at) == (Presence.ABSENT, "Đi công tác", None)


@pytest.mark.parametrize(
    ("marking", "message"),
    [
        (Marking(Presence.ABSENT), "reason"),
        (Marking(Presence.ABSENT, "x" * 501), "too long"),
        (Marking(Presence.ABSENT, "ốm", arrived_at=EARLY), "no arrival"),
        (Marking(Presence.PRESENT, arrived_at=LATER, left_at=LATE), "before the arrival"),
    ],
)
def test_bad_marks_are_refused_and_nothing_is_stored(db, office, room, marking, message):
    with pytest.raises(BadMeeting, match=message):
        mark(db, office, room, office.finance_a, marking)
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_represented_needs_someone_sent_in_their_place(db, office, room):
    with pytest.raises(BadMeeting, match="representative"):
        mark(db, office, room, office.home_a, Marking(Presence.REPRESENTED))
    db.rollback()
    row = mark(db, office, room, office.home_b, Marking(Presence.REPRESENTED))
    assert row.representative_id == office.deputy.id


def test_the_representative_checks_in_in_the_members_place(db, office, room):
    row = check_in(db, room, office.deputy, participant_of=office.home_b)
    assert (row.status, row.representative_id) == (Presence.REPRESENTED, office.deputy.id)


def test_leaving_early_is_recorded_and_ends_counting(db, office, room):
    check_in(db, room, office.home_a)
    check_in(db, room, office.finance_a)
    assert attendance.quorum(db, room.meeting).present == 2
    participant = room.participant(db, office.home_a)
    row = attendance.leave(db, office.home_a, room.meeting, participant.id, now=LATER)
    db.commit()
    assert row.left_at == LATER
    assert attendance.quorum(db, room.meeting).present == 1
    check_in(db, room, office.home_a, now=LATER)
    assert attendance.quorum(db, room.meeting).present == 2


def test_leaving_needs_a_check_in_first(db, office, room):
    with pytest.raises(BadMeeting):
        attendance.leave(
            db, office.home_a, room.meeting, room.participant(db, office.home_a).id, now=LATER
        )


def test_quorum_of_a_peoples_committee_is_two_thirds_and_announced_when_it_flips(db, office, room):
    # Four members: three are needed; guests never count.
    check_in(db, room, office.guest)
    check_in(db, room, office.home_a)
    check_in(db, room, office.finance_a)
    found = attendance.quorum(db, room.meeting)
    assert (found.present, found.members, found.needed, found.reached) == (2, 4, 3, False)
    check_in(db, room, office.member_d, online=True)
    assert attendance.quorum(db, room.meeting).reached
    assert kinds(db, room.meeting).count("quorum.changed") == 1
    attendance.leave(
        db, office.home_a, room.meeting, room.participant(db, office.home_a).id, now=LATER
    )
    db.commit()
    assert kinds(db, room.meeting)[-2:] == ["attendance.changed", "quorum.changed"]
    assert actions(db, "meetings:quorum") == ["meetings:quorum:change"] * 2


def test_a_representative_counts_for_quorum_only_where_the_kind_allows(db, office, room):
    check_in(db, room, office.deputy, participant_of=office.home_b)
    assert attendance.quorum(db, room.meeting).present == 0
    room.meeting.kind = MeetingKind.DEPARTMENT
    db.commit()
    assert attendance.quorum(db, room.meeting).present == 1


@pytest.mark.parametrize(
    ("share", "inclusive", "members", "needed"),
    [
        (Fraction(2, 3), True, 15, 10),
        (Fraction(2, 3), True, 4, 3),
        (Fraction(1, 2), False, 15, 8),
        (Fraction(1, 2), False, 4, 3),
        (Fraction(1, 2), False, 1, 1),
    ],
)
def test_needed_members_follow_the_rule(share, inclusive, members, needed):
    assert KindRules(share, inclusive, False, "").needed(members) == needed


def test_every_kind_of_meeting_has_a_rule():
    assert set(RULES) == set(MeetingKind)


def test_entitled_voters_attend_now_less_conflicts(db, office, room):
    check_in(db, room, office.home_a)
    check_in(db, room, office.finance_a, online=True)
    check_in(db, room, office.member_d)
    check_in(db, room, office.guest)
    attendance.leave(
        db, office.member_d, room.meeting, room.participant(db, office.member_d).id, now=LATER
    )
    conflicts.declare(db, office.finance_a, room.meeting, room.item.id, "", now=LATE)
    db.commit()
    assert attendance.entitled_voters(db, room.meeting, room.item.id) == [Voter(office.home_a.id)]
    assert attendance.entitled_voters(db, room.meeting, room.other_item.id) == sorted(
        [Voter(office.home_a.id), Voter(office.finance_a.id)], key=lambda v: v.user_id
    )


def test_a_representative_not_allowed_to_vote_is_not_entitled(db, office, room):
    check_in(db, room, office.deputy, participant_of=office.home_b)
    assert attendance.entitled_voters(db, room.meeting, room.item.id) == []


def test_a_representative_votes_in_the_members_place_where_allowed(db, office, make):
    room = running_room(db, office, make, kind=MeetingKind.DEPARTMENT)
    check_in(db, room, office.deputy, participant_of=office.home_b)
    check_in(db, room, office.home_a)
    expected = [Voter(office.home_a.id), Voter(office.deputy.id, on_behalf_of=office.home_b.id)]
    assert attendance.entitled_voters(db, room.meeting, None) == sorted(
        expected, key=lambda v: v.user_id
    )
    # The member's conflict is their vote's, whoever casts it.
    conflicts.declare(db, office.deputy, room.meeting, room.item.id, "", now=LATE)
    db.commit()
    assert attendance.entitled_voters(db, room.meeting, room.item.id) == [Voter(office.home_a.id)]


def test_no_attendance_is_taken_once_the_meeting_is_closed(db, office, room):
    meeting_service.change_status(db, office.clerk, room.meeting, MeetingStatus.IN_PROGRESS)
    meeting_service.change_status(db, office.clerk, room.meeting, MeetingStatus.CLOSED)
    db.commit()
    with pytest.raises(WrongState):
        check_in(db, room, office.home_a)


def test_the_record_lists_attendance_and_quorum_in_vietnamese(db, office, room):
    check_in(db, room, office.home_a, now=LATE)
    mark(db, office, room, office.finance_a, Marking(Presence.ABSENT, "Đi công tác"))
    mark(db, office, room, office.home_b, Marking(Presence.REPRESENTED))
    participant = room.participant(db, office.home_a)
    attendance.leave(db, office.home_a, room.meeting, participant.id, now=LATER)
    db.commit()
    table, quorum = [p for p in record_parts(db, room.meeting) if p.item_id is None][:2]
    rows = {row[1]: row[2:] for row in table.table[1:]}
    assert rows[office.home_a.full_name] == ["Có mặt", "Đến muộn lúc 08:15; Về sớm lúc 09:00"]
    assert rows[office.finance_a.full_name] == ["Vắng mặt", "Lý do: Đi công tác"]
    assert rows[office.home_b.full_name][1] == "Người dự thay: Đại Diện"
    assert rows[office.member_d.full_name] == ["Chưa điểm danh", ""]
    assert quorum.paragraphs[0].startswith("Có mặt 0/4 thành viên, cần ít nhất 3: không đủ")


def test_two_devices_checking_in_at_once_leave_one_row(app, db, office, room):
    participant_id = room.participant(db, office.home_a).id
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def device(online: bool) -> None:
        try:
            with Session(get_engine(app)) as session:
                user = session.merge(office.home_a)
                meeting = session.merge(room.meeting)
                barrier.wait()
                attendance.check_in(
                    session, user, meeting, participant_id, online=online, now=EARLY
                )
                session.commit()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=device, args=(online,)) for online in (False, True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = db.scalars(sa.select(Attendance).where(Attendance.participant_id == participant_id))
    assert len(rows.all()) == 1
    assert kinds(db, room.meeting).count("attendance.changed") == 2
