"""The fan-out: each app process's hub hands an announcement committed anywhere to its streams
(PostgreSQL's LISTEN across processes, in-process on SQLite), and survives a lost connection."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.app import create_app
from core.db import get_engine
from meetings.room import current, events
from meetings.room.hub import CATCH_UP, Hub, Subscription
from meetings.views.room import hub_of
from tests.conftest import make_test_config
from tests.meetings.room.livekit import running_meeting

AT = datetime(2026, 12, 10, 1, 30, tzinfo=UTC)
#: How long a test waits for an announcement to cross processes (seconds); it returns at once
#: when the announcement arrives.
WAIT = 10.0


@pytest.fixture
def running(db, office):
    return running_meeting(db, office)


@pytest.fixture
def other_app(database_url, tmp_path: Path):
    """A second app process's app on the same database, as gunicorn's next worker."""
    second = create_app(make_test_config(database_url, tmp_path / "second"))
    yield second
    hub_of(second).close()
    get_engine(second).dispose()


def _is_postgres(db) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def _next_event(subscription: Subscription):
    """The next delivered event, skipping catch-up marks."""
    for _ in range(10):
        delivery = subscription.get(WAIT)
        if delivery is not CATCH_UP:
            return delivery
    raise AssertionError("only catch-up marks arrived")


def test_a_change_committed_by_one_app_reaches_the_other_apps_streams(
    app, other_app, db, office, running
):
    if not _is_postgres(db):
        pytest.skip("SQLite runs one process: the next test covers its in-process path")
    hub = hub_of(other_app)
    try:
        subscription = hub.subscribe(running.meeting.id)
        elsewhere = hub.subscribe(running.meeting.id + 1000)
        current.set_current(db, office.chairman, running.meeting, running.first.id, now=AT)
        db.commit()
        delivered = _next_event(subscription)
        assert delivered is not None
        assert (delivered.event.kind, delivered.event.data["item"]) == (
            "agenda.current",
            running.first.id,
        )
        assert elsewhere.get(0) in (None, CATCH_UP)  # another meeting's streams hear nothing
    finally:
        hub_of(app).close()


def test_on_sqlite_the_process_hub_hears_commits_in_process(app, db, office, running):
    if _is_postgres(db):
        pytest.skip("PostgreSQL goes through LISTEN: the previous test covers it")
    hub = hub_of(app)
    try:
        subscription = hub.subscribe(running.meeting.id)
        current.set_current(db, office.chairman, running.meeting, running.first.id, now=AT)
        db.commit()
        delivered = subscription.get(0)
        assert delivered is not None and delivered.event.kind == "agenda.current"
    finally:
        hub.close()
    assert hub.deliver not in events._local_listeners


def test_the_listener_reconnects_and_its_streams_catch_up(app, db, office, running):
    if not _is_postgres(db):
        pytest.skip("only PostgreSQL has a listening connection to lose")
    hub = Hub(get_engine(app))
    try:
        subscription = hub.subscribe(running.meeting.id)
        listener = hub._listener
        assert listener is not None
        assert listener.connections == 1
        # The server ends the listening connection, as a restart or a network failure would.
        db.execute(sa.select(sa.func.pg_terminate_backend(listener.backend_pid)))
        db.commit()
        assert subscription.get(WAIT) is CATCH_UP  # listening again: read what was missed
        assert listener.connections == 2
        current.set_current(db, office.chairman, running.meeting, running.first.id, now=AT)
        db.commit()
        assert _next_event(subscription).event.kind == "agenda.current"
    finally:
        hub.close()


def test_a_stream_that_falls_behind_is_told_to_catch_up_instead():
    subscription = Subscription(1)
    from meetings.room.hub import MAX_QUEUED, Delivered, StreamEvent

    for n in range(MAX_QUEUED + 1):
        subscription.put(Delivered(StreamEvent(n, "agenda.timer", {})))
    assert subscription.get(0) is CATCH_UP
    assert subscription.get(0) is None


def test_nobody_listening_reads_nothing(app, db, office, running):
    hub = Hub(get_engine(app))
    row = events.announce(db, running.meeting.id, "agenda.timer", {}, actor_id=None)
    db.commit()
    hub.deliver(events.Announcement(running.meeting.id, row.id))  # no stream: returns at once
    assert hub.open_streams() == 0
