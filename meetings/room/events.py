"""Store each change of a running meeting and announce it once it is committed.

Announcing rides on the writer's transaction: on PostgreSQL, ``pg_notify`` is queued in it and
delivered by the server only if it commits, to every app process that listens; on SQLite (one
process) the same happens in-process after commit. A rolled-back change is never announced.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from meetings.room.models import RoomEvent

log = logging.getLogger(__name__)

#: The PostgreSQL channel every app process listens on.
CHANNEL = "vanthu_meeting_room"
_PENDING = "vanthu.room.pending"


@dataclass(frozen=True)
class Announcement:
    """What is sent to the listeners: enough to read the event row, never its data."""

    meeting_id: int
    event_id: int

    def payload(self) -> str:
        return json.dumps({"meeting": self.meeting_id, "event": self.event_id})

    @classmethod
    def from_payload(cls, text: str) -> Announcement:
        value = json.loads(text)
        return cls(meeting_id=int(value["meeting"]), event_id=int(value["event"]))


Listener = Callable[[Announcement], None]
_local_listeners: list[Listener] = []


def add_local_listener(listener: Listener) -> None:
    """Call ``listener`` in this process after each commit that announced (the SQLite path)."""
    if listener not in _local_listeners:
        _local_listeners.append(listener)


def remove_local_listener(listener: Listener) -> None:
    if listener in _local_listeners:
        _local_listeners.remove(listener)


def announce(
    session: Session,
    meeting_id: int,
    kind: str,
    data: Mapping[str, Any] | None = None,
    *,
    actor_id: int | None,
) -> RoomEvent:
    """Add an event to ``session``'s transaction; it is announced if and when that commits."""
    row = RoomEvent(meeting_id=meeting_id, kind=kind, data=dict(data or {}), actor_id=actor_id)
    session.add(row)
    session.flush()
    announcement = Announcement(meeting_id=meeting_id, event_id=row.id)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_notify(CHANNEL, announcement.payload())))
    else:
        session.info.setdefault(_PENDING, []).append(announcement)
    return row


def events_after(
    session: Session, meeting_id: int, after_id: int, *, limit: int = 500
) -> Sequence[RoomEvent]:
    """The meeting's events committed after ``after_id``, oldest first."""
    return session.scalars(
        sa.select(RoomEvent)
        .where(RoomEvent.meeting_id == meeting_id, RoomEvent.id > after_id)
        .order_by(RoomEvent.id)
        .limit(limit)
    ).all()


def latest_event_id(session: Session, meeting_id: int) -> int:
    """The id of the meeting's newest event, 0 when nothing happened yet."""
    value = session.scalar(
        sa.select(sa.func.max(RoomEvent.id)).where(RoomEvent.meeting_id == meeting_id)
    )
    return int(value or 0)


@sa_event.listens_for(Session, "after_commit")
def _deliver_locally(session: Session) -> None:
    for announcement in session.info.pop(_PENDING, ()):
        for listener in list(_local_listeners):
            try:
                listener(announcement)
            except Exception:  # a listener's failure must not undo a committed change
                log.exception("A meeting room listener failed")


@sa_event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
