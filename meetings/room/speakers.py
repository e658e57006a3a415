"""The list of speakers on each item: participants ask to speak (a point of order goes first)
or withdraw; the chair or secretary reorders, starts and stops them against the meeting's
speaking-time limit. Every change is audited and announced as "speakers.changed"."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from accounts.models import User
from audit import record_event
from core.clock import local_time
from core.errors import N_
from meetings import access, agenda, participants
from meetings.errors import AlreadyAsked, BadMeeting, NotAllowed, WrongState
from meetings.models import Meeting
from meetings.room import events
from meetings.room.models import RoomEvent, SpeakerRequest, SpeakingTime, SpeechKind
from meetings.room.record import RecordPart, register_builder
from meetings.room.running import refuse_unless_running

#: The speaking time when the chair set none.
DEFAULT_SECONDS = 5 * 60
MAX_MINUTES = 60


class Move(enum.StrEnum):
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True)
class Speakers:
    """One item's list as the room shows it."""

    item_id: int
    #: Waiting to speak, in the order they will be called.
    waiting: list[SpeakerRequest]
    #: Speaking now (at most one).
    speaking: SpeakerRequest | None
    #: Those who have spoken, in the order they spoke.
    spoken: list[SpeakerRequest]
    limit_seconds: int


def ask(
    session: Session,
    actor: User,
    meeting: Meeting,
    item_id: int,
    kind: SpeechKind,
    *,
    now: datetime,
) -> SpeakerRequest:
    """``actor`` asks to speak on the item; one waiting request per person and item."""
    refuse_unless_running(meeting)
    if not meeting.is_manager(actor) and not participants.own(session, actor, meeting):
        raise NotAllowed(N_("Only the meeting’s participants may ask to speak."))
    item = access.get_item(session, actor, meeting, item_id)
    waiting = session.scalar(
        sa.select(SpeakerRequest.id).where(
            SpeakerRequest.item_id == item.id,
            SpeakerRequest.user_id == actor.id,
            SpeakerRequest.stopped_at.is_(None),
            SpeakerRequest.withdrawn_at.is_(None),
        )
    )
    if waiting is not None:
        raise AlreadyAsked(N_("You have already asked to speak on this item."))
    last = session.scalar(
        sa.select(sa.func.max(SpeakerRequest.position)).where(SpeakerRequest.item_id == item.id)
    )
    row = SpeakerRequest(
        meeting_id=meeting.id,
        item_id=item.id,
        user_id=actor.id,
        kind=kind,
        position=(last or 0) + 1,
        requested_at=now,
    )
    session.add(row)
    session.flush()
    _changed(session, actor, meeting, row, "ask", kind=kind.value)
    return row


def withdraw(
    session: Session, actor: User, meeting: Meeting, request_id: int, *, now: datetime
) -> SpeakerRequest:
    """The speaker takes back their request (or the chair strikes it) before speaking."""
    refuse_unless_running(meeting)
    row = _request(session, meeting, request_id)
    if row.user_id != actor.id and not meeting.is_manager(actor):
        raise NotAllowed(N_("Only the speaker or the meeting’s chair may withdraw this request."))
    if row.started_at is not None or row.withdrawn_at is not None:
        raise WrongState(N_("This request can no longer be withdrawn."))
    row.withdrawn_at = now
    session.flush()
    _changed(session, actor, meeting, row, "withdraw")
    return row


def move(
    session: Session, actor: User, meeting: Meeting, request_id: int, direction: Move
) -> SpeakerRequest:
    """The chair moves a waiting speaker one place up or down the item's list."""
    _refuse_unless_chairing(actor, meeting)
    row = _request(session, meeting, request_id)
    queue = listing(session, meeting, row.item_id).waiting
    if row not in queue:
        raise WrongState(N_("Only a speaker still waiting can be moved."))
    at = queue.index(row)
    other_at = at - 1 if direction is Move.UP else at + 1
    if 0 <= other_at < len(queue) and _rank(queue[other_at]) == _rank(row):
        other = queue[other_at]
        row.position, other.position = other.position, row.position
        session.flush()
    _changed(session, actor, meeting, row, "move", direction=direction.value)
    return row


def start(
    session: Session, actor: User, meeting: Meeting, request_id: int, *, now: datetime
) -> SpeakerRequest:
    """The chair gives the floor: whoever spoke in the meeting until now stops."""
    _refuse_unless_chairing(actor, meeting)
    row = _request(session, meeting, request_id)
    if row.started_at is not None or row.withdrawn_at is not None:
        raise WrongState(N_("This speaker cannot be started again."))
    for speaking in session.scalars(
        sa.select(SpeakerRequest).where(
            SpeakerRequest.meeting_id == meeting.id,
            SpeakerRequest.started_at.is_not(None),
            SpeakerRequest.stopped_at.is_(None),
        )
    ):
        speaking.stopped_at = now
    row.started_at = now
    session.flush()
    _changed(session, actor, meeting, row, "start")
    return row


def stop(
    session: Session, actor: User, meeting: Meeting, request_id: int, *, now: datetime
) -> SpeakerRequest:
    _refuse_unless_chairing(actor, meeting)
    row = _request(session, meeting, request_id)
    if row.started_at is None or row.stopped_at is not None:
        raise WrongState(N_("This speaker is not speaking."))
    row.stopped_at = now
    session.flush()
    _changed(session, actor, meeting, row, "stop")
    return row


def set_limit(session: Session, actor: User, meeting: Meeting, minutes: int) -> int:
    """The chair sets how long each speaker may speak in this meeting."""
    _refuse_unless_chairing(actor, meeting)
    if not 1 <= minutes <= MAX_MINUTES:
        raise BadMeeting(N_("The speaking time is between 1 and 60 minutes."))
    row = session.get(SpeakingTime, meeting.id)
    if row is None:
        session.add(SpeakingTime(meeting_id=meeting.id, seconds=minutes * 60))
    else:
        row.seconds = minutes * 60
    session.flush()
    record_event(
        session,
        "meetings:speakers:limit",
        actor=actor,
        subject={"meeting": meeting.id},
        details={"seconds": minutes * 60},
    )
    events.announce(
        session, meeting.id, "speakers.changed", {"limit": minutes * 60}, actor_id=actor.id
    )
    return minutes * 60


def limit_seconds(session: Session, meeting: Meeting) -> int:
    row = session.get(SpeakingTime, meeting.id)
    return row.seconds if row is not None else DEFAULT_SECONDS


def listing(session: Session, meeting: Meeting, item_id: int) -> Speakers:
    """The item's speakers: waiting (points of order first), speaking, spoken."""
    rows = session.scalars(
        sa.select(SpeakerRequest)
        .options(joinedload(SpeakerRequest.user))
        .where(SpeakerRequest.meeting_id == meeting.id, SpeakerRequest.item_id == item_id)
        .order_by(SpeakerRequest.position, SpeakerRequest.id)
    ).all()
    waiting = sorted(
        (r for r in rows if r.started_at is None and r.withdrawn_at is None), key=_order
    )
    speaking = next((r for r in rows if r.started_at and r.stopped_at is None), None)
    spoken = sorted((r for r in rows if r.stopped_at is not None), key=_spoke)
    return Speakers(item_id, waiting, speaking, spoken, limit_seconds(session, meeting))


def current_item_id(session: Session, meeting: Meeting) -> int | None:
    """The item the chair last made current (the newest "agenda.current" event), if any."""
    data = session.scalar(
        sa.select(RoomEvent.data)
        .where(RoomEvent.meeting_id == meeting.id, RoomEvent.kind == "agenda.current")
        .order_by(RoomEvent.id.desc())
        .limit(1)
    )
    if not data:
        return None
    value = data.get("item_id", data.get("item"))
    return int(value) if isinstance(value, int) else None


def _rank(row: SpeakerRequest) -> int:
    return 0 if row.kind is SpeechKind.POINT_OF_ORDER else 1


def _order(row: SpeakerRequest) -> tuple[int, int, int]:
    return (_rank(row), row.position, row.id)


def _spoke(row: SpeakerRequest) -> tuple[datetime, int]:
    assert row.started_at is not None
    return (row.started_at, row.id)


def _refuse_unless_chairing(actor: User, meeting: Meeting) -> None:
    refuse_unless_running(meeting)
    access.refuse_unless_manager(actor, meeting)


def _request(session: Session, meeting: Meeting, request_id: int) -> SpeakerRequest:
    row = session.get(SpeakerRequest, request_id)
    if row is None or row.meeting_id != meeting.id:
        raise BadMeeting(N_("This request to speak does not exist."))
    return row


def _changed(
    session: Session,
    actor: User,
    meeting: Meeting,
    row: SpeakerRequest,
    action: str,
    **details: object,
) -> None:
    record_event(
        session,
        f"meetings:speakers:{action}",
        actor=actor,
        subject={"meeting": meeting.id, "item": row.item_id, "request": row.id},
        details={"speaker": row.user_id, **details},
    )
    events.announce(
        session,
        meeting.id,
        "speakers.changed",
        {"item": row.item_id, "request": row.id, "action": action},
        actor_id=actor.id,
    )


KIND_TEXT = {
    SpeechKind.NORMAL: "Phát biểu",
    SpeechKind.PRO: "Ủng hộ",
    SpeechKind.CONTRA: "Phản đối",
    SpeechKind.POINT_OF_ORDER: "Về thủ tục",
}


def record(session: Session, meeting: Meeting) -> Sequence[RecordPart]:
    """Per item, who spoke, in what capacity, from when to when (Vietnam time)."""
    rows = session.scalars(
        sa.select(SpeakerRequest)
        .options(joinedload(SpeakerRequest.user))
        .where(SpeakerRequest.meeting_id == meeting.id, SpeakerRequest.started_at.is_not(None))
    ).all()
    by_item: dict[int, list[SpeakerRequest]] = {}
    for row in sorted(rows, key=_spoke):
        by_item.setdefault(row.item_id, []).append(row)
    placed = {p.item.id: p for p in agenda.layout(meeting, agenda.items_of(session, meeting))}
    parts = []
    for item_id, spoken in by_item.items():
        table = [["STT", "Người phát biểu", "Nội dung", "Bắt đầu", "Kết thúc"]]
        for number, row in enumerate(spoken, start=1):
            table.append(
                [
                    str(number),
                    row.user.full_name,
                    KIND_TEXT[row.kind],
                    local_time(row.started_at),
                    local_time(row.stopped_at),
                ]
            )
        parts.append(
            RecordPart(
                order=30,
                heading="Ý kiến phát biểu",
                table=table,
                item_id=item_id if item_id in placed else None,
                data={"speakers": [row.user_id for row in spoken]},
            )
        )
    return parts


register_builder("speakers", record)
