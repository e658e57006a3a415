"""Notifications and their e-mails: stored with the action, sent afterwards by a real SMTP
server on 127.0.0.1, retried, given up with the reason kept, and never sent twice."""

from __future__ import annotations

import logging
import socket
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts import notifications
from accounts.errors import NotificationNotFound
from accounts.models import MailStatus, OutgoingMail, UserNotification
from accounts.notifications import MAX_ATTEMPTS, notify, send_pending
from audit.models import AuditEvent
from core.db import get_engine, utcnow
from core.mail import Mailer, SmtpSettings, parse_sender

SITE = "https://vanthu.haugiang.gov.vn"
#: A message id the Vietnamese catalogue translates ("Xin chào, %(name)s").
TITLE = "Welcome, %(name)s"


def mailer_at(port: int) -> Mailer:
    settings = SmtpSettings(host="127.0.0.1", port=port, security="plain", timeout=10)
    return Mailer(settings, parse_sender("VanThu <vanthu@haugiang.gov.vn>"))


@pytest.fixture
def mailer(mail_server) -> Mailer:
    return mailer_at(mail_server.port)


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def remind(db: Session, users, **options):
    options.setdefault("params", {"name": "Trần Thị Bích"})
    options.setdefault("site_url", SITE)
    return notify(db, users, "test_reminder", TITLE, link="/notifications", **options)


def outbox(db: Session) -> list[OutgoingMail]:
    db.expire_all()
    return list(db.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)))


def events(db: Session, action: str) -> list[AuditEvent]:
    return list(db.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_each_active_person_is_notified_once_and_those_with_an_address_get_a_letter(
    db, make, mail_server
):
    with_address = make.user(email="an.nv@haugiang.gov.vn")
    without = make.user()
    gone = make.user(email="gone@haugiang.gov.vn", active=False)
    result = remind(db, [with_address, without, gone, with_address])
    db.commit()
    assert (result.notified, result.emails_queued, result.without_address) == (2, 1, 1)
    stored = db.scalars(sa.select(UserNotification.user_id).order_by(UserNotification.user_id))
    assert list(stored) == sorted([with_address.id, without.id])
    [letter] = outbox(db)
    assert (letter.user_id, letter.status) == (with_address.id, MailStatus.PENDING)
    assert mail_server.received == []  # queued with the action, sent later
    [event] = events(db, "accounts:notification:sent")
    assert event.details == {
        "recipients": sorted([with_address.id, without.id]),
        "emails_queued": 1,
    }
    assert "@" not in str(event.subject) + str(event.details)


def test_an_action_rolled_back_sends_nothing(db, make, mailer, mail_server):
    remind(db, [make.user(email="an.nv@haugiang.gov.vn")])
    db.rollback()
    assert send_pending(db, mailer) == notifications.SendReport()
    assert mail_server.received == []
    assert db.scalar(sa.select(sa.func.count()).select_from(UserNotification)) == 0


def test_with_email_off_only_the_notification_is_stored(db, make):
    result = remind(db, [make.user(email="an.nv@haugiang.gov.vn")], email=False)
    db.commit()
    assert (result.notified, result.emails_queued) == (1, 0)
    assert outbox(db) == []


@pytest.mark.parametrize("link", ["https://example.com/x", "//example.com/x", "meetings/1"])
def test_a_notification_links_only_inside_vanthu(db, make, link):
    with pytest.raises(ValueError, match="inside VanThu"):
        notify(db, [make.user()], "test_reminder", TITLE, link=link)


def test_the_letter_reaches_the_server_in_vietnamese_then_english(db, make, mailer, mail_server):
    person = make.user(email="bich.tt@haugiang.gov.vn", full_name="Trần Thị Bích")
    remind(db, [person])
    db.commit()
    report = send_pending(db, mailer)
    assert report == notifications.SendReport(sent=1)
    [received] = mail_server.received
    assert received.recipients == ["bich.tt@haugiang.gov.vn"]
    message = received.message
    assert message["To"].addresses[0].display_name == "Trần Thị Bích"
    assert message["Subject"] == "Xin chào, Trần Thị Bích / Welcome, Trần Thị Bích"
    text = received.text
    link = f"Mở trong VanThu: {SITE}/notifications"
    assert text.index("Xin chào, Trần Thị Bích") < text.index(link)
    assert text.index(link) < text.index("Welcome, Trần Thị Bích")
    assert f"Open in VanThu: {SITE}/notifications" in text
    [letter] = outbox(db)
    assert (letter.status, letter.attempts, letter.last_error) == (MailStatus.SENT, 1, None)
    assert letter.sent_at is not None
    assert message["Message-ID"] == f"<vanthu.mail.{letter.id}@haugiang.gov.vn>"
    [event] = events(db, "accounts:mail:sent")
    assert event.subject == {"mail": letter.id, "user": person.id}
    assert send_pending(db, mailer) == notifications.SendReport()  # nothing is sent twice
    assert len(mail_server.received) == 1


def test_without_a_site_address_the_letter_asks_to_sign_in(db, make, mailer, mail_server):
    remind(db, [make.user(email="an.nv@haugiang.gov.vn")], site_url=None)
    db.commit()
    send_pending(db, mailer)
    text = mail_server.received[0].text
    assert "Đăng nhập VanThu để xem." in text and "Sign in to VanThu to see it." in text
    assert "/notifications" not in text


def test_a_refusing_server_is_retried_with_backoff_then_the_letter_fails_and_is_kept(
    db, make, mailer, mail_server
):
    remind(db, [make.user(email="an.nv@haugiang.gov.vn")])
    db.commit()
    mail_server.recorder.refuse_recipients = "451 4.3.0 <an.nv@haugiang.gov.vn> try later"
    now = utcnow()
    for attempt in range(1, MAX_ATTEMPTS):
        assert send_pending(db, mailer, now=now) == notifications.SendReport(retrying=1)
        [letter] = outbox(db)
        wait = notifications.retry_delay(attempt)
        assert (letter.status, letter.attempts) == (MailStatus.PENDING, attempt)
        assert letter.next_attempt_at == now + wait
        assert letter.last_error == "recipient refused (451)"
        # Not due yet: nobody tries it before its time.
        assert send_pending(db, mailer, now=now + wait / 2) == notifications.SendReport()
        now += wait
    assert [notifications.retry_delay(n) for n in (1, 2, 3, 7, 8)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(hours=1),
        timedelta(hours=1),
    ]
    assert send_pending(db, mailer, now=now) == notifications.SendReport(failed=1)
    [letter] = outbox(db)
    assert (letter.status, letter.attempts) == (MailStatus.FAILED, MAX_ATTEMPTS)
    assert letter.last_error == "recipient refused (451)"
    assert letter.to_address == "an.nv@haugiang.gov.vn"  # kept, to be seen and sent again
    [event] = events(db, "accounts:mail:failed")
    assert event.details == {"kind": "test_reminder", "reason": "recipient refused (451)"}
    mail_server.recorder.refuse_recipients = None
    assert send_pending(db, mailer, now=now + timedelta(days=1)) == notifications.SendReport()
    assert mail_server.received == []


def test_a_letter_refused_for_a_while_is_sent_once_the_server_takes_it(
    db, make, mailer, mail_server
):
    remind(db, [make.user(email="an.nv@haugiang.gov.vn")])
    db.commit()
    mail_server.recorder.refuse_recipients = "421 4.7.0 busy"
    now = utcnow()
    send_pending(db, mailer, now=now)
    mail_server.recorder.refuse_recipients = None
    assert send_pending(db, mailer, now=now + timedelta(minutes=1)).sent == 1
    [letter] = outbox(db)
    assert (letter.status, letter.attempts) == (MailStatus.SENT, 2)
    assert len(mail_server.received) == 1


def test_a_recipient_refused_for_good_fails_at_once_and_the_others_are_sent(
    db, make, mailer, mail_server
):
    unknown = make.user(email="nobody@haugiang.gov.vn")
    known = make.user(email="an.nv@haugiang.gov.vn")
    remind(db, [unknown, known])
    db.commit()
    mail_server.recorder.refuse["nobody@haugiang.gov.vn"] = "550 5.1.1 no such user"
    assert send_pending(db, mailer) == notifications.SendReport(sent=1, failed=1)
    assert [r.recipients for r in mail_server.received] == [["an.nv@haugiang.gov.vn"]]
    by_user = {letter.user_id: letter for letter in outbox(db)}
    assert by_user[unknown.id].status == MailStatus.FAILED
    assert by_user[unknown.id].attempts == 1
    assert by_user[known.id].status == MailStatus.SENT


def test_an_unreachable_server_leaves_every_letter_waiting(db, make):
    remind(db, [make.user(email=f"u{n}@haugiang.gov.vn") for n in range(3)])
    db.commit()
    report = send_pending(db, mailer_at(unused_port()))
    assert report == notifications.SendReport(retrying=3)
    assert {(m.status, m.attempts) for m in outbox(db)} == {(MailStatus.PENDING, 1)}
    assert {m.last_error for m in outbox(db)} == {"ConnectionRefusedError: Connection refused"}


def test_a_letter_another_sender_is_sending_is_left_alone_and_never_sent_twice(
    db, make, mailer, mail_server
):
    remind(db, [make.user(email="an.nv@haugiang.gov.vn")])
    db.commit()
    now = utcnow()
    db.execute(
        sa.update(OutgoingMail).values(status=MailStatus.SENDING, claimed_at=now, attempts=1)
    )
    db.commit()
    assert send_pending(db, mailer, now=now) == notifications.SendReport()
    # That sender stopped half-way: whether the server got it is unknown, so it is not resent.
    later = now + notifications.CLAIM_LEASE + timedelta(seconds=1)
    assert send_pending(db, mailer, now=later) == notifications.SendReport(failed=1)
    [letter] = outbox(db)
    assert (letter.status, letter.last_error) == (MailStatus.FAILED, notifications.INTERRUPTED)
    assert mail_server.received == []
    assert len(events(db, "accounts:mail:failed")) == 1


def test_two_senders_at_once_send_each_letter_once(app, db, make, mail_server):
    people = [make.user(email=f"u{n}@haugiang.gov.vn") for n in range(40)]
    remind(db, people)
    db.commit()
    start = threading.Barrier(2)
    reports: list[notifications.SendReport] = []
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            with Session(get_engine(app)) as session:
                start.wait(timeout=30)
                while True:
                    report = send_pending(session, mailer_at(mail_server.port), limit=5)
                    reports.append(report)
                    if report.sent == 0:
                        return
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    ids = [r.message["Message-ID"] for r in mail_server.received]
    assert len(ids) == 40 and len(set(ids)) == 40
    assert sum(report.sent for report in reports) == 40
    assert {(m.status, m.attempts) for m in outbox(db)} == {(MailStatus.SENT, 1)}
    assert len(events(db, "accounts:mail:sent")) == 40


def test_the_log_counts_letters_and_never_names_anyone(db, make, mailer, caplog):
    remind(db, [make.user(email="an.nv@haugiang.gov.vn", full_name="Nguyễn Văn An")])
    db.commit()
    with caplog.at_level(logging.INFO, logger="accounts.notifications"):
        send_pending(db, mailer)
    assert "mail outbox: 1 sent, 0 to retry, 0 failed" in caplog.text
    assert "an.nv" not in caplog.text and "Nguyễn" not in caplog.text


def test_people_mark_their_own_notifications_read_and_no_one_elses(db, make):
    mine, theirs = make.user(), make.user()
    remind(db, [mine, theirs], email=False)
    remind(db, [mine], email=False)
    db.commit()
    assert notifications.unread_count(db, mine) == 2
    first, second = sorted(n.id for n in notifications.notifications_of(db, mine))
    [their_note] = notifications.notifications_of(db, theirs)
    with pytest.raises(NotificationNotFound):
        notifications.mark_read(db, mine, their_note.id)
    with pytest.raises(NotificationNotFound):
        notifications.mark_read(db, mine, 999_999)
    notifications.mark_read(db, mine, first)
    db.commit()
    assert notifications.unread_count(db, mine) == 1
    assert notifications.mark_all_read(db, mine) == 1
    db.commit()
    assert notifications.unread_count(db, mine) == 0
    assert notifications.unread_count(db, theirs) == 1
    assert [n.id for n in notifications.notifications_of(db, mine)] == [second, first]


def test_a_letter_names_the_document_in_both_languages_even_before_it_has_a_number():
    subject, text = notifications.compose_letter(
        "Waiting for your signature: %(number)s",
        "Subject: %(subject)s",
        {"number": "", "subject": "Về việc sắp xếp tổ chức bộ máy"},
        "https://vanthu.test/documents/4",
    )
    assert subject == (
        "Văn bản chờ đồng chí ký số: chưa cấp số / Waiting for your signature: not yet numbered"
    )
    assert "Trích yếu: Về việc sắp xếp tổ chức bộ máy" in text
    assert "Subject: Về việc sắp xếp tổ chức bộ máy" in text


def test_asking_again_for_the_same_action_refreshes_one_notification_and_one_letter(db, make):
    me = make.user(email="bich@haugiang.gov.vn")
    ask = {"subject": ("document", 7), "action": "sign"}
    remind(db, [me], **ask)
    remind(db, [me], **ask)  # not read yet: no second letter
    [note] = db.scalars(sa.select(UserNotification)).all()
    assert len(outbox(db)) == 1
    notifications.mark_read(db, me, note.id)
    remind(db, [me], **ask)  # read since: it is news again
    assert len(outbox(db)) == 2
    assert [n.read_at for n in db.scalars(sa.select(UserNotification))] == [None]
    assert notifications.unread_count(db, me) == 1
