"""Assignments: a received document is given to a lead and cooperators to handle by a deadline."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from accounts.models import Role, Unit, User
from audit import record_event
from core.db import utcnow
from core.errors import N_
from documents import access, errors, notices
from documents.circulation import refuse_if_recalled
from documents.models import (
    Assignment,
    AssignmentCooperator,
    AssignmentState,
    AssignmentUnit,
    Direction,
    Document,
    Status,
    UnitReceipt,
)
from documents.returns import returned_by_unit


def may_assign(user: User) -> bool:
    """Who hands out their unit's received documents (and so follows its tasks)."""
    return user.has_role(Role.CLERK, Role.LEADER)


def assign(
    session: Session,
    actor: User,
    document: Document,
    *,
    lead_id: int | None = None,
    lead_unit_id: int | None = None,
    cooperator_ids: Iterable[int] = (),
    cooperating_unit_ids: Iterable[int] = (),
    deadline: date | None = None,
    instructions: str = "",
    today: date,
) -> Assignment:
    """A clerk or leader of a unit that received the document gives it to handle: to a lead
    person of that unit or a lead unit (đơn vị chủ trì), with cooperating people and units.

    The deadline is the document's own due date unless an earlier one is given. Assigning
    grants nothing: every person assigned must already be allowed to open the document, and
    every unit must have received it (and not returned it); they find it on their tasks page.
    """
    if not may_assign(actor) or not _received_by(session, document, actor.unit_id):
        raise errors.NotAllowed(
            N_("Only the clerks or leaders of a unit that received this document can assign it."),
            document=document.id,
        )
    if (lead_id is None) == (lead_unit_id is None):
        raise errors.InvalidDocument(N_("Choose who leads: one person or one unit."))
    deadline = _deadline(document, deadline, today)
    refuse_if_recalled(document)
    cooperators = set(cooperator_ids) - {lead_id}
    if lead_id is not None or cooperators:
        _check_people(session, actor, document, {*cooperators, *([lead_id] if lead_id else [])})
    units = set(cooperating_unit_ids) - {lead_unit_id}
    if lead_unit_id is not None or units:
        _check_units(session, document, {*units, *([lead_unit_id] if lead_unit_id else [])})
    assignment = Assignment(
        document_id=document.id,
        unit_id=actor.unit_id,
        lead_id=lead_id,
        lead_unit_id=lead_unit_id,
        assigned_by_id=actor.id,
        deadline=deadline,
        instructions=instructions.strip()[:1000],
        cooperators=[AssignmentCooperator(user_id=uid) for uid in sorted(cooperators)],
        cooperating_units=[AssignmentUnit(unit_id=uid) for uid in sorted(units)],
    )
    return _store(
        session, actor, assignment, cooperators=sorted(cooperators), cooperating_units=sorted(units)
    )


def assign_issued(
    session: Session,
    actor: User,
    document: Document,
    *,
    lead_id: int | None = None,
    lead_unit_id: int | None = None,
    deadline: date | None,
    instructions: str = "",
) -> Assignment:
    """The issuing unit follows a task its own issued document gives (a Thông báo kết luận):
    the lead person or unit must already have received the document.

    Done by the clerk who issued it (the seal), so the issuing unit's clerks and leaders see
    the task among those their unit gave; the lead sees it among their own.
    """
    if not (may_assign(actor) and actor.unit_id == document.unit_id):
        raise errors.NotAllowed(
            N_("Only the clerks or leaders of the issuing unit can give its tasks."),
            document=document.id,
        )
    if document.direction is not Direction.OUTGOING or document.status is not Status.ISSUED:
        raise errors.WrongState(N_("Only an issued document gives tasks."))
    if (lead_id is None) == (lead_unit_id is None):
        raise errors.InvalidDocument(N_("Choose who leads: one person or one unit."))
    if lead_id is not None:
        lead = session.get(User, lead_id)
        if lead is None or not lead.active or not access.can_view(session, lead, document):
            raise errors.NotAllowed(
                N_("A task goes only to a person who received the document."),
                document=document.id,
            )
    if lead_unit_id is not None:
        _check_units(session, document, {lead_unit_id})
    assignment = Assignment(
        document_id=document.id,
        unit_id=document.unit_id,
        lead_id=lead_id,
        lead_unit_id=lead_unit_id,
        assigned_by_id=actor.id,
        deadline=deadline,
        instructions=instructions.strip()[:1000],
    )
    return _store(session, actor, assignment, issued=True)


def _store(session: Session, actor: User, assignment: Assignment, **details: Any) -> Assignment:
    """Add the assignment and its audit event (who leads, by when, and ``details``)."""
    session.add(assignment)
    session.flush()
    record_event(
        session,
        "documents:assignment:create",
        actor=actor,
        subject={"document": assignment.document_id, "assignment": assignment.id},
        details={
            "lead": assignment.lead_id,
            "lead_unit": assignment.lead_unit_id,
            "deadline": assignment.deadline.isoformat() if assignment.deadline else None,
            **details,
        },
    )
    return assignment


def _deadline(document: Document, deadline: date | None, today: date) -> date | None:
    """The assignment's deadline: the one given, never after the document's own due date."""
    if deadline is None:
        return document.due_on
    if deadline < today:
        raise errors.InvalidDocument(N_("The deadline cannot be in the past."))
    if document.due_on is not None and deadline > document.due_on:
        raise errors.InvalidDocument(
            N_("The deadline cannot be after the document's own due date (%(due)s)."),
            due=document.due_on.strftime("%d/%m/%Y"),
        )
    return deadline


def _check_people(session: Session, actor: User, document: Document, ids: set[int]) -> None:
    people = list(session.scalars(sa.select(User).where(User.id.in_(ids), User.active)))
    if len(people) != len(ids):
        raise errors.RecipientNotFound(N_("Some of the chosen people do not exist."))
    outsiders = [
        p.id
        for p in people
        if p.unit_id != actor.unit_id or not access.can_view(session, p, document)
    ]
    if outsiders:
        raise errors.NotAllowed(
            N_("A document can be assigned only to people of your unit who may already open it."),
            document=document.id,
            people=sorted(outsiders),
        )


def _check_units(session: Session, document: Document, ids: set[int]) -> None:
    """Every unit exists and holds the document: an assignment sends nothing to anyone."""
    found = set(session.scalars(sa.select(Unit.id).where(Unit.id.in_(ids))))
    if found != ids:
        raise errors.RecipientNotFound(N_("Some of the chosen units do not exist."))
    missing = sorted(u for u in ids if not _received_by(session, document, u))
    if missing:
        raise errors.NotAllowed(
            N_(
                "A unit can be assigned a document only once it has received it: send it to "
                "the unit first."
            ),
            document=document.id,
            units=missing,
        )


def _received_by(session: Session, document: Document, unit_id: int) -> bool:
    """The unit received the document: registered it as incoming, or was sent it (and did
    not return it)."""
    if document.direction is Direction.INCOMING and document.unit_id == unit_id:
        return True
    return bool(
        session.scalar(
            sa.select(
                sa.exists().where(
                    UnitReceipt.document_id == document.id,
                    UnitReceipt.unit_id == unit_id,
                    ~returned_by_unit(document.id, unit_id),
                )
            )
        )
    )


def may_report(user: User, assignment: Assignment) -> bool:
    """The lead person, or the clerks and leaders of the lead unit."""
    if assignment.lead_id is not None:
        return user.id == assignment.lead_id
    return assignment.lead_unit_id == user.unit_id and may_assign(user)


def get_assignment(session: Session, assignment_id: int) -> Assignment:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise errors.DocumentNotFound(N_("This assignment does not exist."))
    return assignment


def report_progress(
    session: Session, actor: User, assignment: Assignment, state: AssignmentState, note: str
) -> None:
    """The lead (or a clerk or leader of the lead unit) reports progress; "done" closes it."""
    if not may_report(actor, assignment):
        raise errors.NotAllowed(N_("Only the person leading this task can report progress."))
    assignment.state = state
    assignment.progress_note = note.strip()[:1000]
    assignment.completed_at = utcnow() if state is AssignmentState.DONE else None
    if state is AssignmentState.DONE:
        notices.handled(session, [assignment.id])
    record_event(
        session,
        "documents:assignment:progress",
        actor=actor,
        subject={"document": assignment.document_id, "assignment": assignment.id},
        details={"state": state.value},
    )


def assignments_for(
    session: Session, user: User, *, overdue_on: date | None = None
) -> list[Assignment]:
    """Tasks the user leads or cooperates on, or that their unit gave; optionally only overdue."""
    statement = (
        sa.select(Assignment)
        .options(
            joinedload(Assignment.document),
            joinedload(Assignment.lead),
            joinedload(Assignment.lead_unit),
        )
        .where(
            sa.or_(
                Assignment.lead_id == user.id,
                Assignment.assigned_by_id == user.id,
                sa.exists().where(
                    AssignmentCooperator.assignment_id == Assignment.id,
                    AssignmentCooperator.user_id == user.id,
                ),
                sa.and_(
                    sa.literal(may_assign(user)),
                    sa.or_(
                        Assignment.unit_id == user.unit_id,
                        Assignment.lead_unit_id == user.unit_id,
                        sa.exists().where(
                            AssignmentUnit.assignment_id == Assignment.id,
                            AssignmentUnit.unit_id == user.unit_id,
                        ),
                    ),
                ),
            ),
            Assignment.document.has(access.visible_to(user)),
        )
        .order_by(Assignment.deadline.is_(None), Assignment.deadline, Assignment.id)
    )
    if overdue_on is not None:
        statement = statement.where(
            Assignment.deadline < overdue_on, Assignment.state != AssignmentState.DONE
        )
    return list(session.scalars(statement).unique())


def to_handle(session: Session, user: User) -> list[Assignment]:
    """Open tasks the user must act on: they lead or cooperate on it, or lead it for their unit;
    those with the nearest deadline first."""
    return [
        a
        for a in assignments_for(session, user)
        if a.state is not AssignmentState.DONE
        and (
            a.lead_id == user.id
            or (a.lead_id is None and may_report(user, a))
            or any(c.user_id == user.id for c in a.cooperators)
        )
    ]
