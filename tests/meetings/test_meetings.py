"""A meeting's details, its life from draft to archive, and series of recurring meetings."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core.clock import VIETNAM
from core.storage import StagedBlobs
from meetings import agenda, meetings
from meetings.errors import BadMeeting, NotAllowed, StaleAgenda, WrongState
from meetings.models import Meeting, MeetingKind, MeetingStatus, Recurrence
from tests.meetings.conftest import START, add_item, invite, new_meeting, sending


def data(office, **changes):
    fields = {
        "title": "Giao ban",
        "kind": MeetingKind.DEPARTMENT,
        "starts_at": START,
        "ends_at": START + timedelta(hours=2),
        "chair_id": office.chairman.id,
        "secretary_id": office.clerk.id,
    }
    fields.update(changes)
    return meetings.MeetingData(**fields)


def test_a_meeting_that_ends_before_it_starts_is_refused_and_nothing_stored(db, office):
    with pytest.raises(BadMeeting, match="end after it starts"):
        meetings.create(db, office.clerk, data(office, ends_at=START - timedelta(minutes=1)))
    db.rollback()
    assert db.scalar(sa.select(sa.func.count(Meeting.id))) == 0


def test_only_clerks_prepare_meetings(db, office):
    with pytest.raises(NotAllowed):
        meetings.create(db, office.home_a, data(office))


def test_a_meeting_moves_one_step_at_a_time_and_each_step_is_audited(db, office):
    meeting = new_meeting(db, office)
    with pytest.raises(WrongState, match="Invite the participants"):
        meetings.publish(db, office.clerk, meeting, sending(StagedBlobs(office.blobs)))
    db.rollback()
    invite(db, office, meeting, "home_a")
    with pytest.raises(WrongState, match="one step at a time"):
        meetings.change_status(db, office.clerk, meeting, MeetingStatus.CLOSED)
    db.rollback()
    with pytest.raises(NotAllowed, match="only clerks"), StagedBlobs(office.blobs) as staged:
        meetings.change_status(
            db, office.chairman, meeting, MeetingStatus.PUBLISHED, sending(staged)
        )
    db.rollback()
    for status in list(meetings.NEXT_STATUS.values()):
        # The secretary (a clerk) publishes: it submits the Giấy mời; the chair runs the rest.
        actor = office.clerk if status is MeetingStatus.PUBLISHED else office.chairman
        with StagedBlobs(office.blobs) as staged:
            meetings.change_status(db, actor, meeting, status, sending(staged))
            db.commit()
        assert meeting.status is status
    actions = db.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.action.like("meetings:meeting:%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "meetings:meeting:create",
        "meetings:meeting:publish",
        "meetings:meeting:start",
        "meetings:meeting:close",
        "meetings:meeting:archive",
    ]
    with pytest.raises(WrongState, match="closed"):
        add_item(db, office, meeting, "too late")


def test_only_the_chair_and_secretary_change_a_meeting(db, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    with pytest.raises(NotAllowed):
        meetings.publish(db, office.home_a, meeting, sending(StagedBlobs(office.blobs)))
    with pytest.raises(NotAllowed):
        agenda.add_item(
            db, office.home_clerk, meeting, agenda.ItemData("x"), expected_version=meeting.version
        )


def test_editing_from_a_stale_form_is_a_conflict(db, office):
    meeting = new_meeting(db, office)
    seen = meeting.version
    meetings.edit(db, office.clerk, meeting, data(office, title="Một"), seen)
    db.commit()
    with pytest.raises(StaleAgenda):
        meetings.edit(db, office.chairman, meeting, data(office, title="Hai"), seen)
    db.rollback()
    assert db.get(Meeting, meeting.id).title == "Một"


def test_a_weekly_series_creates_a_meeting_each_week(db, office):
    created = meetings.create(
        db, office.clerk, data(office), repeat=Recurrence.WEEKLY, occurrences=4
    )
    db.commit()
    assert [m.starts_at - START for m in created] == [timedelta(weeks=n) for n in range(4)]
    assert len({m.series_id for m in created}) == 1 and created[0].series_id is not None
    assert all(m.ends_at - m.starts_at == timedelta(hours=2) for m in created)


def test_a_monthly_series_keeps_the_day_or_the_months_last(db, office):
    from datetime import datetime

    start = datetime(2027, 1, 31, 8, 0, tzinfo=VIETNAM)
    created = meetings.create(
        db,
        office.clerk,
        data(office, starts_at=start, ends_at=start + timedelta(hours=1)),
        repeat=Recurrence.MONTHLY,
        occurrences=3,
    )
    local = [m.starts_at.astimezone(VIETNAM) for m in created]
    assert [(d.month, d.day, d.hour) for d in local] == [(1, 31, 8), (2, 28, 8), (3, 31, 8)]


def test_a_series_needs_at_least_two_meetings(db, office):
    with pytest.raises(BadMeeting):
        meetings.create(db, office.clerk, data(office), repeat=Recurrence.WEEKLY, occurrences=1)
