"""Conclusions (kết luận) per agenda item, typed by the secretary or the chair during or after
the meeting; with an owner and a due date each becomes a task once the minutes are sealed.

Every change carries the version its form was drawn from (a stale one is refused, nothing is
overwritten), is audited and announced to the meeting room as ``minutes.changed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from accounts.models import Unit, User
from audit import record_event
from core.clock import VIETNAM
from core.db import utcnow
from core.errors import N_
from documents.assignment_models import Assignment, AssignmentState
from documents.models import Document, Status
from meetings import access
from meetings.errors import BadConclusion, StaleConclusion, WrongState
from meetings.models import AgendaItem, Meeting, MeetingStatus
from meetings.room.events import announce
from meetings.room.models import Conclusion, MeetingMinutes

TEXT_MAX_LENGTH = 4000
#: A conclusion is typed while the meeting runs or after it, until it is archived.
OPEN_STATUSES = (MeetingStatus.PUBLISHED, MeetingStatus.IN_PROGRESS, MeetingStatus.CLOSED)


@dataclass(frozen=True)
class ConclusionData:
    """What the secretary types for one item."""

    text: str
    owner_user_id: int | None = None
    owner_unit_id: int | None = None
    due_on: date | None = None


def conclude(
    session: Session,
    actor: User,
    meeting: Meeting,
    item_id: int,
    data: ConclusionData,
    *,
    expected_version: int,
) -> Conclusion:
    """Write the conclusion of an item; ``expected_version`` is 0 for a first one."""
    access.refuse_unless_manager(actor, meeting)
    item = access.get_item(session, actor, meeting, item_id)
    if meeting.status not in OPEN_STATUSES or meeting.cancelled_at is not None:
        raise WrongState(N_("Conclusions are written while the meeting runs or after it."))
    if issued(session, meeting):
        raise WrongState(N_("The minutes were issued: their conclusions can no longer change."))
    text = _check(session, meeting, data)
    values = {
        "text": text,
        "owner_user_id": data.owner_user_id,
        "owner_unit_id": data.owner_unit_id,
        "due_on": data.due_on,
        "updated_by_id": actor.id,
        "updated_at": utcnow(),
    }
    row = session.scalar(sa.select(Conclusion).where(Conclusion.item_id == item.id))
    if row is None:
        if expected_version != 0:
            raise _stale()
        row = Conclusion(meeting_id=meeting.id, item_id=item.id, version=1, **values)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # another secretary wrote the first one at the same moment
            raise _stale() from None
    else:
        result = session.execute(
            sa.update(Conclusion)
            .where(Conclusion.id == row.id, Conclusion.version == expected_version)
            .values(version=Conclusion.version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise _stale()
        session.refresh(row)
    announce(
        session,
        meeting.id,
        "minutes.changed",
        {"item": item.id, "version": row.version},
        actor_id=actor.id,
    )
    record_event(
        session,
        "meetings:conclusion:update",
        actor=actor,
        subject={"meeting": meeting.id, "item": item.id},
        details={
            "version": row.version,
            "owner_user": row.owner_user_id,
            "owner_unit": row.owner_unit_id,
            "due_on": row.due_on.isoformat() if row.due_on else None,
        },
    )
    return row


def _stale() -> StaleConclusion:
    return StaleConclusion(
        N_(
            "Someone else changed this conclusion while you were editing it. Nothing was "
            "saved: reload the page to see their change, then try again."
        )
    )


def _check(session: Session, meeting: Meeting, data: ConclusionData) -> str:
    text = data.text.strip()
    if not text:
        raise BadConclusion(N_("Write the conclusion."))
    if len(text) > TEXT_MAX_LENGTH:
        raise BadConclusion(
            N_("The conclusion is too long; it may have at most %(max)s characters."),
            max=TEXT_MAX_LENGTH,
        )
    if data.owner_user_id is not None and data.owner_unit_id is not None:
        raise BadConclusion(N_("Give the task to one person or one unit, not both."))
    if data.owner_user_id is not None:
        owner = session.get(User, data.owner_user_id)
        if owner is None or not owner.active:
            raise BadConclusion(N_("The chosen person does not exist."))
    if data.owner_unit_id is not None and session.get(Unit, data.owner_unit_id) is None:
        raise BadConclusion(N_("The chosen unit does not exist."))
    has_owner = data.owner_user_id is not None or data.owner_unit_id is not None
    if data.due_on is not None and not has_owner:
        raise BadConclusion(N_("A due date needs someone to carry the task out."))
    if data.due_on is not None and data.due_on < meeting.starts_at.astimezone(VIETNAM).date():
        raise BadConclusion(N_("The due date cannot be before the meeting."))
    return text


def of_meeting(session: Session, meeting: Meeting) -> dict[int, Conclusion]:
    """The meeting's conclusions by item id."""
    rows = session.scalars(sa.select(Conclusion).where(Conclusion.meeting_id == meeting.id))
    return {row.item_id: row for row in rows}


def issued(session: Session, meeting: Meeting) -> bool:
    """Whether a Biên bản or Thông báo kết luận of the meeting was issued (sealed)."""
    return bool(
        session.scalar(
            sa.select(
                sa.exists().where(
                    MeetingMinutes.meeting_id == meeting.id,
                    Document.id == MeetingMinutes.document_id,
                    Document.status != Status.DRAFT,
                )
            )
        )
    )


@dataclass(frozen=True)
class Overdue:
    """A conclusion of an earlier meeting of the series whose task is late."""

    meeting: Meeting
    item: AgendaItem
    conclusion: Conclusion
    due_on: date
    owner: str
    state: AssignmentState


def overdue_before(session: Session, user: User, meeting: Meeting, today: date) -> list[Overdue]:
    """Conclusions of the series' earlier meetings, due before ``today`` and not done, on items
    ``user`` may see; the oldest due first."""
    if meeting.series_id is None:
        return []
    earlier = aliased(Meeting)
    due = sa.func.coalesce(Assignment.deadline, Conclusion.due_on)
    rows = session.execute(
        sa.select(earlier, AgendaItem, Conclusion, due, User.full_name, Unit.name, Assignment.state)
        .join(Conclusion, Conclusion.meeting_id == earlier.id)
        .join(AgendaItem, AgendaItem.id == Conclusion.item_id)
        .outerjoin(Assignment, Assignment.id == Conclusion.assignment_id)
        .outerjoin(User, User.id == Conclusion.owner_user_id)
        .outerjoin(Unit, Unit.id == Conclusion.owner_unit_id)
        .where(
            earlier.series_id == meeting.series_id,
            earlier.starts_at < meeting.starts_at,
            due < today,
            sa.or_(Assignment.id.is_(None), Assignment.state != AssignmentState.DONE),
            access.item_visible_to(user, AgendaItem),
        )
        .order_by(due, Conclusion.id)
    ).all()
    return [
        Overdue(
            meeting=row[0],
            item=row[1],
            conclusion=row[2],
            due_on=row[3],
            owner=row[4] or row[5] or "",
            state=row[6] or AssignmentState.PENDING,
        )
        for row in rows
    ]
