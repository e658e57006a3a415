"""The meeting's Giấy mời as a document: drafted from the meeting, submitted for signature,
withdrawn or replaced after a change, circulated once sealed; and where it is, for its page.

`meetings.invitations` (inviting the people, telling them) drives it with its `Sending`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import Role, User
from audit import record_event
from core.clock import VIETNAM
from core.errors import N_
from core.storage import StagedBlobs
from documents import circulation, drafting, numbering, originals
from documents.conversion_models import PdfConversion
from documents.decree30 import SUBJECT_MAX_LENGTH, DocType
from documents.models import Delivery, Document, Status
from meetings import access
from meetings.errors import NotAllowed, WrongState
from meetings.models import AgendaItem, Invitation, ItemKind, Meeting
from signing import flow
from signing import originals as signing_originals
from signing.models import RequestState, SigningRequest

if TYPE_CHECKING:
    from meetings.invitations import Sending

#: Why an unsent Giấy mời's number is made void when it is drafted again or the meeting called off.
MOVED = "Thời gian, địa điểm cuộc họp thay đổi: Giấy mời được soạn lại."
CANCELLED = "Cuộc họp bị hủy: Giấy mời không gửi đi."
AGAIN = "Giấy mời chưa được ký: được soạn và trình ký lại."


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


def prepare_again(session: Session, actor: User, meeting: Meeting, sending: Sending) -> Document:
    """The signer declined the Giấy mời, or its request was withdrawn: draft it again from the
    meeting as it is now and submit it to the same signer (a clerk of the meeting does it)."""
    access.refuse_unless_manager(actor, meeting)
    found = of_meeting(session, meeting)
    if found is None or found.state is not LetterState.STOPPED or meeting.cancelled_at:
        raise WrongState(N_("The invitation letter is on its way: there is nothing to redo."))
    if not actor.has_role(Role.CLERK):
        raise NotAllowed(N_("Only clerks submit the invitation letter for signature."))
    document = replace(session, actor, meeting, sending, AGAIN)
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


def draft(
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


def submit(session: Session, actor: User, document: Document, sending: Sending) -> None:
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


def withdraw(session: Session, actor: User, document: Document, reason: str) -> None:
    """Take an unsent Giấy mời out of signing (or out of its conversion); its reserved number
    becomes void."""
    originals.cancel_pending(session, actor, document)
    request = flow.active_request(session, document)
    if request is not None:
        flow.cancel(session, actor, request)
    if document.status is Status.DRAFT and document.number is not None:
        numbering.void_number(session, actor, document, reason)


def replace(
    session: Session, actor: User, meeting: Meeting, sending: Sending, reason: str = MOVED
) -> Document | None:
    """A new Giấy mời through signature and seal. One not sent yet is withdrawn (its number
    void, for ``reason``) and drafted again; one sent is replaced by a Giấy mời thay thế."""
    letter = session.get(Invitation, meeting.id)
    if letter is None:
        return None
    current = session.get_one(Document, letter.document_id)
    if letter.sent_at is None:
        withdraw(session, actor, current, reason)
        replaces = (
            session.get(Document, letter.replaces_document_id)
            if letter.replaces_document_id is not None
            else None
        )
    else:
        replaces = current
    assert current.signer_id is not None
    document = draft(session, actor, meeting, sending, current.signer_id, replaces)
    submit(session, actor, document, sending)
    letter.document_id = document.id
    letter.replaces_document_id = replaces.id if replaces is not None else None
    letter.sealed, letter.sent_at = False, None
    session.flush()
    return document


def deliver(
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
