"""Telling people something: a notification in VanThu (the bell) and, for those with an address,
an e-mail that waits in the outbox until `send_pending` hands it to the SMTP server, once.

`notify` writes in the caller's transaction and sends nothing: a slow or absent mail server never
holds a request, and a rolled-back request sends no mail. `send_pending` drains the outbox with
retries and backoff: every minute as a periodic job of the queue (`send_due`, registered by the app
factory), or at once with `vanthu mail send`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.errors import NotificationNotFound
from accounts.models import MailStatus, OutgoingMail, User, UserNotification
from accounts.notification_subjects import localized_params
from audit import record_event
from core.db import utcnow
from core.errors import N_
from core.i18n import translate
from core.mail import Letter, Mailer, MailError
from core.security import is_safe_next

logger = logging.getLogger(__name__)

#: Attempts before a letter is given up; with the backoff below they span about two hours.
MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
#: A letter claimed longer ago than this belongs to a sender that stopped while sending.
CLAIM_LEASE = timedelta(minutes=15)
#: Letters one sender claims at a time.
BATCH_SIZE = 100
#: How many notifications the list shows.
LIST_LIMIT = 100

INTERRUPTED = "the sender stopped while sending; not sent again, so that it is never sent twice"


@dataclass(frozen=True)
class Notified:
    """What `notify` did: notifications stored, letters queued, people without an address, and
    whether e-mail was asked for at all (off when VANTHU_SMTP_URL is unset)."""

    notified: int
    emails_queued: int
    without_address: int
    email_enabled: bool = True


def notify(
    session: Session,
    users: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    link: str | None = None,
    *,
    email: bool = True,
    params: Mapping[str, str] | None = None,
    actor: User | None = None,
    site_url: str | None = None,
    calendar: str | None = None,
    subject: tuple[str, int] | None = None,
    action: str | None = None,
) -> Notified:
    """Notify each active user in ``users`` in VanThu and, with ``email``, queue a letter to each
    who has an address. ``title`` and ``body`` are English message ids marked with ``N_`` whose
    ``%(name)s`` placeholders ``params`` fills; each reader sees them in their language, and the
    letter gives them in Vietnamese, then English. ``link`` is a path in VanThu; letters give it
    after ``site_url`` (e.g. "https://vanthu.cantho.gov.vn"). ``calendar``, an iCalendar object,
    goes with each letter as text/calendar. Nothing is committed here.

    ``subject`` (e.g. ("document", 12)) says what it is about: the list hides its title from
    those who may no longer open it. With ``action`` it asks for something, until
    `notification_subjects.clear` marks it done; asking a person again while their notification
    is live refreshes that one (a letter only if they had read it) instead of adding another.
    """
    if link is not None and not is_safe_next(link):
        raise ValueError("a notification links to a path inside VanThu")
    if action is not None and subject is None:
        raise ValueError("an action notification names its subject")
    values = {str(k): str(v) for k, v in (params or {}).items()}
    recipients = list({user.id: user for user in users if user.active}.values())
    live = _live_actions(session, recipients, subject, action)
    notes: list[UserNotification] = []
    to_write: list[tuple[User, UserNotification]] = []
    for user in recipients:
        note = live.get(user.id)
        # Someone who has not read the live one yet gets no second letter.
        write = note is None or note.read_at is not None
        if note is None:
            note = UserNotification(user_id=user.id, action=action)
            note.subject_kind, note.subject_id = subject or (None, None)
            session.add(note)
        note.kind, note.title, note.body, note.params, note.link = kind, title, body, values, link
        note.created_at, note.read_at = utcnow(), None
        notes.append(note)
        if write:
            to_write.append((user, note))
    session.flush()
    queued = 0
    if email:
        now = utcnow()
        heading, text = compose_letter(title, body, values, _absolute(site_url, link))
        letters = [
            OutgoingMail(
                user_id=user.id,
                notification_id=note.id,
                kind=kind,
                to_address=user.email,
                to_name=user.full_name,
                subject=heading,
                text=text,
                calendar=calendar,
                next_attempt_at=now,
            )
            for user, note in to_write
            if user.email
        ]
        session.add_all(letters)
        queued = len(letters)
    with_address = sum(1 for user in recipients if user.email)
    record_event(
        session,
        "accounts:notification:sent",
        actor=actor,
        subject={"kind": kind, **({subject[0]: subject[1]} if subject else {})},
        details={
            "recipients": sorted(user.id for user in recipients),
            "emails_queued": queued,
            **({"action": action} if action else {}),
        },
    )
    return Notified(len(notes), queued, len(recipients) - with_address, email)


def _live_actions(
    session: Session, users: list[User], subject: tuple[str, int] | None, action: str | None
) -> dict[int, UserNotification]:
    """The users' live notifications asking for ``action`` on ``subject``, by user."""
    if action is None or subject is None or not users:
        return {}
    return {
        note.user_id: note
        for note in session.scalars(
            sa.select(UserNotification).where(
                UserNotification.user_id.in_([user.id for user in users]),
                UserNotification.subject_kind == subject[0],
                UserNotification.subject_id == subject[1],
                UserNotification.action == action,
                UserNotification.done_at.is_(None),
            )
        )
    }


def _absolute(site_url: str | None, link: str | None) -> str | None:
    if link is None or not site_url:
        return None
    return site_url.rstrip("/") + link


def compose_letter(
    title: str, body: str, params: Mapping[str, str], url: str | None
) -> tuple[str, str]:
    """Subject and text of a letter: Vietnamese first, then English."""
    parts: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    for locale in ("vi", "en"):
        values = localized_params(params, locale)
        titles[locale] = translate(title, locale, values)
        section = [titles[locale]]
        if body:
            section.append(translate(body, locale, values))
        if url:
            section.append(translate(N_("Open in VanThu: %(url)s"), locale, {"url": url}))
        else:
            section.append(translate(N_("Sign in to VanThu to see it."), locale))
        parts[locale] = section
    subject = titles["vi"] if titles["vi"] == titles["en"] else f"{titles['vi']} / {titles['en']}"
    footer = " / ".join(
        dict.fromkeys(
            translate(N_("VanThu sent this message by itself; please do not reply."), locale)
            for locale in ("vi", "en")
        )
    )
    text = "\n\n".join(["\n\n".join(parts["vi"]), "—", "\n\n".join(parts["en"]), "—", footer])
    return subject, text + "\n"


# --- reading one's notifications ---------------------------------------------------------------


def unread_count(session: Session, user: User) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(UserNotification)
            .where(
                UserNotification.user_id == user.id,
                UserNotification.read_at.is_(None),
                UserNotification.done_at.is_(None),
            )
        )
        or 0
    )


def notifications_of(
    session: Session, user: User, limit: int = LIST_LIMIT
) -> list[UserNotification]:
    """The user's own notifications, newest first."""
    return list(
        session.scalars(
            sa.select(UserNotification)
            .where(UserNotification.user_id == user.id)
            .order_by(UserNotification.created_at.desc(), UserNotification.id.desc())
            .limit(limit)
        )
    )


def mark_read(session: Session, user: User, notification_id: int) -> UserNotification:
    """Mark one of the user's own notifications read; someone else's is not found."""
    note = session.get(UserNotification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotificationNotFound(
            N_("This notification does not exist or is not yours."),
            notification_id=notification_id,
        )
    if note.read_at is None:
        note.read_at = utcnow()
    return note


def mark_all_read(session: Session, user: User) -> int:
    result = session.execute(
        sa.update(UserNotification)
        .where(UserNotification.user_id == user.id, UserNotification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- the outbox --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _Claimed:
    id: int
    user_id: int
    kind: str
    to_address: str
    to_name: str
    subject: str
    text: str
    calendar: str | None
    attempts: int


def send_pending(
    session: Session,
    mailer: Mailer,
    *,
    now: datetime | None = None,
    limit: int = BATCH_SIZE,
    max_attempts: int = MAX_ATTEMPTS,
) -> SendReport:
    """Send the letters that are due, at most ``limit`` of them, and commit what happened.

    Each letter is claimed in a short transaction of its own (PostgreSQL: rows locked with SKIP
    LOCKED, so two senders take different letters; SQLite: the write lock), handed to the server
    after that commit, and its outcome committed at once. A claimed letter is never claimed
    again: a sender that stops half-way leaves it failed (sent or not, it cannot know) rather
    than risk sending it twice.
    """
    now = now or utcnow()
    failed = _give_up_interrupted(session, now)
    claimed = _claim(session, now, limit)
    if not claimed:
        report = SendReport(failed=failed)
        _log(report)
        return report
    sent = retrying = 0
    try:
        with mailer.connect() as connection:
            for letter in claimed:
                try:
                    connection.send(_letter(letter, mailer.domain))
                except MailError as error:
                    if _record_failure(session, letter, error, now, max_attempts):
                        failed += 1
                    else:
                        retrying += 1
                else:
                    _record_sent(session, letter)
                    sent += 1
    except MailError as error:  # the server could not be reached: every letter waits
        for letter in claimed:
            if _record_failure(session, letter, error, now, max_attempts):
                failed += 1
            else:
                retrying += 1
    report = SendReport(sent, retrying, failed)
    _log(report)
    return report


def _log(report: SendReport) -> None:
    if report != SendReport():
        # Counts only: never an address or a name.
        logger.info(
            "mail outbox: %d sent, %d to retry, %d failed",
            report.sent,
            report.retrying,
            report.failed,
        )


def _claim(session: Session, now: datetime, limit: int) -> list[_Claimed]:
    due = (
        sa.select(OutgoingMail.id)
        .where(OutgoingMail.status == MailStatus.PENDING, OutgoingMail.next_attempt_at <= now)
        .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.id.in_(due), OutgoingMail.status == MailStatus.PENDING)
        .values(
            status=MailStatus.SENDING,
            claimed_at=now,
            attempts=OutgoingMail.attempts + 1,
        )
        .returning(
            OutgoingMail.id,
            OutgoingMail.user_id,
            OutgoingMail.kind,
            OutgoingMail.to_address,
            OutgoingMail.to_name,
            OutgoingMail.subject,
            OutgoingMail.text,
            OutgoingMail.calendar,
            OutgoingMail.attempts,
        )
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    return sorted((_Claimed(**row._asdict()) for row in rows), key=lambda letter: letter.id)


def _letter(letter: _Claimed, domain: str) -> Letter:
    return Letter(
        to_address=letter.to_address,
        to_name=letter.to_name,
        subject=letter.subject,
        text=letter.text,
        message_id=f"<vanthu.mail.{letter.id}@{domain}>",
        calendar=letter.calendar,
    )


def _record_sent(session: Session, letter: _Claimed) -> None:
    session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.id == letter.id)
        .values(status=MailStatus.SENT, sent_at=utcnow(), last_error=None)
        .execution_options(synchronize_session=False)
    )
    record_event(
        session,
        "accounts:mail:sent",
        actor=None,
        subject={"mail": letter.id, "user": letter.user_id},
        details={"kind": letter.kind, "attempts": letter.attempts},
    )
    session.commit()


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 1, 2, 4, ... minutes, at most an hour."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


def _record_failure(
    session: Session, letter: _Claimed, error: MailError, now: datetime, max_attempts: int
) -> bool:
    """Put the letter back for later, or give it up; True when given up."""
    give_up = error.permanent or letter.attempts >= max_attempts
    values: dict[str, Any] = {"last_error": error.reason[:255]}
    if give_up:
        values["status"] = MailStatus.FAILED
    else:
        values["status"] = MailStatus.PENDING
        values["next_attempt_at"] = now + retry_delay(letter.attempts)
    session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.id == letter.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if give_up:
        _record_given_up(session, letter.id, letter.user_id, letter.kind, error.reason)
    session.commit()
    return give_up


def _record_given_up(session: Session, mail_id: int, user_id: int, kind: str, reason: str) -> None:
    record_event(
        session,
        "accounts:mail:failed",
        actor=None,
        subject={"mail": mail_id, "user": user_id},
        details={"kind": kind, "reason": reason[:255]},
    )


def _give_up_interrupted(session: Session, now: datetime) -> int:
    rows = session.execute(
        sa.update(OutgoingMail)
        .where(
            OutgoingMail.status == MailStatus.SENDING,
            OutgoingMail.claimed_at < now - CLAIM_LEASE,
        )
        .values(status=MailStatus.FAILED, last_error=INTERRUPTED)
        .returning(OutgoingMail.id, OutgoingMail.user_id, OutgoingMail.kind)
        .execution_options(synchronize_session=False)
    ).all()
    for mail_id, user_id, kind in rows:
        _record_given_up(session, mail_id, user_id, kind, INTERRUPTED)
    session.commit()
    return len(rows)


#: How often the queue's periodic job drains the outbox (`send_due`).
SEND_EVERY_MINUTES = 1


def send_due(mailer: Mailer | None, session: Session, *, now: datetime | None = None) -> SendReport:
    """The queue's periodic job: send what is due, when e-mail is on.

    It may run in several workers at once (or beside `vanthu mail send`): each letter is claimed
    by one of them only (`send_pending`), so none is sent twice; a failed one waits for the
    backoff and a later run."""
    if mailer is None:
        return SendReport()
    return send_pending(session, mailer, now=now)


def outbox_counts(session: Session) -> dict[MailStatus, int]:
    """How many letters are in each state, for `vanthu mail status`."""
    counts = dict.fromkeys(MailStatus, 0)
    for status, count in session.execute(
        sa.select(OutgoingMail.status, sa.func.count()).group_by(OutgoingMail.status)
    ):
        counts[MailStatus(status)] = count
    return counts
