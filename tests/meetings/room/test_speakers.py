"""The list of speakers: asking (points of order first), withdrawing, the chair's reordering,
starting and stopping against the speaking-time limit, and what the minutes record."""

from __future__ import annotations

from datetime import timedelta

import pytest

from meetings.errors import AlreadyAsked, BadMeeting, MeetingNotFound, NotAllowed, WrongState
from meetings.room import speakers
from meetings.room.models import SpeechKind
from meetings.room.record import record_parts
from meetings.room.speakers import Move
from tests.meetings.room.attend_kit import EARLY, LATE, actions, kinds, running_room


@pytest.fixture
def room(db, office, make):
    return running_room(db, office, make)


def ask(db, room, user, kind=SpeechKind.NORMAL, item=None):
    row = speakers.ask(db, user, room.meeting, (item or room.item).id, kind, now=EARLY)
    db.commit()
    return row


def names(rows):
    return [row.user.username for row in rows]


def test_a_point_of_order_goes_before_everyone_waiting(db, office, room):
    ask(db, room, office.home_a)
    ask(db, room, office.finance_a, SpeechKind.CONTRA)
    ask(db, room, office.member_d, SpeechKind.POINT_OF_ORDER)
    waiting = speakers.listing(db, room.meeting, room.item.id).waiting
    assert names(waiting) == ["d.snv", "a.snv", "a.stc"]
    assert kinds(db, room.meeting) == ["speakers.changed"] * 3
    assert actions(db, "meetings:speakers") == ["meetings:speakers:ask"] * 3


def test_one_waiting_request_per_person_and_item(db, office, room):
    ask(db, room, office.home_a)
    with pytest.raises(AlreadyAsked):
        ask(db, room, office.home_a, SpeechKind.PRO)
    db.rollback()
    ask(db, room, office.home_a, item=room.other_item)


def test_someone_not_invited_cannot_ask_to_speak(db, office, room):
    with pytest.raises(NotAllowed):
        ask(db, room, office.outsider)


def test_an_item_the_person_may_not_see_is_not_found(db, office, room):
    with pytest.raises(MeetingNotFound):
        speakers.ask(db, office.home_a, room.meeting, 10_000, SpeechKind.NORMAL, now=EARLY)


def test_withdrawing_leaves_the_list(db, office, room):
    row = ask(db, room, office.home_a)
    with pytest.raises(NotAllowed):
        speakers.withdraw(db, office.finance_a, room.meeting, row.id, now=LATE)
    speakers.withdraw(db, office.home_a, room.meeting, row.id, now=LATE)
    db.commit()
    assert speakers.listing(db, room.meeting, room.item.id).waiting == []
    ask(db, room, office.home_a)


def test_the_chair_reorders_waiting_speakers(db, office, room):
    first = ask(db, room, office.home_a)
    second = ask(db, room, office.finance_a)
    speakers.move(db, office.chairman, room.meeting, second.id, Move.UP)
    db.commit()
    assert names(speakers.listing(db, room.meeting, room.item.id).waiting) == ["a.stc", "a.snv"]
    speakers.move(db, office.clerk, room.meeting, second.id, Move.DOWN)
    db.commit()
    assert [r.id for r in speakers.listing(db, room.meeting, room.item.id).waiting] == [
        first.id,
        second.id,
    ]


def test_a_normal_request_never_jumps_a_point_of_order(db, office, room):
    ask(db, room, office.home_a, SpeechKind.POINT_OF_ORDER)
    second = ask(db, room, office.finance_a)
    speakers.move(db, office.chairman, room.meeting, second.id, Move.UP)
    db.commit()
    assert names(speakers.listing(db, room.meeting, room.item.id).waiting) == ["a.snv", "a.stc"]


@pytest.mark.parametrize("action", ["move", "start", "stop", "limit"])
def test_chair_actions_are_refused_to_a_participant(db, office, room, action):
    row = ask(db, room, office.home_a)
    calls = {
        "move": lambda: speakers.move(db, office.home_a, room.meeting, row.id, Move.UP),
        "start": lambda: speakers.start(db, office.home_a, room.meeting, row.id, now=LATE),
        "stop": lambda: speakers.stop(db, office.home_a, room.meeting, row.id, now=LATE),
        "limit": lambda: speakers.set_limit(db, office.home_a, room.meeting, 3),
    }
    with pytest.raises(NotAllowed):
        calls[action]()
    db.rollback()
    assert kinds(db, room.meeting) == ["speakers.changed"]


def test_starting_a_speaker_stops_the_one_speaking(db, office, room):
    first = ask(db, room, office.home_a)
    second = ask(db, room, office.finance_a)
    speakers.start(db, office.chairman, room.meeting, first.id, now=LATE)
    speakers.start(db, office.chairman, room.meeting, second.id, now=LATE + timedelta(minutes=4))
    db.commit()
    found = speakers.listing(db, room.meeting, room.item.id)
    assert found.speaking.id == second.id
    assert [(r.id, r.stopped_at) for r in found.spoken] == [(first.id, LATE + timedelta(minutes=4))]
    with pytest.raises(WrongState):
        speakers.start(db, office.chairman, room.meeting, first.id, now=LATE)
    with pytest.raises(WrongState):
        speakers.withdraw(db, office.finance_a, room.meeting, second.id, now=LATE)
    speakers.stop(db, office.chairman, room.meeting, second.id, now=LATE + timedelta(minutes=9))
    db.commit()
    assert speakers.listing(db, room.meeting, room.item.id).speaking is None
    with pytest.raises(WrongState):
        speakers.stop(db, office.chairman, room.meeting, second.id, now=LATE)


def test_speaking_time_is_five_minutes_until_the_chair_changes_it(db, office, room):
    assert speakers.limit_seconds(db, room.meeting) == 300
    speakers.set_limit(db, office.chairman, room.meeting, 3)
    db.commit()
    assert speakers.listing(db, room.meeting, room.item.id).limit_seconds == 180
    for minutes in (0, 61):
        with pytest.raises(BadMeeting):
            speakers.set_limit(db, office.chairman, room.meeting, minutes)


def test_a_request_of_another_meeting_is_refused(db, office, make, room):
    row = ask(db, room, office.home_a)
    other = running_room(db, office, make)
    with pytest.raises(BadMeeting):
        speakers.start(db, office.chairman, other.meeting, row.id, now=LATE)


def test_the_current_item_comes_from_the_chairs_last_choice(db, office, room):
    from meetings.room import events

    assert speakers.current_item_id(db, room.meeting) is None
    events.announce(db, room.meeting.id, "agenda.current", {"item": room.item.id}, actor_id=None)
    events.announce(
        db, room.meeting.id, "agenda.current", {"item_id": room.other_item.id}, actor_id=None
    )
    db.commit()
    assert speakers.current_item_id(db, room.meeting) == room.other_item.id


def test_the_record_lists_each_items_speakers_with_times(db, office, room):
    first = ask(db, room, office.home_a, SpeechKind.PRO)
    ask(db, room, office.finance_a)
    speakers.start(db, office.chairman, room.meeting, first.id, now=LATE)
    speakers.stop(db, office.chairman, room.meeting, first.id, now=LATE + timedelta(minutes=3))
    db.commit()
    (part,) = [p for p in record_parts(db, room.meeting) if p.heading == "Ý kiến phát biểu"]
    assert part.item_id == room.item.id
    assert part.table[1:] == [
        ["1", office.home_a.full_name, "Ủng hộ", "10/12/2026 08:15", "10/12/2026 08:18"]
    ]
