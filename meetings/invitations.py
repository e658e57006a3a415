"""Inviting people to a meeting: the Giấy mời, signed and sealed before it goes out, and the
calendar invitation (and its updates and cancellation) notified in VanThu and e-mailed.

Publishing drafts the Giấy mời and submits it for signature (signing/flow.py) to the chair or
the signer chosen, as a PDF original where LibreOffice can make one (a background job converts
it and submits the PDF once it exists); the clerks of the issuing unit then seal it
(signing/sealing.py). Only the sealed document is circulated: `sealed`, registered by the app
factory with `signing.sealing.on_sealed`, sends it to every person invited then, with the
documents module's own deliveries and read receipts. The calendar invitation and the in-app
notice go at publishing ("the Giấy mời follows"), so that people keep the date while the letter
is being signed.

People invited after publishing get the calendar invitation and the notice at once, and the sealed
Giấy mời as soon as it exists. A change of time or place after publishing sends the calendar update
and replaces the Giấy mời: one not yet sent is withdrawn (its number made void) and drafted again;
one already sent gets a Giấy mời thay thế naming it, through the same signature and seal.

The Giấy mời's own path (drafted, signed, sealed, withdrawn, replaced; its state) is in
`meetings.invitation_letter`; this module invites the people and tells them. Everything here
and there writes in the caller's transaction and sends nothing itself: letters wait in the
outbox (accounts/notifications.py) until the transaction commits and the sender runs, so a
publication that fails half-way leaves no document, no number used, no notification, no letter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts import notifications
from accounts.models import User
from audit import record_event
from core.db import utcnow
from core.errors import N_
from core.storage import StagedBlobs
from documents import drafting, originals
from documents.models import Document
from meetings import calendar, invitation_letter
from meetings.errors import WrongState
from meetings.models import (
    Invitation,
    Meeting,
    MeetingStatus,
    Participant,
)
from signing.models import SigningRequest

#: What people are told (notification kind, title, body), with the calendar file.
LETTER_FOLLOWS = (
    "meeting_invitation",
    N_("Invitation: %(title)s"),
    N_(
        "%(title)s, %(when)s, %(where)s. The invitation letter %(number)s follows once it is "
        "signed and sealed."
    ),
)
LETTER_SENT = (
    "meeting_invitation",
    N_("Invitation: %(title)s"),
    N_("%(title)s, %(when)s, %(where)s. Invitation %(number)s."),
)
UPDATE = (
    "meeting_update",
    N_("Meeting changed: %(title)s"),
    N_("The meeting now takes place %(when)s, %(where)s."),
)
CANCEL = (
    "meeting_cancel",
    N_("Meeting cancelled: %(title)s"),
    N_("The meeting planned %(when)s is cancelled."),
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
    #: How the Giấy mời becomes a PDF original before it is signed; None: signed as drafted.
    converting: originals.Converting | None = None


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


def invite(
    session: Session,
    actor: User,
    meeting: Meeting,
    sending: Sending,
    *,
    signer_id: int | None = None,
) -> Invitation:
    """Draft the Giấy mời and submit it for signature to ``signer_id`` (the chair when None);
    send the calendar invitation and tell the invited people that the letter follows.

    Called by `meetings.meetings.publish`, in its transaction. ``actor`` must be a clerk of the
    issuing unit: the clerks submit documents for signing and seal them.
    """
    invited = people(session, meeting)
    if not invited:
        raise WrongState(
            N_("None of the invited people can receive the invitation: invite active people.")
        )
    document = invitation_letter.draft(
        session, actor, meeting, sending, signer_id or meeting.chair_id
    )
    invitation_letter.submit(session, actor, document, sending)
    invitation = Invitation(meeting_id=meeting.id, document_id=document.id, sealed=False)
    session.add(invitation)
    session.flush()
    _announce(
        session,
        actor,
        meeting,
        sending,
        invited,
        LETTER_FOLLOWS,
        "submit",
        document=document,
        details={"signer": document.signer_id},
    )
    return invitation


def sealed(session: Session, actor: User, request: SigningRequest) -> None:
    """After a seal (`signing.sealing.on_sealed`): a meeting's Giấy mời goes to every person
    invited now. Anything else sealed is not ours; a meeting called off sends nothing."""
    invitation = session.scalar(
        sa.select(Invitation).where(Invitation.document_id == request.document_id)
    )
    if invitation is None:
        return
    invitation.sealed = True
    meeting = session.get_one(Meeting, invitation.meeting_id)
    if meeting.cancelled_at is not None:
        return
    invited = people(session, meeting)
    delivered = invitation_letter.deliver(session, actor, meeting, request.document, invited)
    invitation.sent_at = utcnow()
    session.flush()
    record_event(
        session,
        "meetings:invitation:send",
        actor=actor,
        subject={"meeting": meeting.id, "document": request.document_id},
        details={
            "number_symbol": request.document.number_symbol,
            "people": delivered,
            "sealed": True,
            "replaces": invitation.replaces_document_id,
        },
    )


def invite_late(
    session: Session, actor: User, meeting: Meeting, users: Iterable[User], sending: Sending
) -> None:
    """People invited after publishing: the calendar invitation and the notice now, and the
    sealed Giấy mời when it exists (else it reaches them when it is sealed)."""
    if meeting.status is MeetingStatus.DRAFT or meeting.cancelled_at is not None:
        return
    invited = {person.id for person in people(session, meeting)}
    late = [user for user in dict.fromkeys(users) if user.active and user.id in invited]
    letter = session.get(Invitation, meeting.id)
    if not late or letter is None:
        return
    document = session.get_one(Document, letter.document_id)
    delivered = (
        invitation_letter.deliver(session, actor, meeting, document, late) if letter.sent_at else 0
    )
    message = LETTER_SENT if letter.sent_at else LETTER_FOLLOWS
    _announce(
        session,
        actor,
        meeting,
        sending,
        late,
        message,
        "late",
        document=document,
        details={"letters_delivered": delivered},
    )


def send_update(session: Session, actor: User, meeting: Meeting, sending: Sending) -> None:
    """The meeting's time or place changed after publishing: the calendar invitation again,
    with its raised SEQUENCE, so that calendars move the event; and the Giấy mời replaced."""
    replacement = invitation_letter.replace(session, actor, meeting, sending)
    _announce(
        session, actor, meeting, sending, people(session, meeting), UPDATE, "update",
        document=replacement,
    )  # fmt: skip


def send_cancel(session: Session, actor: User, meeting: Meeting, sending: Sending) -> None:
    """The meeting is called off: a cancellation (METHOD:CANCEL) to everyone invited; a Giấy
    mời not sent yet is withdrawn from signature and its number made void."""
    letter = session.get(Invitation, meeting.id)
    if letter is not None and letter.sent_at is None:
        invitation_letter.withdraw(
            session,
            actor,
            session.get_one(Document, letter.document_id),
            invitation_letter.CANCELLED,
        )
    _announce(session, actor, meeting, sending, people(session, meeting), CANCEL, "cancel")


def _announce(
    session: Session,
    actor: User,
    meeting: Meeting,
    sending: Sending,
    invited: list[User],
    message: tuple[str, str, str],
    action: str,
    *,
    document: Document | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Notify ``invited`` (kind, title, body of ``message``) with the meeting's calendar file,
    and audit it as ``meetings:invitation:<action>``."""
    kind, title, body = message
    number = (document.number_symbol or "") if document is not None else ""
    ics = calendar.meeting_file(session, meeting, sending.site, sending.now).decode()
    notified = notifications.notify(
        session,
        invited,
        kind,
        title,
        body,
        f"/meetings/{meeting.id}",
        email=sending.email,
        params={
            "title": meeting.title,
            "when": invitation_letter.when(meeting),
            "where": invitation_letter.where(meeting),
            "number": number,
        },
        actor=actor,
        site_url=sending.site.public_url,
        calendar=ics,
        subject=("meeting", meeting.id),
    )
    record_event(
        session,
        f"meetings:invitation:{action}",
        actor=actor,
        subject={"meeting": meeting.id, "document": document.id if document else None},
        details={
            "number_symbol": number or None,
            "people": sorted(user.id for user in invited),
            "emails_queued": notified.emails_queued,
            "sequence": meeting.calendar_sequence,
            **(details or {}),
        },
    )
