"""A meeting room's live stream as Server-Sent Events: the framing, catching a reconnecting
browser up from ``Last-Event-ID`` (or telling it to reload its state), heartbeats, and the end
of the stream once its session may no longer act.

Written without Flask: the view checks who asks and passes the checks along as a callable.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from meetings.room.events import events_after, latest_event_id
from meetings.room.hub import CatchUp, Hub, StreamEvent
from meetings.room.models import RoomEvent

#: Every kind of event the room announces: the page listens for these names.
KINDS = (
    "agenda.started",
    "agenda.current",
    "agenda.timer",
    "attendance.changed",
    "quorum.changed",
    "speakers.changed",
    "conflict.declared",
    "vote.opened",
    "vote.ballot",
    "vote.closed",
    "vote.published",
    "minutes.changed",
)
#: More missed events than this and the browser reloads its state instead of replaying them.
MAX_REPLAY = 200
#: How long a browser waits before reconnecting (milliseconds), sent once per stream.
RETRY_MS = 3000
#: A ``Last-Event-ID`` longer than this is not an id of ours.
_ID_DIGITS = 18


def frame(event: StreamEvent) -> bytes:
    """One message: its id (the browser's ``Last-Event-ID``), its kind and its data as JSON."""
    data = json.dumps(event.data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return f"id: {event.id}\nevent: {event.kind}\ndata: {data}\n\n".encode()


def resync_frame(latest: int) -> bytes:
    """Too much missed, or an id that is not this meeting's: reload the page's state."""
    return f'id: {latest}\nevent: resync\ndata: {{"latest":{latest}}}\n\n'.encode()


#: The session may no longer act (revoked, expired, removed from the meeting): the page
#: reloads, and signing in again is the ordinary pages' business.
ENDED = b'event: ended\ndata: {"reason":"session"}\n\n'
HEARTBEAT = b": heartbeat\n\n"


@dataclass(frozen=True)
class Start:
    """Where a new stream begins: the events to replay first, or a resync."""

    resync: bool
    #: The newest event id of the meeting when the stream opened.
    latest: int
    events: list[StreamEvent] = field(default_factory=list)


def _as_stream_event(row: RoomEvent) -> StreamEvent:
    return StreamEvent(id=row.id, kind=row.kind, data=dict(row.data or {}))


def starting_point(session: Session, meeting_id: int, last_event_id: str | None) -> Start:
    """What a browser that last saw ``last_event_id`` (None: a first visit) must be sent.

    An id that is not a number, is in the future, belongs to another meeting, or lies more
    than `MAX_REPLAY` events back asks for a resync; a known one gets what came after it.
    """
    latest = latest_event_id(session, meeting_id)
    if last_event_id is None:
        return Start(resync=False, latest=latest)
    text = last_event_id.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > _ID_DIGITS:
        return Start(resync=True, latest=latest)
    after = int(text)
    if after > latest:
        return Start(resync=True, latest=latest)
    if after > 0:
        owner = session.scalar(sa.select(RoomEvent.meeting_id).where(RoomEvent.id == after))
        if owner != meeting_id:
            return Start(resync=True, latest=latest)
    rows = events_after(session, meeting_id, after, limit=MAX_REPLAY + 1)
    if len(rows) > MAX_REPLAY:
        return Start(resync=True, latest=latest)
    return Start(resync=False, latest=latest, events=[_as_stream_event(r) for r in rows])


def follow(
    hub: Hub,
    engine: Engine,
    meeting_id: int,
    last_event_id: str | None,
    *,
    heartbeat: float,
    may_continue: Callable[[Any], bool],
    reader_id: int = 0,
) -> Iterator[bytes]:
    """The stream's bytes, until the browser goes away or ``may_continue`` says no.

    ``may_continue`` is asked at each event and heartbeat, given what the hub vouched for the
    reader with the event (None at a heartbeat or catch-up: it then asks the database itself).

    It subscribes before reading where to start, so that nothing committed in between is lost
    (an event seen both ways is sent once). It holds no database connection while it waits.
    """
    subscription = hub.subscribe(meeting_id, reader_id)
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        with Session(engine) as session:
            start = starting_point(session, meeting_id, last_event_id)
        if start.resync:
            yield resync_frame(start.latest)
            return
        sent: set[int] = set()
        newest = start.latest
        pending: list[StreamEvent] = list(start.events)
        while True:
            for event in pending:
                if event.id not in sent:
                    sent.add(event.id)
                    newest = max(newest, event.id)
                    yield frame(event)
            delivery = subscription.get(heartbeat)
            if not may_continue(getattr(delivery, "presence", None)):
                yield ENDED
                return
            if delivery is None:
                pending = []
                yield HEARTBEAT
            elif isinstance(delivery, CatchUp):
                with Session(engine) as session:
                    rows = events_after(session, meeting_id, newest, limit=MAX_REPLAY + 1)
                if len(rows) > MAX_REPLAY:
                    yield resync_frame(rows[-1].id)
                    return
                pending = [_as_stream_event(row) for row in rows]
            else:
                pending = [delivery.event]
    finally:
        hub.unsubscribe(subscription)
