"""Watching the deadlines of assignments: a reminder before each one passes, once per threshold.

A periodic job of the queue (core/jobs.py) calls `send_due` with today's date in Vietnam; no
thread waits for the day. The thresholds are days before the deadline (VANTHU_ASSIGNMENT_
REMINDER_DAYS, e.g. 3 and 1). Each reminder sent is a row (assignment, threshold) under a unique
constraint, so it is never sent twice, whatever runs again; an assignment made late gets only the
reminder its nearness calls for. Nothing is sent once the deadline has passed (the tasks page
shows it as overdue) or the task is done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts import notifications
from accounts.models import Role, User, UserRole
from audit import record_event
from core.db import dialect_insert
from core.errors import N_
from documents import access, notices
from documents.models import (
    Assignment,
    AssignmentCooperator,
    AssignmentReminder,
    AssignmentState,
    AssignmentUnit,
    Document,
    Status,
)

#: How often the job runs: at the start of every hour, so a day's reminder goes out early on.
CRONTAB_MINUTE = "0"


@dataclass(frozen=True)
class Sent:
    assignments: int
    people: int


def send_due(
    session: Session,
    today: date,
    days: Sequence[int],
    *,
    now: datetime,
    email: bool,
    site_url: str | None = None,
) -> Sent:
    """Remind the people of every open assignment due within the largest threshold of
    ``today``, at the smallest threshold it is within, unless it was reminded at that threshold
    or a smaller one. Writes in ``session``; the caller commits."""
    thresholds = sorted({d for d in days if d >= 0})
    if not thresholds:
        return Sent(0, 0)
    due = session.execute(
        sa.select(Assignment, Document)
        .join(Document, Document.id == Assignment.document_id)
        .where(
            Assignment.state != AssignmentState.DONE,
            Assignment.deadline >= today,
            Assignment.deadline <= today + timedelta(days=thresholds[-1]),
            Document.status != Status.RECALLED,
        )
        .order_by(Assignment.deadline, Assignment.id)
    ).all()
    touched = reminded = 0
    for assignment, document in due:
        assert assignment.deadline is not None
        left = (assignment.deadline - today).days
        threshold = next(d for d in thresholds if left <= d)
        if not _claim(session, assignment, threshold, now):
            continue
        people = [p for p in _people(session, assignment) if access.can_view(session, p, document)]
        touched += 1
        reminded += len(people)
        notifications.notify(
            session,
            people,
            "assignment_due",
            N_("Due %(deadline)s: %(number)s"),
            N_("A document you handle is due on %(deadline)s: %(subject)s"),
            notices.link(document),
            email=email,
            # A letter leaves VanThu: a confidential subject stays inside (`notices.about`).
            params={
                "deadline": assignment.deadline.strftime("%d/%m/%Y"),
                **notices.about(document),
            },
            site_url=site_url,
            subject=(notices.ASSIGNMENT, assignment.id),
            action=notices.HANDLE,
        )
        record_event(
            session,
            "documents:assignment:remind",
            actor=None,
            subject={"document": document.id, "assignment": assignment.id},
            details={"days_before": threshold, "people": sorted(p.id for p in people)},
        )
    return Sent(touched, reminded)


def _claim(session: Session, assignment: Assignment, threshold: int, now: datetime) -> bool:
    """Take the reminder at ``threshold`` unless it or a nearer one was sent: True if taken."""
    nearer = sa.exists().where(
        AssignmentReminder.assignment_id == assignment.id,
        AssignmentReminder.days_before <= threshold,
    )
    if session.scalar(sa.select(nearer)):
        return False
    claimed = session.scalars(
        dialect_insert(session, AssignmentReminder)
        .on_conflict_do_nothing(index_elements=["assignment_id", "days_before"])
        .returning(AssignmentReminder.id),
        [{"assignment_id": assignment.id, "days_before": threshold, "sent_at": now}],
    ).all()
    return bool(claimed)


def _people(session: Session, assignment: Assignment) -> list[User]:
    """Who handles it: the lead and cooperating people, and the clerks and leaders of the lead
    and cooperating units."""
    units = sa.select(AssignmentUnit.unit_id).where(AssignmentUnit.assignment_id == assignment.id)
    named = sa.select(AssignmentCooperator.user_id).where(
        AssignmentCooperator.assignment_id == assignment.id
    )
    return list(
        session.scalars(
            sa.select(User)
            .where(
                User.active,
                sa.or_(
                    User.id == assignment.lead_id,
                    User.id.in_(named),
                    sa.and_(
                        sa.or_(User.unit_id == assignment.lead_unit_id, User.unit_id.in_(units)),
                        User.role_rows.any(UserRole.role.in_([Role.CLERK, Role.LEADER])),
                    ),
                ),
            )
            .order_by(User.id)
        )
    )
