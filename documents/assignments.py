"""Assignments: a received document is given to a lead and cooperators to handle by a deadline."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from accounts.models import Role, User
from audit import record_event
from core.db import utcnow
from core.errors import N_
from documents import access, errors
from documents.circulation import refuse_if_recalled
from documents.models import (
    Assignment,
    AssignmentCooperator,
    AssignmentState,
    Direction,
    Document,
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
    lead_id: int,
    cooperator_ids: Iterable[int] = (),
    deadline: date | None = None,
    instructions: str = "",
    today: date,
) -> Assignment:
    """A clerk or leader of a unit that received the document gives it to people of that unit
    to handle.

    Assigning grants nothing: everyone assigned must already be allowed to open the document,
    and finds the task on their tasks page.
    """
    if not may_assign(actor) or not _received_by(session, document, actor.unit_id):
        raise errors.NotAllowed(
            N_("Only the clerks or leaders of a unit that received this document can assign it."),
            document=document.id,
        )
    if deadline is not None and deadline < today:
        raise errors.InvalidDocument(N_("The deadline cannot be in the past."))
    refuse_if_recalled(document)
    cooperators = set(cooperator_ids) - {lead_id}
    people = list(
        session.scalars(sa.select(User).where(User.id.in_({lead_id, *cooperators}), User.active))
    )
    if len(people) != len(cooperators) + 1:
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
    assignment = Assignment(
        document_id=document.id,
        unit_id=actor.unit_id,
        lead_id=lead_id,
        assigned_by_id=actor.id,
        deadline=deadline,
        instructions=instructions.strip()[:1000],
        cooperators=[AssignmentCooperator(user_id=uid) for uid in sorted(cooperators)],
    )
    session.add(assignment)
    session.flush()
    record_event(
        session,
        "documents:assignment:create",
        actor=actor,
        subject={"document": document.id, "assignment": assignment.id},
        details={
            "lead": lead_id,
            "cooperators": sorted(cooperators),
            "deadline": deadline.isoformat() if deadline else None,
        },
    )
    return assignment


def _received_by(session: Session, document: Document, unit_id: int) -> bool:
    """The unit received the document: sent to it, or registered by it as incoming."""
    if document.direction is Direction.INCOMING:
        return document.unit_id == unit_id
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


def get_assignment(session: Session, assignment_id: int) -> Assignment:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise errors.DocumentNotFound(N_("This assignment does not exist."))
    return assignment


def report_progress(
    session: Session, actor: User, assignment: Assignment, state: AssignmentState, note: str
) -> None:
    """The lead reports progress; "done" closes the assignment."""
    if actor.id != assignment.lead_id:
        raise errors.NotAllowed(N_("Only the person leading this task can report progress."))
    assignment.state = state
    assignment.progress_note = note.strip()[:1000]
    assignment.completed_at = utcnow() if state is AssignmentState.DONE else None
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
        .options(joinedload(Assignment.document), joinedload(Assignment.lead))
        .where(
            sa.or_(
                Assignment.lead_id == user.id,
                Assignment.assigned_by_id == user.id,
                sa.exists().where(
                    AssignmentCooperator.assignment_id == Assignment.id,
                    AssignmentCooperator.user_id == user.id,
                ),
                sa.and_(Assignment.unit_id == user.unit_id, sa.literal(may_assign(user))),
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
