"""The minutes (Biên bản) and the Thông báo kết luận, drafted from the meeting's record.

Drafting lays out a Decree 30 DOCX: the meeting's details, the meeting-wide parts of the record
(attendance, quorum), then each item with its parts (speakers, votes, conflicts: whatever
`meetings.room.record` builders give) and its conclusion. The secretary downloads it, edits it in
Word and uploads it back; submitting reserves the number, writes it into the file and sends it
to the chair for signature the way the Giấy mời goes (`invitation_letter.submit_for_signature`).
Once a clerk seals it, `sealed` circulates it to the participants with receipts and turns each
conclusion with an owner into a task of the sealed document.
"""

from __future__ import annotations

import enum
import io
import re
from dataclasses import dataclass
from datetime import date

import docx
import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.db import utcnow
from core.errors import N_
from core.storage import StagedBlobs
from documents import assignments, circulation, drafting, numbering, originals
from documents.decree30 import (
    SUBJECT_MAX_LENGTH,
    DocType,
    number_line,
    place_date_line,
)
from documents.files import FileKind, inspect_upload
from documents.layout import Stamp, plain_text, stamp_lines
from documents.models import Document, DocumentVersion, Status
from meetings import access, agenda, conclusions, invitation_letter, invitations, packs
from meetings.errors import BadMinutes, WrongState
from meetings.minutes_text import compose
from meetings.models import Meeting
from meetings.room.events import announce
from meetings.room.models import Conclusion, MeetingMinutes, MinutesKind
from signing import flow
from signing.models import RequestState, SigningRequest

#: A version that is the one before it with the reserved number and date written in.
NUMBERED_NOTE = "numbered"
DOC_TYPES = {MinutesKind.MINUTES: DocType.BIEN_BAN, MinutesKind.CONCLUSIONS: DocType.THONG_BAO}
#: Minutes are drafted while the meeting runs or after it, until it is archived.
OPEN_STATUSES = conclusions.OPEN_STATUSES


def get(session: Session, meeting: Meeting, kind: MinutesKind) -> MeetingMinutes | None:
    return session.scalar(
        sa.select(MeetingMinutes).where(
            MeetingMinutes.meeting_id == meeting.id, MeetingMinutes.kind == kind
        )
    )


def of_meeting(session: Session, meeting: Meeting) -> dict[MinutesKind, MeetingMinutes]:
    rows = session.scalars(sa.select(MeetingMinutes).where(MeetingMinutes.meeting_id == meeting.id))
    return {row.kind: row for row in rows}


class MinutesState(enum.StrEnum):
    """Where a Biên bản or Thông báo kết luận is, as the panel shows it."""

    NOT_DRAFTED = "not_drafted"
    DRAFT = "draft"
    #: Numbered; its PDF original is being made, then it goes to the chair.
    CONVERTING = "converting"
    AWAITING_SIGNATURE = "awaiting_signature"
    AWAITING_SEAL = "awaiting_seal"
    SENT = "sent"


@dataclass(frozen=True)
class Entry:
    kind: MinutesKind
    state: MinutesState
    document: Document | None


@dataclass(frozen=True)
class Panel:
    """The minutes panel of the room: the items the reader sees with their conclusions, and
    (for the chair and secretary) each document's state."""

    manager: bool
    items: list[tuple[agenda.Placed, Conclusion | None]]
    entries: list[Entry]


def panel(session: Session, user: User, meeting: Meeting) -> Panel:
    found = conclusions.of_meeting(session, meeting)
    items = [(e.placed, found.get(e.item.id)) for e in packs.build(session, user, meeting).items]
    rows = of_meeting(session, meeting)
    entries = []
    for kind in MinutesKind:
        row = rows.get(kind)
        document = session.get(Document, row.document_id) if row is not None else None
        entries.append(Entry(kind, _state(session, row, document), document))
    return Panel(meeting.is_manager(user), items, entries)


def _state(session: Session, row: MeetingMinutes | None, document: Document | None) -> MinutesState:
    if row is None or document is None:
        return MinutesState.NOT_DRAFTED
    if row.sent_at is not None:
        return MinutesState.SENT
    request = flow.active_request(session, document)
    if request is None:
        conversion = originals.conversion_status(session, document)
        if conversion is not None and conversion.pending:
            return MinutesState.CONVERTING
        return MinutesState.DRAFT
    if request.state is RequestState.PENDING:
        return MinutesState.AWAITING_SIGNATURE
    return MinutesState.AWAITING_SEAL


def current_version(
    session: Session, actor: User, meeting: Meeting, kind: MinutesKind
) -> tuple[int, int]:
    """The document and version number of the minutes' current file, for the chair and
    secretary to download (through `documents.reading`, the one gate of a version's bytes)."""
    access.refuse_unless_manager(actor, meeting)
    row = get(session, meeting, kind)
    if row is None:
        raise WrongState(N_("Draft the minutes first."))
    document = session.get_one(Document, row.document_id)
    version = session.get_one(DocumentVersion, document.current_version_id)
    return document.id, version.number


# --- drafting ------------------------------------------------------------------------------------


def draft(
    session: Session,
    blobs: StagedBlobs,
    actor: User,
    meeting: Meeting,
    kind: MinutesKind,
    settings: drafting.Settings,
) -> Document:
    """Lay the minutes out from the record as it is now: a new document the first time, then a
    new version of it, as long as it has not gone for signature."""
    _refuse_unless_open(actor, meeting)
    content = compose(session, meeting, kind)
    row = get(session, meeting, kind)
    if row is None:
        data = drafting.DraftData(
            doc_type=DOC_TYPES[kind],
            subject=_subject(meeting, kind),
            content="\n".join(plain_text(content)),
            signer_id=meeting.chair_id,
            recipients="\n".join(["Các thành viên dự họp;", "Lưu: VT."]),
            confidentiality=meeting.confidentiality,
        )
        document = drafting.create_draft(session, blobs, actor, data, settings, content=content)
        session.add(
            MeetingMinutes(
                meeting_id=meeting.id, kind=kind, document_id=document.id, created_by_id=actor.id
            )
        )
        session.flush()
    else:
        document = _editable(session, actor, row)
        drafting.add_version(
            session,
            blobs,
            actor,
            document,
            drafting.lay_out(document, content),
            drafting.template_name(document),
            drafting.LAID_OUT_NOTE,
        )
    _changed(session, actor, meeting, kind, document, "draft")
    return document


def upload_edited(
    session: Session,
    blobs: StagedBlobs,
    actor: User,
    meeting: Meeting,
    kind: MinutesKind,
    data: bytes,
    file_name: str,
    settings: drafting.Settings,
) -> DocumentVersion:
    """The secretary's edited Word file becomes the minutes' new version; anything but a
    readable DOCX is refused and nothing is stored."""
    _refuse_unless_open(actor, meeting)
    row = get(session, meeting, kind)
    if row is None:
        raise WrongState(N_("Draft the minutes first, then upload the edited file."))
    document = _editable(session, actor, row)
    inspected = inspect_upload(data, file_name, settings.max_upload_bytes)
    if inspected.kind is not FileKind.DOCX:
        raise BadMinutes(N_("Upload the edited minutes as a Word (.docx) file."))
    try:
        docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises many kinds for a damaged package
        raise BadMinutes(N_("This Word file cannot be read. Save it again as .docx.")) from None
    version = drafting.upload_version(
        session, blobs, actor, document, data, inspected.safe_name, settings, note="edited"
    )
    _changed(session, actor, meeting, kind, document, "upload")
    return version


def submit(
    session: Session,
    blobs: StagedBlobs,
    actor: User,
    meeting: Meeting,
    kind: MinutesKind,
    today: date,
    *,
    converting: originals.Converting | None = None,
) -> SigningRequest | None:
    """Reserve the number, write it and the date into the current file, and send it to the
    chair for signature (then a clerk seals it), the way every letter of the meeting goes.

    Given ``converting`` where LibreOffice is installed, it is first made into its PDF original
    by a job, which submits it: None is returned meanwhile, and the panel says so."""
    _refuse_unless_open(actor, meeting)
    row = get(session, meeting, kind)
    if row is None:
        raise WrongState(N_("Draft the minutes first, then submit them for signature."))
    document = _editable(session, actor, row)
    symbol = flow.reserve(session, actor, document, today)
    current = session.get_one(DocumentVersion, document.current_version_id)
    if not drafting.shows_number(current.text, symbol):
        # The text the secretary left: a number stamped for a request since declined is not it.
        source = session.scalars(
            sa.select(DocumentVersion)
            .where(
                DocumentVersion.document_id == document.id,
                DocumentVersion.note != NUMBERED_NOTE,
            )
            .order_by(DocumentVersion.number.desc())
            .limit(1)
        ).one()
        stamped = stamp_lines(blobs.store.get(source.sha256), _stamps(document))
        name = drafting.template_name(document)
        drafting.add_version(session, blobs, actor, document, stamped, name, NUMBERED_NOTE)
    invitation_letter.submit_for_signature(
        session, blobs, actor, document, today, converting=converting
    )
    _changed(session, actor, meeting, kind, document, "submit")
    return flow.active_request(session, document)


def _stamps(document: Document) -> list[Stamp]:
    """The header's number and date lines as they must read now, each found by what it may read
    in the file: blank ("Số: .../BB-UBND"), or filled for a number since made void."""
    unit = document.unit
    unit_abbr = (document.drafter_abbr or None) if document.doc_type.abbr is None else None
    blank_number = number_line(None, document.doc_type, unit.abbreviation, unit_abbr)
    blank_date = place_date_line(document.place, None)
    head, tail = blank_number.split("...", 1)
    place = blank_date.split(", ngày", 1)[0]
    return [
        Stamp(
            re.compile(rf"{re.escape(head)}(?:\.\.\.|\d+){re.escape(tail)}"),
            number_line(document.number, document.doc_type, unit.abbreviation, unit_abbr),
            blank_number,
        ),
        Stamp(
            re.compile(rf"{re.escape(place)}, ngày .+ tháng .+ năm .+"),
            place_date_line(document.place, document.issued_on),
            blank_date,
        ),
    ]


def _editable(session: Session, actor: User, row: MeetingMinutes) -> Document:
    document = session.get_one(Document, row.document_id)
    if document.status is not Status.DRAFT or flow.active_request(session, document) is not None:
        raise WrongState(N_("These minutes went for signature: they can no longer change."))
    if document.number_symbol is not None:
        # Declined or withdrawn after numbering: the old number is void, the text free again.
        numbering.void_number(session, actor, document, "Soạn lại sau khi không được ký.")
    return document


def _refuse_unless_open(actor: User, meeting: Meeting) -> None:
    access.refuse_unless_manager(actor, meeting)
    if meeting.status not in OPEN_STATUSES or meeting.cancelled_at is not None:
        raise WrongState(N_("Minutes are drafted while the meeting runs or after it."))


def _changed(
    session: Session,
    actor: User,
    meeting: Meeting,
    kind: MinutesKind,
    document: Document,
    action: str,
) -> None:
    announce(
        session,
        meeting.id,
        "minutes.changed",
        {"minutes": kind.value, "document": document.id, "action": action},
        actor_id=actor.id,
    )
    record_event(
        session,
        f"meetings:minutes:{action}",
        actor=actor,
        subject={"meeting": meeting.id, "document": document.id},
        details={"kind": kind.value, "number_symbol": document.number_symbol},
    )


# --- the content ---------------------------------------------------------------------------------


def _subject(meeting: Meeting, kind: MinutesKind) -> str:
    prefix = "Kết luận tại " if kind is MinutesKind.CONCLUSIONS else ""
    title = meeting.title
    if len(prefix) + len(title) > SUBJECT_MAX_LENGTH:
        title = title[: SUBJECT_MAX_LENGTH - len(prefix) - 1] + "…"
    return prefix + title


def sealed(session: Session, actor: User, request: SigningRequest) -> None:
    """After a seal (`signing.sealing.on_sealed`): the meeting's minutes go to everyone invited
    and to the owners of its conclusions, and each conclusion with an owner becomes a task."""
    row = session.scalar(
        sa.select(MeetingMinutes).where(MeetingMinutes.document_id == request.document_id)
    )
    if row is None:
        return
    meeting = session.get_one(Meeting, row.meeting_id)
    document = request.document
    found = list(conclusions.of_meeting(session, meeting).values())
    owners = {c.owner_user_id for c in found if c.owner_user_id is not None}
    # An owner whose account was closed since gets neither the minutes nor the task: the seal
    # must not fail for it (the task is then listed as skipped).
    active = set(session.scalars(sa.select(User.id).where(User.id.in_(owners), User.active)))
    people = {person.id for person in invitations.people(session, meeting)} | active
    units = sorted({c.owner_unit_id for c in found if c.owner_unit_id is not None})
    if document.is_confidential:
        units = []  # a confidential document goes to named people only
    if people or units:
        circulation.circulate(
            session, actor, document, user_ids=sorted(people), unit_ids=units,
            message=meeting.title,
        )  # fmt: skip
    row.sent_at = utcnow()
    tasks, skipped = [], []
    for conclusion in sorted(found, key=lambda c: c.id):
        has_owner = conclusion.owner_user_id is not None or conclusion.owner_unit_id is not None
        if conclusion.assignment_id is not None or not has_owner:
            continue
        if conclusion.owner_unit_id not in (None, *units) or conclusion.owner_user_id not in (
            None,
            *active,
        ):
            skipped.append(conclusion.id)
            continue
        assignment = assignments.assign_issued(
            session,
            actor,
            document,
            lead_id=conclusion.owner_user_id,
            lead_unit_id=conclusion.owner_unit_id,
            deadline=conclusion.due_on,
            instructions=conclusion.text,
        )
        conclusion.assignment_id = assignment.id
        tasks.append(assignment.id)
    session.flush()
    announce(
        session,
        meeting.id,
        "minutes.changed",
        {"minutes": row.kind.value, "document": document.id, "action": "send"},
        actor_id=actor.id,
    )
    record_event(
        session,
        "meetings:minutes:send",
        actor=actor,
        subject={"meeting": meeting.id, "document": document.id},
        details={
            "kind": row.kind.value,
            "number_symbol": document.number_symbol,
            "people": sorted(people),
            "units": units,
            "tasks": tasks,
            "skipped": skipped,
        },
    )
