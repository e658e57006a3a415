"""Conflicts of interest: a member declares one on an item (with a reason if they wish); the
chair sees it, the minutes record it, and the member is no longer entitled to vote on it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from accounts.models import User
from audit import record_event
from core.errors import N_
from meetings import access, participants
from meetings.errors import AlreadyAsked, BadMeeting, NotAllowed
from meetings.models import Meeting
from meetings.room import events
from meetings.room.models import ConflictOfInterest
from meetings.room.record import RecordPart, register_builder
from meetings.room.running import refuse_unless_running

MAX_REASON = 500


def declare(
    session: Session, actor: User, meeting: Meeting, item_id: int, reason: str, *, now: datetime
) -> ConflictOfInterest:
    """Record ``actor``'s conflict of interest on the item; declaring it twice is refused."""
    refuse_unless_running(meeting)
    if not participants.own(session, actor, meeting):
        raise NotAllowed(
            N_("Only the meeting’s participants declare a conflict of interest."),
            meeting=meeting.id,
        )
    item = access.get_item(session, actor, meeting, item_id)
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise BadMeeting(N_("The reason is too long (500 characters at most)."))
    row = ConflictOfInterest(
        meeting_id=meeting.id, item_id=item.id, user_id=actor.id, reason=reason, declared_at=now
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise AlreadyAsked(
            N_("You have already declared a conflict of interest on this item.")
        ) from None
    record_event(
        session,
        "meetings:conflict:declare",
        actor=actor,
        subject={"meeting": meeting.id, "item": item.id},
        details={"reason_given": bool(reason)},
    )
    events.announce(session, meeting.id, "conflict.declared", {"item": item.id}, actor_id=actor.id)
    return row


def declared(session: Session, meeting: Meeting) -> list[ConflictOfInterest]:
    """Every declaration of the meeting, item by item, in the order they were made."""
    return list(
        session.scalars(
            sa.select(ConflictOfInterest)
            .options(joinedload(ConflictOfInterest.user))
            .where(ConflictOfInterest.meeting_id == meeting.id)
            .order_by(
                ConflictOfInterest.item_id,
                ConflictOfInterest.declared_at,
                ConflictOfInterest.id,
            )
        )
    )


def conflicted(session: Session, item_id: int) -> set[int]:
    """The people who declared a conflict of interest on the item."""
    return set(
        session.scalars(
            sa.select(ConflictOfInterest.user_id).where(ConflictOfInterest.item_id == item_id)
        )
    )


def record(session: Session, meeting: Meeting) -> Sequence[RecordPart]:
    """Per item: who declared a conflict of interest, and why."""
    by_item: dict[int, list[ConflictOfInterest]] = {}
    for row in declared(session, meeting):
        by_item.setdefault(row.item_id, []).append(row)
    return [
        RecordPart(
            order=40,
            heading="Xung đột lợi ích",
            paragraphs=[
                f"{row.user.full_name} tuyên bố có xung đột lợi ích"
                + (f" (lý do: {row.reason})" if row.reason else "")
                + " và không tham gia biểu quyết nội dung này."
                for row in rows
            ],
            item_id=item_id,
            data={"users": [row.user_id for row in rows]},
        )
        for item_id, rows in by_item.items()
    ]


register_builder("conflicts", record)
