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

Everything here writes in the caller's transaction and sends nothing itself: letters wait in the
outbox (accounts/notifications.py) until the transaction commits and the sender runs, so a
publication that fails half-way leaves no document, no number used, no notification, no letter.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts import notifications
from accounts.models import Role, User
from audit import record_event
from core.clock import VIETNAM
from core.db import utcnow
from core.errors import N_
from core.storage import StagedBlobs
from documents import circulation, drafting, numbering, originals
from documents.decree30 import SUBJECT_MAX_LENGTH, DocType
from documents.models import Delivery, Document, PdfConversion, Status
from meetings import access, calendar
from meetings.errors import NotAllowed, WrongState
from meetings.models import (
    AgendaItem,
    Invitation,
    ItemKind,
    Meeting,
    MeetingStatus,
    Participant,
)
from signing import flow
from signing import originals as signing_originals
from signing.models import RequestState, SigningRequest

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
#: Why an unsent Giấy mời's number is made void when it is drafted again or the meeting called off.
MOVED = "Thời gian, địa điểm cuộc họp thay đổi: Giấy mời được soạn lại."
CANCELLED = "Cuộc họp bị hủy: Giấy mời không gửi đi."
AGAIN = "Giấy mời chưa được ký: được soạn và trình ký lại."


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


class LetterState(enum.StrEnum):
    """Where the meeting's Giấy mời is, as its page shows it."""

    #: Being turned into its PDF original; submitted for signature once the PDF exists.
    CONVERTING = "converting"
    AWAITING_SIGNATURE = "awaiting_signature"
    AWAITING_SEAL = "awaiting_seal"
    SENT = "sent"
    #: The signer declined, or the request was withdrawn: the clerk prepares it again.
    STOPPED = "stopped"


@dataclass(frozen=True)
class Letter:
    """The meeting's current Giấy mời, its state and the one it replaces (if any)."""

    invitation: Invitation
    document: Document
    state: LetterState
    replaces: Document | None = None
    #: Its latest PDF conversion (why it failed, when it did).
    conversion: PdfConversion | None = None
    #: Whether it is signed inside a PDF (False: detached signatures); None before submission.
    pades: bool | None = None


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
    document = _draft(session, actor, meeting, sending, signer_id or meeting.chair_id)
    _submit(session, actor, document, sending)
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
    delivered = _deliver(session, actor, meeting, request.document, invited)
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
    delivered = _deliver(session, actor, meeting, document, late) if letter.sent_at else 0
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
    replacement = _replace(session, actor, meeting, sending)
    _announce(
        session, actor, meeting, sending, people(session, meeting), UPDATE, "update",
        document=replacement,
    )  # fmt: skip


def send_cancel(session: Session, actor: User, meeting: Meeting, sending: Sending) -> None:
    """The meeting is called off: a cancellation (METHOD:CANCEL) to everyone invited; a Giấy
    mời not sent yet is withdrawn from signature and its number made void."""
    letter = session.get(Invitation, meeting.id)
    if letter is not None and letter.sent_at is None:
        _withdraw(session, actor, session.get_one(Document, letter.document_id), CANCELLED)
    _announce(session, actor, meeting, sending, people(session, meeting), CANCEL, "cancel")


def prepare_again(session: Session, actor: User, meeting: Meeting, sending: Sending) -> Document:
    """The signer declined the Giấy mời, or its request was withdrawn: draft it again from the
    meeting as it is now and submit it to the same signer (a clerk of the meeting does it)."""
    access.refuse_unless_manager(actor, meeting)
    found = of_meeting(session, meeting)
    if found is None or found.state is not LetterState.STOPPED or meeting.cancelled_at:
        raise WrongState(N_("The invitation letter is on its way: there is nothing to redo."))
    if not actor.has_role(Role.CLERK):
        raise NotAllowed(N_("Only clerks submit the invitation letter for signature."))
    document = _replace(session, actor, meeting, sending, AGAIN)
    assert document is not None
    record_event(
        session,
        "meetings:invitation:again",
        actor=actor,
        subject={"meeting": meeting.id, "document": document.id},
        details={"number_symbol": document.number_symbol, "stopped": found.document.id},
    )
    return document


def of_meeting(session: Session, meeting: Meeting) -> Letter | None:
    """The meeting's current Giấy mời and where it is, if the meeting was published."""
    row = session.execute(
        sa.select(Invitation, Document)
        .join(Document, Document.id == Invitation.document_id)
        .where(Invitation.meeting_id == meeting.id)
    ).first()
    if row is None:
        return None
    invitation, document = row[0], row[1]
    replaces = (
        session.get(Document, invitation.replaces_document_id)
        if invitation.replaces_document_id is not None
        else None
    )
    request = session.scalar(
        sa.select(SigningRequest)
        .where(SigningRequest.document_id == invitation.document_id)
        .order_by(SigningRequest.id.desc())
        .limit(1)
    )
    conversion = originals.latest_conversion(session, document)
    state = _state(invitation, request, conversion)
    pades = request.pades if request is not None else None
    return Letter(invitation, document, state, replaces, conversion, pades)


def _state(
    invitation: Invitation, request: SigningRequest | None, conversion: PdfConversion | None
) -> LetterState:
    if invitation.sent_at is not None:
        return LetterState.SENT
    latest = request.state if request is not None else None
    if latest is None and conversion is not None and conversion.pending:
        return LetterState.CONVERTING
    if latest is RequestState.PENDING:
        return LetterState.AWAITING_SIGNATURE
    if latest in (RequestState.AWAITING_SEAL, RequestState.SEALED):
        return LetterState.AWAITING_SEAL
    return LetterState.STOPPED


def when(meeting: Meeting) -> str:
    """ "08:00 10/12/2026 – 12:00" in Vietnam time (the end's date when on another day)."""
    start = meeting.starts_at.astimezone(VIETNAM)
    end = meeting.ends_at.astimezone(VIETNAM)
    ends = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%H:%M %d/%m/%Y")
    return f"{start.strftime('%H:%M %d/%m/%Y')} – {ends}"


def where(meeting: Meeting) -> str:
    return " — ".join(part for part in (meeting.room, meeting.online_link) if part) or "—"


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
            "when": when(meeting),
            "where": where(meeting),
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


def _draft(
    session: Session,
    actor: User,
    meeting: Meeting,
    sending: Sending,
    signer_id: int,
    replaces: Document | None = None,
) -> Document:
    """Draft the Giấy mời from the template, signed by ``signer_id``."""
    prefix = "Mời dự "
    suffix = " (thay thế)" if replaces is not None else ""
    title = meeting.title
    if len(prefix) + len(title) + len(suffix) > SUBJECT_MAX_LENGTH:
        title = title[: SUBJECT_MAX_LENGTH - len(prefix) - len(suffix) - 1] + "…"
    data = drafting.DraftData(
        doc_type=DocType.GIAY_MOI,
        subject=prefix + title + suffix,
        content="\n".join(_content(session, meeting, sending, replaces)),
        signer_id=signer_id,
        recipients="\n".join(["Như trên;", "Lưu: VT."]),
        confidentiality=meeting.confidentiality,
    )
    return drafting.create_draft(session, sending.blobs, actor, data, sending.documents)


def _submit(session: Session, actor: User, document: Document, sending: Sending) -> None:
    submit_for_signature(
        session, sending.blobs, actor, document, sending.today, converting=sending.converting
    )


def submit_for_signature(
    session: Session,
    blobs: StagedBlobs,
    actor: User,
    document: Document,
    today: date,
    *,
    converting: originals.Converting | None = None,
) -> None:
    """For signature by the signer named on it alone: its number is reserved now.

    The one path every letter of a meeting takes to its signer (the Giấy mời, the minutes and
    the Thông báo kết luận). Given ``converting`` and where a PDF can be made, it is signed as a
    PDF original, submitted once the conversion job made it; otherwise as it is.
    """
    assert document.signer_id is not None
    if converting is None:
        flow.submit(session, blobs, actor, document, [document.signer_id], today=today)
        return
    signing_originals.submit_as_original(
        session, blobs, actor, document, [document.signer_id],
        today=today, converting=converting,
    )  # fmt: skip


def _withdraw(session: Session, actor: User, document: Document, reason: str) -> None:
    """Take an unsent Giấy mời out of signing (or out of its conversion); its reserved number
    becomes void."""
    originals.cancel_pending(session, actor, document)
    request = flow.active_request(session, document)
    if request is not None:
        flow.cancel(session, actor, request)
    if document.status is Status.DRAFT and document.number is not None:
        numbering.void_number(session, actor, document, reason)


def _replace(
    session: Session, actor: User, meeting: Meeting, sending: Sending, reason: str = MOVED
) -> Document | None:
    """A new Giấy mời through signature and seal. One not sent yet is withdrawn (its number
    void, for ``reason``) and drafted again; one sent is replaced by a Giấy mời thay thế."""
    letter = session.get(Invitation, meeting.id)
    if letter is None:
        return None
    current = session.get_one(Document, letter.document_id)
    if letter.sent_at is None:
        _withdraw(session, actor, current, reason)
        replaces = (
            session.get(Document, letter.replaces_document_id)
            if letter.replaces_document_id is not None
            else None
        )
    else:
        replaces = current
    assert current.signer_id is not None
    document = _draft(session, actor, meeting, sending, current.signer_id, replaces)
    _submit(session, actor, document, sending)
    letter.document_id = document.id
    letter.replaces_document_id = replaces.id if replaces is not None else None
    letter.sealed, letter.sent_at = False, None
    session.flush()
    return document


def _deliver(
    session: Session, actor: User, meeting: Meeting, document: Document, users: list[User]
) -> int:
    """Circulate the sealed Giấy mời to those of ``users`` who do not have it yet."""
    have = set(
        session.scalars(sa.select(Delivery.user_id).where(Delivery.document_id == document.id))
    )
    due = sorted({user.id for user in users if user.id not in have})
    if due:
        circulation.circulate(session, actor, document, user_ids=due, message=meeting.title)
    return len(due)


def _content(
    session: Session, meeting: Meeting, sending: Sending, replaces: Document | None = None
) -> list[str]:
    """The invitation's text: who invites, when, where, who chairs, and the agenda's top items
    that every participant sees (internal, hidden and restricted items are left out)."""
    lines = []
    if replaces is not None:
        issued = f" ngày {replaces.issued_on:%d/%m/%Y}" if replaces.issued_on else ""
        lines.append(
            f"Giấy mời này thay thế Giấy mời số {replaces.number_symbol}{issued} "
            "do thay đổi thời gian, địa điểm."
        )
    lines += [
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
