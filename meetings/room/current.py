"""The item a running meeting is on now and its timer: the chair or the secretary sets it, and
every device in the room follows.

The state is one row per meeting; each change is announced as ``agenda.current`` in the same
transaction, so a device never sees an item the database does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.db import dialect_insert
from core.errors import N_
from meetings import access
from meetings import meetings as meeting_steps
from meetings.errors import WrongState
from meetings.models import Meeting, MeetingStatus
from meetings.room.events import announce
from meetings.room.models import RoomState


@dataclass(frozen=True)
class Current:
    """Where the meeting stands: its current item (None before the first), since when, and
    the minutes planned for it."""

    item_id: int | None = None
    started_at: datetime | None = None
    planned_minutes: int = 0

    def elapsed_seconds(self, now: datetime) -> int:
        if self.started_at is None:
            return 0
        return max(0, int((now - self.started_at).total_seconds()))

    def over_time(self, now: datetime) -> bool:
        """Past its planned duration (an item with none planned is never over)."""
        planned = self.planned_minutes * 60
        return planned > 0 and self.elapsed_seconds(now) > planned


def current_of(session: Session, meeting: Meeting) -> Current:
    state = session.get(RoomState, meeting.id)
    if state is None:
        return Current()
    return Current(state.current_item_id, state.item_started_at, state.planned_minutes)


def start(session: Session, actor: User, meeting: Meeting) -> None:
    """Open the meeting (in progress), from the room; every device learns it has started."""
    meeting_steps.change_status(session, actor, meeting, MeetingStatus.IN_PROGRESS)
    announce(session, meeting.id, "agenda.started", {"status": "in_progress"}, actor_id=actor.id)


def set_current(
    session: Session, actor: User, meeting: Meeting, item_id: int, *, now: datetime
) -> Current:
    """Make ``item_id`` the meeting's current item, its timer starting at ``now``.

    Only the chair and the secretary, only while the meeting is in progress. Choosing the item
    that is already current changes nothing (a second tap must not restart its timer).
    """
    access.refuse_unless_manager(actor, meeting)
    if meeting.cancelled_at is not None or meeting.status is not MeetingStatus.IN_PROGRESS:
        raise WrongState(N_("The meeting has not started: start it before choosing an item."))
    item = access.get_item(session, actor, meeting, item_id)
    state = _locked_state(session, meeting, now)
    if state.current_item_id == item.id:
        return Current(state.current_item_id, state.item_started_at, state.planned_minutes)
    state.current_item_id = item.id
    state.item_started_at = now
    state.planned_minutes = item.duration_minutes
    state.updated_at = now
    session.flush()
    announce(
        session,
        meeting.id,
        "agenda.current",
        {"item": item.id, "started_at": now.isoformat(), "planned_minutes": item.duration_minutes},
        actor_id=actor.id,
    )
    record_event(
        session,
        "meetings:room:current_item",
        actor=actor,
        subject={"meeting": meeting.id, "item": item.id},
        details={"planned_minutes": item.duration_minutes},
    )
    return Current(item.id, now, item.duration_minutes)


def _locked_state(session: Session, meeting: Meeting, now: datetime) -> RoomState:
    """The meeting's state row, created if missing and locked until the transaction ends, so
    that two managers choosing at once are applied one after the other."""
    session.execute(
        dialect_insert(session, RoomState)
        .values(meeting_id=meeting.id, planned_minutes=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["meeting_id"])
    )
    state = session.scalars(
        sa.select(RoomState)
        .where(RoomState.meeting_id == meeting.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return state
