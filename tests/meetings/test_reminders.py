"""Reminders before a meeting: sent by a periodic job of the queue, once per person and lead,
with a fixed clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from accounts.models import OutgoingMail, UserNotification
from audit.models import AuditEvent
from core import jobs
from core.storage import StagedBlobs
from meetings import meetings, reminders
from meetings.models import ReminderSent
from tests.meetings.conftest import START, invite, new_meeting, publish, sending

LEADS = reminders.leads_in_minutes((24, 1))


def _reminded(db):
    return sorted(
        db.scalars(
            sa.select(UserNotification.user_id).where(UserNotification.kind == "meeting_reminder")
        )
    )


def _run(db, at):
    sent = reminders.send_due(db, at, LEADS, email=True, site_url="https://vanthu.test")
    db.commit()
    return sent


def _published(db, office):
    office.home_a.email = "a.snv@haugiang.test"
    db.commit()
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a", "home_b")
    publish(db, office, meeting)
    return meeting


def test_a_day_before_then_an_hour_before_each_once(db, office):
    _published(db, office)
    assert _run(db, START - timedelta(hours=30)).people == 0  # too early
    assert _run(db, START - timedelta(hours=23)).people == 2
    assert _run(db, START - timedelta(hours=22)).people == 0  # already reminded a day before
    assert _run(db, START - timedelta(hours=23)).people == 0  # the same run again
    assert _run(db, START - timedelta(minutes=55)).people == 2
    assert _run(db, START - timedelta(minutes=50)).people == 0
    assert _run(db, START + timedelta(minutes=1)).people == 0  # started: no more
    assert _reminded(db) == sorted([office.home_a.id, office.home_b.id] * 2)
    leads = db.scalars(sa.select(ReminderSent.lead_minutes).order_by(ReminderSent.id)).all()
    assert leads == [1440, 1440, 60, 60]
    letters = db.scalars(
        sa.select(OutgoingMail.user_id).where(OutgoingMail.kind == "meeting_reminder")
    ).all()
    assert letters == [office.home_a.id, office.home_a.id]  # home_b has no address
    events = db.scalars(
        sa.select(AuditEvent.details).where(AuditEvent.action == "meetings:reminder:send")
    ).all()
    assert [e["lead_minutes"] for e in events] == [1440, 60]


def test_a_meeting_published_late_gets_only_the_nearest_reminder(db, office):
    _published(db, office)
    assert _run(db, START - timedelta(minutes=30)).people == 2
    assert _run(db, START - timedelta(minutes=20)).people == 0
    leads = set(db.scalars(sa.select(ReminderSent.lead_minutes)))
    assert leads == {60}


def test_drafts_and_cancelled_meetings_are_not_reminded(db, office):
    draft = new_meeting(db, office, title="Dự thảo")
    invite(db, office, draft, "home_a")
    cancelled = _published(db, office)
    with StagedBlobs(office.blobs) as staged:
        meetings.cancel(db, office.clerk, cancelled, sending(staged))
        db.commit()
    assert _run(db, START - timedelta(hours=2)).people == 0


def test_the_reminder_job_is_a_periodic_task_of_the_queue(app):
    huey = jobs._queue(app).huey
    due = {t.name for t in huey.read_periodic(datetime(2026, 12, 4, 7, 35))}
    assert "vanthu.periodic.meeting_reminders" in due
    assert "vanthu.periodic.meeting_reminders" not in {
        t.name for t in huey.read_periodic(datetime(2026, 12, 4, 7, 36))
    }
