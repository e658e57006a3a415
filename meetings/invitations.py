"""Inviting people to a meeting: the Giấy mời issued through the documents module, and the
calendar invitation (and its updates and cancellation) notified in VanThu and e-mailed.

Everything here writes in the caller's transaction and sends nothing itself: letters wait in the
outbox (accounts/notifications.py) until the transaction commits and the sender runs, so a
publication that fails half-way leaves no document, no number used, no notification, no letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts import notifications
from accounts.models import User
from audit import record_event
from core.clock import VIETNAM
from core.errors import N_
from core.storage import StagedBlobs
from documents import circulation, drafting, numbering
from documents.decree30 import SUBJECT_MAX_LENGTH, DocType
from documents.models import Document
from meetings import calendar
from meetings.errors import WrongState
from meetings.models import (
    AgendaItem,
    Invitation,
    ItemKind,
    Meeting,
    Participant,
)


@dataclass(frozen=True)
class Sending:
    """What inviting needs from the app, passed in by the caller (views, demo, tests)."""

    blobs: StagedBlobs
    documents: drafting.Settings
    site: calendar.Site
    #: Whether e-mail is on (VANTHU_SMTP_URL); off, people are notified in VanThu only.
    email: bool
    #: The Giấy mời's date, in Vietnam.
    today: date
    now: datetime


def people(session: Session, meeting: Meeting) -> list[User]:
    """The active people invited now: each participant with an account, and the person they
    sent in their place, by name."""
    rows = session.scalars(
        sa.select(User)
        .join(
            Participant,
            sa.or_(User.id == Participant.user_id, User.id == Participant.representative_id),
        )
        .where(
            Participant.meeting_id == meeting.id,
            Participant.removed_at.is_(None),
            User.active,
        )
        .order_by(User.full_name, User.id)
    ).unique()
    return list(dict.fromkeys(rows))


def invite(session: Session, actor: User, meeting: Meeting, sending: Sending) -> Invitation:
    """Issue the Giấy mời and send it to every invited person; then the calendar invitation.

    Called by `meetings.meetings.publish`, in its transaction.
    """
    invited = people(session, meeting)
    if not invited:
        raise WrongState(
            N_("None of the invited people can receive the invitation: invite active people.")
        )
    document = _giay_moi(session, actor, meeting, sending, invited)
    invitation = Invitation(meeting_id=meeting.id, document_id=document.id, sealed=False)
    session.add(invitation)
    session.flush()
    notified = _notify(
        session,
        actor,
        meeting,
        sending,
        invited,
        kind="meeting_invitation",
        title=N_("Invitation: %(title)s"),
        body=N_("%(title)s, %(when)s, %(where)s. Invitation %(number)s."),
        number=document.number_symbol or "",
    )
    record_event(
        session,
        "meetings:invitation:send",
        actor=actor,
        subject={"meeting": meeting.id, "document": document.id},
        details={
            "number_symbol": document.number_symbol,
            "people": len(invited),
            "emails_queued": notified.emails_queued,
            "sealed": False,
            "sequence": meeting.calendar_sequence,
        },
    )
    return invitation


def send_update(session: Session, actor: User, meeting: Meeting, sending: Sending) -> None:
    """The meeting's time or place changed after publishing: the calendar invitation again,
    with its raised SEQUENCE, so that calendars move the event."""
    invited = people(session, meeting)
    _notify(
        session,
        actor,
        meeting,
        sending,
        invited,
        kind="meeting_update",
        title=N_("Meeting changed: %(title)s"),
        body=N_("The meeting now takes place %(when)s, %(where)s."),
    )
    record_event(
        session,
        "meetings:invitation:update",
        actor=actor,
        subject={"meeting": meeting.id},
        details={"people": len(invited), "sequence": meeting.calendar_sequence},
    )


def send_cancel(session: Session, actor: User, meeting: Meeting, sending: Sending) -> None:
    """The meeting is called off: a cancellation (METHOD:CANCEL) to everyone invited."""
    invited = people(session, meeting)
    _notify(
        session,
        actor,
        meeting,
        sending,
        invited,
        kind="meeting_cancel",
        title=N_("Meeting cancelled: %(title)s"),
        body=N_("The meeting planned %(when)s is cancelled."),
    )
    record_event(
        session,
        "meetings:invitation:cancel",
        actor=actor,
        subject={"meeting": meeting.id},
        details={"people": len(invited), "sequence": meeting.calendar_sequence},
    )


def of_meeting(session: Session, meeting: Meeting) -> tuple[Invitation, Document] | None:
    """The Giấy mời a meeting was published with, if any."""
    row = session.execute(
        sa.select(Invitation, Document)
        .join(Document, Document.id == Invitation.document_id)
        .where(Invitation.meeting_id == meeting.id)
    ).first()
    return (row[0], row[1]) if row is not None else None


def when(meeting: Meeting) -> str:
    """ "08:00 10/12/2026 – 12:00" in Vietnam time (the end's date when on another day)."""
    start = meeting.starts_at.astimezone(VIETNAM)
    end = meeting.ends_at.astimezone(VIETNAM)
    ends = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%H:%M %d/%m/%Y")
    return f"{start.strftime('%H:%M %d/%m/%Y')} – {ends}"


def where(meeting: Meeting) -> str:
    return " — ".join(part for part in (meeting.room, meeting.online_link) if part) or "—"


def _notify(
    session: Session,
    actor: User,
    meeting: Meeting,
    sending: Sending,
    invited: list[User],
    *,
    kind: str,
    title: str,
    body: str,
    number: str = "",
) -> notifications.Notified:
    ics = calendar.meeting_file(session, meeting, sending.site, sending.now).decode()
    return notifications.notify(
        session,
        invited,
        kind,
        title,
        body,
        f"/meetings/{meeting.id}",
        email=sending.email,
        params={
            "title": meeting.title,
            "when": when(meeting),
            "where": where(meeting),
            "number": number,
        },
        actor=actor,
        site_url=sending.site.public_url,
        calendar=ics,
    )


def _giay_moi(
    session: Session, actor: User, meeting: Meeting, sending: Sending, invited: list[User]
) -> Document:
    """Draft, number and issue the Giấy mời, and circulate it to the invited people: their
    deliveries and read receipts are the documents module's own."""
    prefix = "Mời dự "
    title = meeting.title
    if len(prefix) + len(title) > SUBJECT_MAX_LENGTH:
        title = title[: SUBJECT_MAX_LENGTH - len(prefix) - 1] + "…"
    data = drafting.DraftData(
        doc_type=DocType.GIAY_MOI,
        subject=prefix + title,
        content="\n".join(_content(session, meeting, sending)),
        signer_id=meeting.chair_id,
        recipients="\n".join(["Như trên;", "Lưu: VT."]),
        confidentiality=meeting.confidentiality,
    )
    document = drafting.create_draft(session, sending.blobs, actor, data, sending.documents)
    numbering.issue(session, sending.blobs, actor, document, sending.today)
    circulation.circulate(
        session,
        actor,
        document,
        user_ids=[person.id for person in invited],
        message=meeting.title,
    )
    return document


def _content(session: Session, meeting: Meeting, sending: Sending) -> list[str]:
    """The invitation's text: who invites, when, where, who chairs, and the agenda's top items
    that every participant sees (internal, hidden and restricted items are left out)."""
    lines = [
        f"Trân trọng kính mời dự {meeting.title}.",
        f"Thời gian: {when(meeting)}.",
        f"Địa điểm: {where(meeting)}.",
        f"Chủ trì: {meeting.chair.full_name}.",
    ]
    titles = list(
        session.scalars(
            sa.select(AgendaItem.title)
            .where(
                AgendaItem.meeting_id == meeting.id,
                AgendaItem.parent_id.is_(None),
                AgendaItem.kind == ItemKind.NORMAL,
                AgendaItem.restricted == sa.false(),
            )
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )
    if titles:
        lines.append("Nội dung:")
        lines.extend(f"{n}. {t}" for n, t in enumerate(titles, start=1))
    link = sending.site.link(f"/meetings/{meeting.id}")
    lines.append(f"Tài liệu họp được gửi trên VanThu: {link}.")
    return lines
