"""Each app process's fan-out of room announcements to the live streams it holds open.

One hub per app process. On PostgreSQL a single thread holds a dedicated connection that
``LISTEN``s on `events.CHANNEL` (reconnecting when it fails); on SQLite the in-process
listener of `events` feeds the same hub. For each announcement with someone to hear it, the
hub reads the event row once, through a short connection, and hands it to that meeting's
streams; a stream never holds a database connection while it waits.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from meetings.room import events
from meetings.room.models import RoomEvent

log = logging.getLogger(__name__)

#: Events a stream may fall behind by before it is told to read the rows again instead.
MAX_QUEUED = 200
#: How long a stream's first subscription waits for the listener to be listening (seconds).
READY_TIMEOUT = 10.0


@dataclass(frozen=True)
class StreamEvent:
    """One event row as the streams send it."""

    id: int
    kind: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Delivered:
    """An event for one stream, with what the hub's ``vouch`` said of the stream's reader (None
    without one): one query for all of a process's streams instead of one each."""

    event: StreamEvent
    presence: Any = None


class CatchUp:
    """Something may have been missed (the listener reconnected, the stream fell behind):
    the stream reads the rows after the last it sent."""


CATCH_UP = CatchUp()
Delivery = Delivered | CatchUp
#: ``vouch(connection, reader_ids, meeting_id)``: what each reader's stream is to be told.
Vouch = Callable[[sa.Connection, Collection[int], int], Mapping[int, Any]]


class Subscription:
    """One open stream's inbox: thread-safe, bounded, waited on with a timeout."""

    def __init__(self, meeting_id: int, reader_id: int = 0) -> None:
        self.meeting_id = meeting_id
        self.reader_id = reader_id
        self._items: deque[Delivery] = deque()
        self._ready = threading.Condition()

    def put(self, item: Delivery) -> None:
        with self._ready:
            if len(self._items) >= MAX_QUEUED:
                self._items.clear()
                item = CATCH_UP
            self._items.append(item)
            self._ready.notify()

    def get(self, timeout: float) -> Delivery | None:
        """The next delivery, or None once ``timeout`` seconds pass without one."""
        with self._ready:
            if not self._items:
                self._ready.wait(timeout)
            return self._items.popleft() if self._items else None


_EVENT = sa.select(RoomEvent.id, RoomEvent.kind, RoomEvent.data).where(
    RoomEvent.id == sa.bindparam("event_id"), RoomEvent.meeting_id == sa.bindparam("meeting_id")
)


class Hub:
    """The process's open streams by meeting, and what feeds them."""

    def __init__(self, engine: Engine, vouch: Vouch | None = None) -> None:
        self.engine = engine
        self._vouch = vouch
        self._lock = threading.Lock()
        self._streams: dict[int, set[Subscription]] = {}
        self._listener: PostgresListener | None = None
        self._local = False
        self._pid = os.getpid()

    def subscribe(self, meeting_id: int, reader_id: int = 0) -> Subscription:
        self._start_listening()
        subscription = Subscription(meeting_id, reader_id)
        with self._lock:
            self._streams.setdefault(meeting_id, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            streams = self._streams.get(subscription.meeting_id)
            if streams is not None:
                streams.discard(subscription)
                if not streams:
                    del self._streams[subscription.meeting_id]

    def open_streams(self) -> int:
        with self._lock:
            return sum(len(streams) for streams in self._streams.values())

    def deliver(self, announcement: events.Announcement) -> None:
        """Hand an announced event to the streams of its meeting (read once, if anyone hears)."""
        with self._lock:
            streams = list(self._streams.get(announcement.meeting_id, ()))
        if not streams:
            return
        meeting_id = announcement.meeting_id
        with self.engine.connect() as connection:
            row = connection.execute(
                _EVENT, {"event_id": announcement.event_id, "meeting_id": meeting_id}
            ).first()
            if row is None:
                return
            vouched: Mapping[int, Any] = {}
            if self._vouch is not None:
                vouched = self._vouch(connection, {s.reader_id for s in streams}, meeting_id)
        event = StreamEvent(id=row.id, kind=row.kind, data=dict(row.data or {}))
        for stream in streams:
            stream.put(Delivered(event, vouched.get(stream.reader_id)))

    def catch_up(self) -> None:
        """Tell every stream to read the rows again: announcements may have been lost."""
        with self._lock:
            streams = [s for group in self._streams.values() for s in group]
        for stream in streams:
            stream.put(CATCH_UP)

    def close(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            local, self._local = self._local, False
        if listener is not None:
            listener.stop()
        if local:
            events.remove_local_listener(self.deliver)

    def _start_listening(self) -> None:
        """Listen from the first stream on (not at import: a forked worker needs its own)."""
        with self._lock:
            if self._pid != os.getpid():  # forked after a listener started: start afresh
                self._listener, self._local, self._pid = None, False, os.getpid()
            if self._listener is not None or self._local:
                listener = self._listener
            elif self.engine.dialect.name == "postgresql":
                listener = self._listener = PostgresListener(
                    _libpq_url(self.engine), self.deliver, self.catch_up
                )
                listener.start()
            else:
                events.add_local_listener(self.deliver)
                self._local = True
                listener = None
        if listener is not None and not listener.ready.wait(READY_TIMEOUT):
            log.warning("meeting room: the listener is not listening yet")


def _libpq_url(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresListener(threading.Thread):
    """The process's one ``LISTEN`` connection; reconnects after any failure, and then asks
    every stream to catch up on what it may have missed meanwhile."""

    #: How often the wait for notifications looks whether it was asked to stop (seconds).
    POLL = 1.0

    def __init__(
        self,
        url: str,
        on_announcement: Any,
        on_reconnect: Any,
        *,
        retry_seconds: float = 1.0,
    ) -> None:
        super().__init__(name="meeting-room-listener", daemon=True)
        self._url = url
        self._on_announcement = on_announcement
        self._on_reconnect = on_reconnect
        self._retry = retry_seconds
        self._stopping = threading.Event()
        #: Set while the connection is listening.
        self.ready = threading.Event()
        #: How many times it connected (tests watch it reconnect).
        self.connections = 0
        #: The server process of the listening connection (0 before the first).
        self.backend_pid = 0

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=self.POLL * 3)

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._listen()
            except (psycopg.Error, OSError) as error:
                log.warning("meeting room: listener lost its connection (%s)", type(error).__name__)
            finally:
                self.ready.clear()
            self._stopping.wait(self._retry)

    def _listen(self) -> None:
        with psycopg.connect(self._url, autocommit=True) as connection:
            self.backend_pid = connection.info.backend_pid
            connection.execute(f"LISTEN {events.CHANNEL}")
            self.connections += 1
            self.ready.set()
            # Whatever was announced while no connection listened (before the first, or
            # between a failure and now) is read from the rows by each stream.
            self._on_reconnect()
            while not self._stopping.is_set():
                for notice in connection.notifies(timeout=self.POLL):
                    self._hand_over(notice.payload)

    def _hand_over(self, payload: str) -> None:
        try:
            announcement = events.Announcement.from_payload(payload)
        except (ValueError, KeyError, TypeError):
            log.warning("meeting room: an announcement could not be read")
            return
        try:
            self._on_announcement(announcement)
        except Exception:  # one failed delivery must not stop the listening
            log.exception("meeting room: an announcement could not be delivered")
