"""The current item and its timer: only the chair and the secretary set it, every page shows
it, a participant browses elsewhere and comes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from meetings import agenda
from meetings.errors import ItemNotFound, NotAllowed, WrongState
from meetings.models import MeetingStatus
from meetings.room import current
from meetings.room.events import events_after
from meetings.room.models import RoomState
from tests.conftest import login
from tests.meetings.conftest import add_item, new_meeting
from tests.meetings.room.livekit import running_meeting

AT = datetime(2026, 12, 10, 1, 30, tzinfo=UTC)


@pytest.fixture
def running(db, office):
    return running_meeting(db, office)


def test_the_chair_sets_the_current_item_stored_announced_and_audited(db, office, running):
    state = current.set_current(db, office.chairman, running.meeting, running.first.id, now=AT)
    db.commit()
    assert state == current.Current(running.first.id, AT, 10)
    assert current.current_of(db, running.meeting) == state
    (event,) = events_after(db, running.meeting.id, 0)
    assert (event.kind, event.data["item"], event.data["planned_minutes"]) == (
        "agenda.current",
        running.first.id,
        10,
    )
    assert event.actor_id == office.chairman.id
    audit = db.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "meetings:room:current_item")
    ).one()
    assert audit.subject == {"meeting": running.meeting.id, "item": running.first.id}


def test_choosing_the_current_item_again_keeps_its_timer(db, office, running):
    current.set_current(db, office.clerk, running.meeting, running.first.id, now=AT)
    db.commit()
    later = AT + timedelta(minutes=3)
    state = current.set_current(db, office.chairman, running.meeting, running.first.id, now=later)
    db.commit()
    assert state.started_at == AT
    assert len(events_after(db, running.meeting.id, 0)) == 1


def test_the_timer_runs_over_the_planned_duration(db, office, running):
    state = current.set_current(db, office.clerk, running.meeting, running.first.id, now=AT)
    assert state.elapsed_seconds(AT + timedelta(minutes=9)) == 540
    assert not state.over_time(AT + timedelta(minutes=10))
    assert state.over_time(AT + timedelta(minutes=10, seconds=1))
    unplanned = current.set_current(db, office.clerk, running.meeting, running.second.id, now=AT)
    assert not unplanned.over_time(AT + timedelta(hours=5))


def test_a_participant_may_not_set_the_current_item(db, office, running):
    with pytest.raises(NotAllowed):
        current.set_current(db, office.home_a, running.meeting, running.first.id, now=AT)
    db.rollback()
    assert db.get(RoomState, running.meeting.id) is None
    assert events_after(db, running.meeting.id, 0) == []


def test_an_item_of_another_meeting_is_not_found_and_nothing_is_stored(db, office, running):
    other = new_meeting(db, office, title="Họp giao ban")
    stranger = add_item(db, office, other, "Nội dung khác")
    with pytest.raises(ItemNotFound):
        current.set_current(db, office.chairman, running.meeting, stranger.id, now=AT)
    db.rollback()
    assert events_after(db, running.meeting.id, 0) == []


def test_a_meeting_not_in_progress_has_no_current_item(db, office, running):
    running.meeting.status = MeetingStatus.PUBLISHED
    db.commit()
    with pytest.raises(WrongState):
        current.set_current(db, office.chairman, running.meeting, running.first.id, now=AT)


def test_deleting_the_current_item_leaves_no_current_item(db, office, running):
    current.set_current(db, office.chairman, running.meeting, running.second.id, now=AT)
    db.commit()
    db.refresh(running.meeting)
    agenda.delete_item(
        db,
        office.clerk,
        running.meeting,
        running.second.id,
        expected_version=running.meeting.version,
    )
    db.commit()
    db.expire_all()
    assert current.current_of(db, running.meeting).item_id is None


# The pages


def _post_current(client, meeting, item_id, **headers):
    return client.post(
        f"/meetings/{meeting.id}/room/current", data={"item_id": item_id}, headers=headers
    )


def test_the_secretary_moves_the_meeting_through_the_page(client, db, office, running):
    login(client, office.clerk)
    response = _post_current(client, running.meeting, running.first.id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/meetings/{running.meeting.id}/room")
    db.expire_all()
    assert current.current_of(db, running.meeting).item_id == running.first.id


def test_a_panel_form_posted_by_the_script_gets_the_agenda_panel_back(client, office, running):
    login(client, office.chairman)
    response = _post_current(
        client, running.meeting, running.second.id, **{"X-Requested-With": "fetch"}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'data-testid="room-agenda-{running.second.id}"' in page
    assert 'aria-current="step"' in page
    assert "<html" not in page


def test_a_participant_posting_the_current_item_is_refused_403(client, db, office, running):
    login(client, office.home_a)
    response = _post_current(client, running.meeting, running.first.id)
    assert response.status_code == 403
    db.expire_all()
    assert db.get(RoomState, running.meeting.id) is None


@pytest.mark.parametrize("item_id", ["", "abc"])
def test_no_item_chosen_is_a_clear_400(client, office, running, item_id):
    login(client, office.chairman)
    response = _post_current(client, running.meeting, item_id, Accept="application/json")
    assert response.status_code == 400
    assert response.get_json()["message"]


def test_the_room_shows_the_current_item_its_documents_and_timer(client, db, office, running):
    start = current.set_current(db, office.chairman, running.meeting, running.first.id, now=AT)
    db.commit()
    login(client, office.home_a)
    page = client.get(f"/meetings/{running.meeting.id}/room").get_data(as_text=True)
    assert f'data-item-id="{running.first.id}"' in page
    assert 'data-testid="timer"' in page
    assert 'data-planned="600"' in page
    assert "room/stream?after=1" in page
    assert 'data-testid="make-current' not in page  # a participant has no buttons
    assert 'data-testid="jump-back"' not in page
    assert start.item_id == running.first.id


def test_a_participant_browses_another_item_and_is_offered_the_way_back(
    client, db, office, running
):
    current.set_current(db, office.chairman, running.meeting, running.first.id, now=AT)
    db.commit()
    login(client, office.home_a)
    panel = client.get(f"/meetings/{running.meeting.id}/room/item?item={running.second.id}")
    text = panel.get_data(as_text=True)
    assert f'data-item-id="{running.second.id}"' in text
    assert 'data-testid="jump-back"' in text
    assert 'data-testid="timer"' not in text
    followed = client.get(f"/meetings/{running.meeting.id}/room/item").get_data(as_text=True)
    assert f'data-item-id="{running.first.id}"' in followed
    assert 'data-testid="jump-back"' not in followed


def test_browsing_an_item_one_may_not_see_is_not_found(client, db, office, running):
    other = new_meeting(db, office, title="Họp giao ban")
    stranger = add_item(db, office, other, "Nội dung khác")
    login(client, office.home_a)
    response = client.get(f"/meetings/{running.meeting.id}/room/item?item={stranger.id}")
    assert response.status_code == 404


def test_the_timer_is_red_once_the_item_runs_over(client, db, office, running):
    long_ago = datetime(2026, 1, 1, tzinfo=UTC)  # before any clock the tests run under
    current.set_current(db, office.chairman, running.meeting, running.first.id, now=long_ago)
    db.commit()
    login(client, office.home_a)
    panel = client.get(f"/meetings/{running.meeting.id}/room/item").get_data(as_text=True)
    assert "room-timer over" in panel


def test_the_secretary_starts_the_meeting_from_the_room(client, db, office, running):
    running.meeting.status = MeetingStatus.PUBLISHED
    db.commit()
    login(client, office.home_a)
    assert 'data-testid="start-meeting"' not in client.get(
        f"/meetings/{running.meeting.id}/room"
    ).get_data(as_text=True)
    assert client.post(f"/meetings/{running.meeting.id}/room/start").status_code == 403
    login(client, office.clerk)
    page = client.get(f"/meetings/{running.meeting.id}/room").get_data(as_text=True)
    assert 'data-testid="start-meeting"' in page
    assert client.post(f"/meetings/{running.meeting.id}/room/start").status_code == 302
    db.expire_all()
    assert db.get(type(running.meeting), running.meeting.id).status is MeetingStatus.IN_PROGRESS
    assert [e.kind for e in events_after(db, running.meeting.id, 0)] == ["agenda.started"]


def test_every_device_learns_from_the_agenda_panel_that_the_meeting_started(
    client, db, office, running
):
    """The start and the meeting's state live in the agenda panel, which every device fetches
    again on "agenda.started": the heading of a page drawn before the start never changed."""
    running.meeting.status = MeetingStatus.PUBLISHED
    db.commit()
    agenda_panel = f"/meetings/{running.meeting.id}/room/agenda"
    login(client, office.home_a)
    before = client.get(agenda_panel).get_data(as_text=True)
    assert 'data-testid="not-running"' in before and 'data-testid="start-meeting"' not in before
    login(client, office.clerk)
    assert 'data-testid="start-meeting"' in client.get(agenda_panel).get_data(as_text=True)
    answer = client.post(
        f"/meetings/{running.meeting.id}/room/start", headers={"X-Requested-With": "fetch"}
    )
    assert answer.status_code == 200
    assert 'data-testid="start-meeting"' not in answer.get_data(as_text=True)
    login(client, office.home_a)
    after = client.get(agenda_panel).get_data(as_text=True)
    assert 'data-testid="not-running"' not in after and 'data-testid="meeting-status"' in after


ROOM_PAGES = [
    ("GET", "/meetings/{m}/room"),
    ("GET", "/meetings/{m}/room/agenda"),
    ("GET", "/meetings/{m}/room/item"),
    ("GET", "/meetings/{m}/room/stream"),
    ("POST", "/meetings/{m}/room/current"),
    ("POST", "/meetings/{m}/room/start"),
]


@pytest.mark.parametrize(("method", "path"), ROOM_PAGES)
def test_someone_not_invited_is_told_the_meeting_does_not_exist(
    client, office, running, method, path
):
    login(client, office.outsider)
    response = client.open(path.format(m=running.meeting.id), method=method)
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "path"), ROOM_PAGES)
def test_signed_out_visitors_go_to_the_login_page(client, running, method, path):
    response = client.open(path.format(m=running.meeting.id), method=method)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("status", "linked"),
    [
        (MeetingStatus.PUBLISHED, True),
        (MeetingStatus.IN_PROGRESS, True),
        (MeetingStatus.CLOSED, False),
    ],
)
def test_the_meeting_page_leads_to_the_room_while_it_is_published_or_running(
    client, db, office, running, status, linked
):
    running.meeting.status = status
    db.commit()
    login(client, office.home_a)
    page = client.get(f"/meetings/{running.meeting.id}").get_data(as_text=True)
    assert ('data-testid="open-room"' in page) is linked
