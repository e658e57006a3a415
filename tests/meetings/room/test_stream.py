"""The room's live stream: its framing, replay after Last-Event-ID, resync, heartbeats, who may
open it, and its end when the session does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accounts import sessions
from meetings.room import current, events, stream
from meetings.room.hub import StreamEvent
from meetings.room.models import RoomEvent
from tests.conftest import login
from tests.meetings.conftest import new_meeting
from tests.meetings.room.livekit import HEARTBEAT, open_stream, running_meeting

AT = datetime(2026, 12, 10, 1, 30, tzinfo=UTC)


@pytest.fixture
def app_config():
    return {"ROOM_HEARTBEAT_SECONDS": HEARTBEAT}


@pytest.fixture
def running(db, office):
    return running_meeting(db, office)


@pytest.fixture
def hub(app):
    """The app's hub, stopped after the test (its listener thread on PostgreSQL)."""
    from meetings.views.room import hub_of

    found = hub_of(app)
    yield found
    found.close()


def _move(db, office, running, item):
    current.set_current(db, office.chairman, running.meeting, item.id, now=AT)
    db.commit()


def test_a_message_carries_id_kind_and_json_data():
    event = StreamEvent(id=7, kind="agenda.current", data={"item": 3, "title": "Đầu tư"})
    assert stream.frame(event) == (
        'id: 7\nevent: agenda.current\ndata: {"item":3,"title":"Đầu tư"}\n\n'.encode()
    )


def test_the_stream_is_an_uncached_unbuffered_event_stream(client, office, running, hub):
    login(client, office.home_a)
    reader = open_stream(client, running.meeting.id)
    headers = reader.response.headers
    assert headers["Content-Type"].startswith("text/event-stream")
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Accel-Buffering"] == "no"
    assert reader.next().comment == "heartbeat"
    reader.close()
    assert hub.open_streams() == 0


def test_each_device_receives_the_chairs_change_as_it_is_committed(
    client, app, db, office, running, hub
):
    login(client, office.home_a)
    reader = open_stream(client, running.meeting.id)
    _move(db, office, running, running.first)
    frame = reader.next_event()
    (row,) = events.events_after(db, running.meeting.id, 0)
    assert (frame.id, frame.event) == (str(row.id), "agenda.current")
    assert frame.data["item"] == running.first.id
    reader.close()


def test_a_reconnecting_browser_gets_what_it_missed_after_last_event_id(
    client, db, office, running, hub
):
    _move(db, office, running, running.first)
    _move(db, office, running, running.second)
    _move(db, office, running, running.first)
    first, second, third = events.events_after(db, running.meeting.id, 0)
    login(client, office.home_a)
    reader = open_stream(client, running.meeting.id, **{"Last-Event-ID": str(first.id)})
    replayed = [reader.next_event(), reader.next_event()]
    assert [(f.id, f.data["item"]) for f in replayed] == [
        (str(second.id), running.second.id),
        (str(third.id), running.first.id),
    ]
    assert reader.next().comment == "heartbeat"  # nothing more, nothing twice
    reader.close()


def test_the_page_first_connection_catches_up_from_the_event_it_was_drawn_with(
    client, db, office, running, hub
):
    login(client, office.home_a)
    _move(db, office, running, running.second)
    response = client.get(f"/meetings/{running.meeting.id}/room/stream?after=0", buffered=False)
    frames = iter(response.response)
    next(frames)  # retry
    assert b"event: agenda.current" in next(frames)
    response.close()


def _resync_after(client, meeting_id, last_event_id):
    reader = open_stream(client, meeting_id, **{"Last-Event-ID": last_event_id})
    frames = reader.rest()  # a resync ends the stream: the page reloads and reconnects
    assert [f.event for f in frames] == ["resync"]
    return frames[0]


def test_an_id_from_the_future_asks_for_a_resync(client, db, office, running, hub):
    _move(db, office, running, running.first)
    latest = events.latest_event_id(db, running.meeting.id)
    login(client, office.home_a)
    frame = _resync_after(client, running.meeting.id, str(latest + 1))
    assert frame.id == str(latest)


def test_an_id_of_another_meeting_asks_for_a_resync(client, db, office, running, hub):
    other = new_meeting(db, office, title="Họp giao ban")
    foreign = events.announce(db, other.id, "agenda.current", {}, actor_id=None)
    db.commit()
    _move(db, office, running, running.first)  # the meeting's newest id is above the other's
    login(client, office.home_a)
    _resync_after(client, running.meeting.id, str(foreign.id))


@pytest.mark.parametrize("value", ["abc", "-1", "1e3", "٣", "9" * 40])
def test_an_id_that_is_not_ours_asks_for_a_resync(client, office, running, hub, value):
    login(client, office.home_a)
    _resync_after(client, running.meeting.id, value)


def test_too_much_missed_asks_for_a_resync(client, db, office, running, hub):
    first = events.announce(db, running.meeting.id, "agenda.timer", {}, actor_id=None)
    for _ in range(stream.MAX_REPLAY + 1):
        events.announce(db, running.meeting.id, "agenda.timer", {}, actor_id=None)
    db.commit()
    login(client, office.home_a)
    _resync_after(client, running.meeting.id, str(first.id))


def test_a_revoked_session_ends_its_stream_at_the_next_heartbeat(client, db, office, running, hub):
    login(client, office.home_a)
    reader = open_stream(client, running.meeting.id)
    assert reader.next().comment == "heartbeat"
    user = db.merge(office.home_a)
    sessions.end_sessions(user)
    db.commit()
    frames = reader.rest()
    assert frames[-1].event == "ended"
    assert all(f.event is None for f in frames[:-1])  # heartbeats until then, no event
    assert hub.open_streams() == 0


def test_a_participant_removed_mid_meeting_no_longer_follows_it(client, db, office, running, hub):
    from meetings import participants
    from meetings.models import Participant

    login(client, office.home_a)
    reader = open_stream(client, running.meeting.id)
    participation = db.query(Participant).filter_by(user_id=office.home_a.id).one()
    participants.remove(db, office.clerk, running.meeting, participation.id)
    db.commit()
    assert reader.rest()[-1].event == "ended"


def test_presence_says_whether_an_account_still_follows_the_meeting(app, db, office, running):
    """What the stream asks at each heartbeat, beside `accounts.sessions.check`."""
    from meetings import access

    readers = [office.home_a.id, office.outsider.id, office.clerk.id, 10**9]
    with db.get_bind().connect() as connection:
        found = access.presence(connection, readers, running.meeting.id)
    assert found == {
        office.home_a.id: access.Presence(office.home_a.session_generation, True),
        office.outsider.id: access.Presence(office.outsider.session_generation, False),
        office.clerk.id: access.Presence(office.clerk.session_generation, True),
        10**9: access.ABSENT,
    }


def test_a_stranger_may_not_open_the_stream(client, office, running, hub):
    login(client, office.outsider)
    response = client.get(f"/meetings/{running.meeting.id}/room/stream")
    assert response.status_code == 404
    assert hub.open_streams() == 0


def test_a_rolled_back_change_is_never_streamed(client, db, office, running, hub):
    login(client, office.home_a)
    reader = open_stream(client, running.meeting.id)
    events.announce(db, running.meeting.id, "agenda.current", {}, actor_id=None)
    db.rollback()
    kept = events.announce(db, running.meeting.id, "agenda.timer", {}, actor_id=None)
    db.commit()
    frame = reader.next_event()
    assert (frame.id, frame.event) == (str(kept.id), "agenda.timer")
    assert db.get(RoomEvent, kept.id) is not None
    reader.close()
