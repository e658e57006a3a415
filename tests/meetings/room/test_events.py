"""Room events are stored in order and announced only once their transaction commits."""

from __future__ import annotations

import psycopg
import pytest

from meetings.room import events
from tests.meetings.conftest import new_meeting


@pytest.fixture
def meeting(db, office):
    return new_meeting(db, office)


@pytest.fixture
def heard():
    received: list[events.Announcement] = []
    events.add_local_listener(received.append)
    yield received
    events.remove_local_listener(received.append)


def is_postgres(db) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def test_events_are_read_back_in_order_after_an_id(db, office, meeting):
    first = events.announce(db, meeting.id, "agenda.current", {"item": 1}, actor_id=office.clerk.id)
    second = events.announce(db, meeting.id, "agenda.current", {"item": 2}, actor_id=None)
    db.commit()
    assert [e.data["item"] for e in events.events_after(db, meeting.id, 0)] == [1, 2]
    assert [e.id for e in events.events_after(db, meeting.id, first.id)] == [second.id]
    assert events.latest_event_id(db, meeting.id) == second.id


def test_another_meetings_events_are_not_read(db, office, meeting):
    other = new_meeting(db, office, title="Họp giao ban")
    events.announce(db, other.id, "agenda.current", {}, actor_id=None)
    db.commit()
    assert events.events_after(db, meeting.id, 0) == []
    assert events.latest_event_id(db, meeting.id) == 0


def test_announced_only_after_commit_and_never_after_rollback(db, meeting, heard):
    if is_postgres(db):
        pytest.skip("PostgreSQL announces through NOTIFY: see the next test")
    events.announce(db, meeting.id, "agenda.current", {}, actor_id=None)
    assert heard == []
    db.rollback()
    assert heard == []
    row = events.announce(db, meeting.id, "agenda.current", {}, actor_id=None)
    db.commit()
    assert heard == [events.Announcement(meeting.id, row.id)]


def test_postgres_notifies_listeners_on_commit_only(app, db, meeting):
    if not is_postgres(db):
        pytest.skip("SQLite announces in-process: see the previous test")
    url = db.get_bind().url.set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as listener:
        listener.execute(f"LISTEN {events.CHANNEL}")
        events.announce(db, meeting.id, "agenda.current", {}, actor_id=None)
        db.flush()
        assert list(listener.notifies(timeout=0.2, stop_after=1)) == []
        db.rollback()
        row = events.announce(db, meeting.id, "agenda.current", {}, actor_id=None)
        db.commit()
        (notice,) = list(listener.notifies(timeout=5, stop_after=1))
    assert events.Announcement.from_payload(notice.payload) == events.Announcement(
        meeting.id, row.id
    )


def test_payload_round_trip():
    value = events.Announcement(3, 41)
    assert events.Announcement.from_payload(value.payload()) == value
