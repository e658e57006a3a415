"""The outbox is sent by the queue: a periodic Huey task every minute, through a real SMTP server
on loopback; two workers running it at once send each letter once; a refused letter waits for
its backoff and goes with a later run."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from accounts import notifications
from accounts.models import MailStatus, OutgoingMail
from core import jobs
from core.db import utcnow

TASK = "vanthu.periodic.mail_outbox"


@pytest.fixture
def app_config(mail_server):
    return {
        "SMTP_URL": f"smtp://127.0.0.1:{mail_server.port}",
        "MAIL_FROM": "VanThu <vanthu@haugiang.gov.vn>",
    }


def _queue_letters(db, make, count):
    people = [make.user(email=f"u{n}@haugiang.gov.vn") for n in range(count)]
    notifications.notify(db, people, "test_reminder", "Welcome, %(name)s", params={"name": "An"})
    db.commit()


def _outbox_task(app):
    """The outbox task as the consumer's scheduler would enqueue it at 07:31 on a fixed day."""
    huey = jobs._queue(app).huey
    (task,) = [t for t in huey.read_periodic(datetime(2026, 12, 4, 7, 31)) if t.name == TASK]
    return huey, task


def _statuses(db):
    db.expire_all()
    return [m.status for m in db.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id))]


def test_the_queue_sends_the_outbox_every_minute(app, db, make, mail_server):
    huey = jobs._queue(app).huey
    for minute in (0, 1, 37):
        names = {t.name for t in huey.read_periodic(datetime(2026, 12, 4, 7, minute))}
        assert TASK in names
    _queue_letters(db, make, 3)
    huey, task = _outbox_task(app)
    huey.execute(task)
    assert sorted(r.recipients[0] for r in mail_server.received) == [
        "u0@haugiang.gov.vn",
        "u1@haugiang.gov.vn",
        "u2@haugiang.gov.vn",
    ]
    assert _statuses(db) == [MailStatus.SENT] * 3
    huey.execute(task)  # nothing is due any more: nothing is sent again
    assert len(mail_server.received) == 3


def test_two_workers_running_it_at_once_send_each_letter_once(app, db, make, mail_server):
    _queue_letters(db, make, 30)
    huey, task = _outbox_task(app)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait(timeout=30)
            huey.execute(task)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    ids = [r.message["Message-ID"] for r in mail_server.received]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert _statuses(db) == [MailStatus.SENT] * 30


def test_a_refused_letter_waits_for_its_backoff_then_goes_with_a_later_run(
    app, db, make, mail_server
):
    _queue_letters(db, make, 1)
    huey, task = _outbox_task(app)
    mail_server.recorder.refuse_recipients = "451 4.3.0 try later"
    before = utcnow()
    huey.execute(task)
    db.expire_all()
    letter = db.scalars(sa.select(OutgoingMail)).one()
    assert (letter.status, letter.attempts) == (MailStatus.PENDING, 1)
    assert letter.next_attempt_at >= before + notifications.FIRST_RETRY
    mail_server.recorder.refuse_recipients = None
    huey.execute(task)  # not due yet: the backoff holds it
    assert mail_server.received == [] and _statuses(db) == [MailStatus.PENDING]
    # The backoff has passed (moved back rather than waiting for it).
    db.execute(sa.update(OutgoingMail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    huey.execute(task)
    assert len(mail_server.received) == 1
    assert _statuses(db) == [MailStatus.SENT]


class TestWithEmailOff:
    @pytest.fixture
    def app_config(self):
        return {}

    def test_the_task_leaves_the_outbox_alone(self, app, db, make):
        _queue_letters(db, make, 1)
        huey, task = _outbox_task(app)
        huey.execute(task)
        assert _statuses(db) == [MailStatus.PENDING]
