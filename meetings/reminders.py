"""Reminding the invited people before a meeting (e.g. a day and an hour before), once each.

A periodic job of the queue (core/jobs.py) calls `send_due` every few minutes with the time; no
thread waits for the moment. Each reminder sent is a row (meeting, person, lead) under a unique
constraint, so a reminder is never sent twice, whatever runs again. A meeting published late gets
only the reminder its nearness calls for: published 30 minutes before, the one-hour reminder,
never the one-day one as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts import notifications
from accounts.models import User
from audit import record_event
from core.db import dialect_insert
from core.errors import N_
from meetings import invitations
from meetings.models import Meeting, MeetingStatus, ReminderSent

#: How often the job runs; a reminder goes out at most this late.
EVERY_MINUTES = 5


@dataclass(frozen=True)
class Sent:
    meetings: int
    people: int


def leads_in_minutes(hours: Sequence[float]) -> list[int]:
    """The configured leads (VANTHU_MEETING_REMINDER_HOURS) in minutes, shortest first."""
    return sorted({max(1, round(h * 60)) for h in hours})


def send_due(
    session: Session,
    now: datetime,
    leads: Sequence[int],
    *,
    email: bool,
    site_url: str | None = None,
) -> Sent:
    """Remind the people of every published meeting starting within the longest lead of ``now``
    of the shortest lead it is within, unless they were reminded at that lead or a shorter one.
    Writes in ``session``; the caller commits."""
    leads = sorted(leads)
    if not leads:
        return Sent(0, 0)
    meetings = list(
        session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.status == MeetingStatus.PUBLISHED,
                Meeting.cancelled_at.is_(None),
                Meeting.starts_at > now,
                Meeting.starts_at <= now + timedelta(minutes=leads[-1]),
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )
    reminded = 0
    touched = 0
    for meeting in meetings:
        left = meeting.starts_at - now
        lead = next(m for m in leads if left <= timedelta(minutes=m))
        people = _not_yet_reminded(session, meeting, lead, now)
        if not people:
            continue
        touched += 1
        reminded += len(people)
        notifications.notify(
            session,
            people,
            "meeting_reminder",
            N_("Reminder: %(title)s"),
            N_("The meeting starts %(when)s, %(where)s."),
            f"/meetings/{meeting.id}",
            email=email,
            params={
                "title": meeting.title,
                "when": invitations.when(meeting),
                "where": invitations.where(meeting),
            },
            site_url=site_url,
            subject=("meeting", meeting.id),
        )
        record_event(
            session,
            "meetings:reminder:send",
            actor=None,
            subject={"meeting": meeting.id},
            details={"lead_minutes": lead, "people": sorted(p.id for p in people)},
        )
    return Sent(touched, reminded)


def _not_yet_reminded(session: Session, meeting: Meeting, lead: int, now: datetime) -> list[User]:
    """Claim this reminder for each invited person not reminded at ``lead`` or nearer: the rows
    inserted now (one statement, conflicts skipped) are the people to remind."""
    invited = invitations.people(session, meeting)
    already = set(
        session.scalars(
            sa.select(ReminderSent.user_id).where(
                ReminderSent.meeting_id == meeting.id, ReminderSent.lead_minutes <= lead
            )
        )
    )
    due = [person for person in invited if person.id not in already]
    if not due:
        return []
    claimed = set(
        session.scalars(
            dialect_insert(session, ReminderSent)
            .on_conflict_do_nothing(index_elements=["meeting_id", "user_id", "lead_minutes"])
            .returning(ReminderSent.user_id),
            [
                {"meeting_id": meeting.id, "user_id": p.id, "lead_minutes": lead, "sent_at": now}
                for p in due
            ],
        )
    )
    return [person for person in due if person.id in claimed]
