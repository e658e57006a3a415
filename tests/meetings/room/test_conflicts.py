"""Conflicts of interest: declared once per member and item, audited, announced, recorded."""

from __future__ import annotations

import pytest

from meetings.errors import AlreadyAsked, BadMeeting, NotAllowed
from meetings.room import conflicts
from meetings.room.record import record_parts
from tests.meetings.room.attend_kit import LATE, actions, kinds, running_room


@pytest.fixture
def room(db, office, make):
    return running_room(db, office, make)


def test_a_declaration_is_recorded_audited_and_announced(db, office, room):
    conflicts.declare(db, office.home_a, room.meeting, room.item.id, " Vợ là  nhà thầu ", now=LATE)
    db.commit()
    (row,) = conflicts.declared(db, room.meeting)
    assert (row.user_id, row.item_id, row.reason) == (
        office.home_a.id,
        room.item.id,
        "Vợ là nhà thầu",
    )
    assert kinds(db, room.meeting) == ["conflict.declared"]
    assert actions(db, "meetings:conflict") == ["meetings:conflict:declare"]


def test_declaring_twice_is_refused_and_changes_nothing(db, office, room):
    conflicts.declare(db, office.home_a, room.meeting, room.item.id, "", now=LATE)
    db.commit()
    with pytest.raises(AlreadyAsked):
        conflicts.declare(db, office.home_a, room.meeting, room.item.id, "lần hai", now=LATE)
    db.rollback()
    assert len(conflicts.declared(db, room.meeting)) == 1
    assert kinds(db, room.meeting) == ["conflict.declared"]


def test_only_participants_declare(db, office, room):
    with pytest.raises(NotAllowed):
        conflicts.declare(db, office.outsider, room.meeting, room.item.id, "", now=LATE)


def test_a_long_reason_is_refused(db, office, room):
    with pytest.raises(BadMeeting):
        conflicts.declare(db, office.home_a, room.meeting, room.item.id, "x" * 501, now=LATE)


def test_the_record_names_each_declaration_under_its_item(db, office, room):
    conflicts.declare(db, office.home_a, room.meeting, room.item.id, "Vợ là nhà thầu", now=LATE)
    conflicts.declare(db, office.finance_a, room.meeting, room.item.id, "", now=LATE)
    db.commit()
    (part,) = [p for p in record_parts(db, room.meeting) if p.heading == "Xung đột lợi ích"]
    assert part.item_id == room.item.id
    assert part.paragraphs == [
        f"{office.home_a.full_name} tuyên bố có xung đột lợi ích (lý do: Vợ là nhà thầu)"
        " và không tham gia biểu quyết nội dung này.",
        f"{office.finance_a.full_name} tuyên bố có xung đột lợi ích"
        " và không tham gia biểu quyết nội dung này.",
    ]
