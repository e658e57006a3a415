"""Drafting: a clerk or official writes a document, uploads its versions and attachments.

Version 1 is laid out from the Decree 30 template; every later version is uploaded, immutable.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import Role, Unit, User
from audit import record_event
from core.errors import N_
from core.storage import StagedBlobs
from documents import errors
from documents.circulation import refuse_if_recalled
from documents.decree30 import (
    SUBJECT_MAX_LENGTH,
    Authority,
    Confidentiality,
    DocType,
    Urgency,
    header_name,
    heads_its_level,
)
from documents.extract import extract_text
from documents.files import FileKind, InspectedFile, inspect_upload
from documents.layout import Block, DraftSpec, render_draft
from documents.models import AccessGrant, Attachment, Direction, Document, DocumentVersion, Status
from documents.search import reindex
from documents.textsearch import fold

MAIN_FILE_KINDS = frozenset({FileKind.PDF, FileKind.DOCX})
TEMPLATE_NOTE = "template"
#: A version laid out from content the caller composed (the meeting minutes), not the plain text.
LAID_OUT_NOTE = "laid-out"


@dataclass
class DraftData:
    """What the clerk fills in on the "new document" screen."""

    doc_type: DocType
    subject: str
    content: str = ""
    signer_title: str = ""
    signer_name: str = ""
    signer_id: int | None = None
    signer_authority: Authority | None = None
    signer_on_behalf_of: str = ""
    signer_collective: str = ""
    recipients: str = ""
    addressees: str = ""
    drafter_abbr: str = ""
    urgency: Urgency = Urgency.THUONG
    confidentiality: Confidentiality = Confidentiality.THUONG
    due_on: date | None = None
    named_user_ids: Sequence[int] = field(default_factory=tuple)


@dataclass(frozen=True)
class Settings:
    """Organisation-wide facts the services need, passed in by the caller."""

    place: str
    max_upload_bytes: int


def create_draft(
    session: Session,
    blobs: StagedBlobs,
    actor: User,
    data: DraftData,
    settings: Settings,
    *,
    content: Sequence[Block] | None = None,
) -> Document:
    """A new outgoing document with version 1 laid out from the Decree 30 template.

    ``content`` (headings and tables too) is laid out instead of ``data.content``'s paragraphs,
    which then hold its plain text.
    """
    check_subject(data.subject)
    unit = actor.unit
    signer = _signer(session, data.signer_id) if data.signer_id else None
    document = Document(
        direction=Direction.OUTGOING,
        status=Status.DRAFT,
        doc_type=data.doc_type,
        unit=unit,
        subject=" ".join(data.subject.split()),
        place=settings.place,
        signer_authority=data.signer_authority,
        signer_on_behalf_of=data.signer_on_behalf_of.strip(),
        signer_collective=data.signer_collective.strip(),
        signer_title=data.signer_title.strip() or (signer.title if signer else ""),
        signer_name=data.signer_name.strip() or (signer.full_name if signer else ""),
        signer_id=signer.id if signer else None,
        urgency=data.urgency,
        confidentiality=data.confidentiality,
        recipients_text=data.recipients.strip(),
        addressees_text=data.addressees.strip(),
        content_text=data.content.strip(),
        drafter_abbr=data.drafter_abbr.strip(),
        due_on=data.due_on,
        created_by_id=actor.id,
    )
    docx = lay_out(document, content, unit)
    session.add(document)
    session.flush()
    _grant(session, actor, document, data.named_user_ids)
    note = TEMPLATE_NOTE if content is None else LAID_OUT_NOTE
    add_version(session, blobs, actor, document, docx, _template_name(document), note)
    record_event(
        session,
        "documents:document:create",
        actor=actor,
        subject={"document": document.id},
        details={"type": document.doc_type.value, "confidential": document.is_confidential},
    )
    return document


def check_subject(subject: str) -> None:
    cleaned = " ".join(subject.split())
    if not cleaned:
        raise errors.InvalidDocument(N_("Write the subject (trích yếu) of the document."))
    if len(cleaned) > SUBJECT_MAX_LENGTH:
        raise errors.InvalidDocument(
            N_("The subject is too long; it may have at most %(max)s characters."),
            max=SUBJECT_MAX_LENGTH,
        )


def choose_signer(session: Session, actor: User, document: Document, signer_id: int) -> User:
    """Name the official who signs a draft created without one (the stepper asks for it before
    submitting); the signature block shows their title and name unless the drafter wrote them."""
    signer = _signer(session, signer_id)
    if not signer.has_role(Role.OFFICIAL):
        raise errors.InvalidDocument(N_("Only an official (lãnh đạo) can sign a document."))
    if document.status is not Status.DRAFT or document.signer_id is not None:
        raise errors.OutOfOrder(N_("The signer of this document is already chosen."))
    document.signer_id = signer.id
    document.signer_name = document.signer_name or signer.full_name
    document.signer_title = document.signer_title or signer.title
    record_event(
        session,
        "documents:document:signer",
        actor=actor,
        subject={"document": document.id},
        details={"signer": signer.id},
    )
    return signer


def _signer(session: Session, user_id: int) -> User:
    signer = session.get(User, user_id)
    if signer is None or not signer.active:
        raise errors.RecipientNotFound(N_("The chosen signer does not exist."))
    return signer


def _grant(session: Session, actor: User, document: Document, user_ids: Iterable[int]) -> None:
    wanted = set(user_ids)
    if not wanted:
        return
    found = set(session.scalars(sa.select(User.id).where(User.id.in_(wanted), User.active)))
    if found != wanted:
        raise errors.RecipientNotFound(N_("Some of the named people do not exist."))
    session.add_all(
        AccessGrant(document_id=document.id, user_id=uid, granted_by_id=actor.id)
        for uid in sorted(wanted)
    )


def header_body(unit: Unit) -> str:
    """The issuing body as the header prints it: the unit's header name, else its name in full."""
    return unit.header_name.strip() or header_name(unit.name)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _draft_spec(document: Document, unit: Unit) -> DraftSpec:
    parent, issuing_body = unit.parent, header_body(unit)
    return DraftSpec(
        doc_type=document.doc_type,
        issuing_body=issuing_body,
        issuer_abbr=unit.abbreviation,
        parent_body=header_body(parent) if parent and not heads_its_level(issuing_body) else None,
        place=document.place,
        date=document.issued_on,
        number=document.number,
        unit_abbr=(document.drafter_abbr or None) if document.doc_type.abbr is None else None,
        subject=document.subject,
        content=[p for p in document.content_text.splitlines() if p.strip()],
        signer_authority=document.signer_authority,
        signer_on_behalf_of=document.signer_on_behalf_of or None,
        signer_collective=document.signer_collective or None,
        signer_title=document.signer_title or "...",
        signer_name=document.signer_name or "...",
        drafter_unit=document.drafter_abbr or unit.abbreviation,
        recipients=_lines(document.recipients_text),
        addressees=_lines(document.addressees_text),
        urgency=document.urgency,
        confidentiality=document.confidentiality,
    )


def lay_out(
    document: Document, content: Sequence[Block] | None = None, unit: Unit | None = None
) -> bytes:
    """The document as the Decree 30 template lays it out now (number, date, signer), with
    ``content`` in place of its plain text when given."""
    spec = _draft_spec(document, unit or document.unit)
    if content is not None:
        spec = dataclasses.replace(spec, content=content)
    return render_draft(spec)


def template_name(document: Document) -> str:
    return _template_name(document)


def _template_name(document: Document) -> str:
    label = document.number_symbol or document.doc_type.label
    return f"{label.replace('/', '-')}.docx"


def upload_version(
    session: Session,
    blobs: StagedBlobs,
    actor: User,
    document: Document,
    data: bytes,
    file_name: str,
    settings: Settings,
    note: str = "",
) -> DocumentVersion:
    """Store a new immutable version (PDF or DOCX, decided from the bytes).

    Once the number is reserved the text is frozen: see `refuse_unless_numbered_text`.
    """
    refuse_if_recalled(document)
    if document.status is not Status.DRAFT:
        raise errors.WrongState(
            N_(
                "An issued document cannot get a new version. To change it, issue a "
                "correction document."
            )
        )
    inspected = inspect_upload(data, file_name, settings.max_upload_bytes)
    if inspected.kind not in MAIN_FILE_KINDS:
        raise errors.WrongFileKind(
            N_("The document itself must be a PDF or a Word (DOCX) file."),
        )
    text = extract_text(data, inspected.kind)
    refuse_unless_numbered_text(session, document, text)
    return add_version(
        session, blobs, actor, document, data, inspected.safe_name, note, inspected, text
    )


def refuse_unless_numbered_text(session: Session, document: Document, text: str) -> None:
    """With a number reserved, a new version may only carry the numbered text again.

    The numbered text is that of the first version showing the number (the laid-out numbered
    template, or the final file the clerk uploaded after reserving); later versions may export
    it to another format but not change a word of it. Changing the text needs a new number
    (void this one) or, once issued, a correction document.
    """
    symbol = document.number_symbol
    if symbol is None:
        return
    numbered = [
        t
        for t in session.scalars(
            sa.select(DocumentVersion.text)
            .where(DocumentVersion.document_id == document.id)
            .order_by(DocumentVersion.number)
        )
        if shows_number(t, symbol)
    ]
    if numbered and _normalised(numbered[0]) == _normalised(text):
        return
    if not numbered and shows_number(text, symbol):
        return
    raise errors.WrongState(
        N_(
            "The number %(number)s is reserved, so the text is frozen: upload only the "
            "numbered text, in PDF or Word. To change the text, void the number first."
        ),
        number=symbol,
    )


def shows_number(text: str, number_symbol: str) -> bool:
    """Whether ``text`` shows the number and symbol (accents and case ignored).

    Not preceded by a digit or followed by a symbol character: "01/QĐ-UBND" is not found in
    "101/QĐ-UBND" nor in "01/QĐ-UBND-VP".
    """
    pattern = rf"(?<!\d){re.escape(fold(number_symbol))}(?![\w-])"
    return re.search(pattern, fold(text or "")) is not None


def _normalised(text: str) -> str:
    """The words of a text without accents, case or layout: a PDF export of a DOCX keeps it."""
    return "".join(fold(text).split())


def add_version(
    session: Session,
    blobs: StagedBlobs,
    actor: User,
    document: Document,
    data: bytes,
    file_name: str,
    note: str,
    inspected: InspectedFile | None = None,
    text: str | None = None,
) -> DocumentVersion:
    inspected = inspected or inspect_upload(data, file_name, len(data))
    number = (
        session.scalar(
            sa.select(sa.func.max(DocumentVersion.number)).where(
                DocumentVersion.document_id == document.id
            )
        )
        or 0
    ) + 1
    version = DocumentVersion(
        document_id=document.id,
        number=number,
        sha256=blobs.put(data),
        kind=inspected.kind.value,
        mime=inspected.mime,
        file_name=inspected.safe_name,
        size=inspected.size,
        uploaded_by_id=actor.id,
        note=note[:255],
        text=extract_text(data, inspected.kind) if text is None else text,
    )
    session.add(version)
    session.flush()
    document.current_version_id = version.id
    reindex(session, document, version.text)
    record_event(
        session,
        "documents:version:upload",
        actor=actor,
        subject={"document": document.id, "version": version.number, "sha256": version.sha256},
        details={"kind": version.kind, "size": version.size},
    )
    return version


def add_attachment(
    session: Session,
    blobs: StagedBlobs,
    actor: User,
    document: Document,
    data: bytes,
    file_name: str,
    settings: Settings,
) -> Attachment:
    refuse_if_recalled(document)
    inspected = inspect_upload(data, file_name, settings.max_upload_bytes)
    attachment = Attachment(
        document_id=document.id,
        sha256=blobs.put(data),
        kind=inspected.kind.value,
        mime=inspected.mime,
        file_name=inspected.safe_name,
        size=inspected.size,
        uploaded_by_id=actor.id,
    )
    session.add(attachment)
    session.flush()
    record_event(
        session,
        "documents:attachment:upload",
        actor=actor,
        subject={"document": document.id, "attachment": attachment.id, "sha256": attachment.sha256},
    )
    return attachment


def version_of(session: Session, document: Document, number: int) -> DocumentVersion:
    version = session.scalar(
        sa.select(DocumentVersion).where(
            DocumentVersion.document_id == document.id, DocumentVersion.number == number
        )
    )
    if version is None:
        raise errors.DocumentNotFound(N_("This version does not exist."))
    return version


def attachment_of(session: Session, document: Document, attachment_id: int) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.document_id != document.id:
        raise errors.DocumentNotFound(N_("This attachment does not exist."))
    return attachment


def render_numbered_version(
    session: Session, blobs: StagedBlobs, actor: User, document: Document
) -> DocumentVersion:
    """Lay the Decree 30 template out again as a new version, with the reserved number and date."""
    docx = render_draft(_draft_spec(document, document.unit))
    return add_version(
        session, blobs, actor, document, docx, _template_name(document), TEMPLATE_NOTE
    )
