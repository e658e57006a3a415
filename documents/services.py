"""What clerks and officials do with documents: draft, upload, number, circulate, read, recall.

No Flask here. Callers pass the session and a `StagedBlobs` and commit; every function raises a
typed error from `documents.errors` before it has changed anything it cannot undo.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from accounts.models import Role, Unit, User
from audit import record_event
from audit.models import AuditEvent
from audit.services import event_write
from core.db import dialect_insert, utcnow
from core.direct import DirectStatements
from core.errors import N_
from core.groupcommit import GroupCommitter, Write
from core.storage import StagedBlobs
from documents import access, errors
from documents.access import OpenedVersion, visible_to
from documents.decree30 import (
    SUBJECT_MAX_LENGTH,
    Authority,
    Confidentiality,
    DocType,
    Urgency,
    number_symbol,
)
from documents.drafting import DraftSpec, render_draft
from documents.extract import extract_text
from documents.files import FileKind, InspectedFile, inspect_upload
from documents.models import (
    AccessGrant,
    Assignment,
    AssignmentCooperator,
    AssignmentState,
    Attachment,
    Circulation,
    Delivery,
    Direction,
    Document,
    DocumentVersion,
    IssuedNumber,
    Notification,
    NumberCounter,
    NumberSeries,
    NumberState,
    ReadReceipt,
    Status,
    UnitReceipt,
)
from documents.textsearch import fold

MAIN_FILE_KINDS = frozenset({FileKind.PDF, FileKind.DOCX})
TEMPLATE_NOTE = "template"


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
    recipients: str = ""
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


# --- drafting and files --------------------------------------------------------------------------


def create_draft(
    session: Session, blobs: StagedBlobs, actor: User, data: DraftData, settings: Settings
) -> Document:
    """A new outgoing document with version 1 laid out from the Decree 30 template."""
    _check_subject(data.subject)
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
        signer_title=data.signer_title.strip() or (signer.title if signer else ""),
        signer_name=data.signer_name.strip() or (signer.full_name if signer else ""),
        signer_id=signer.id if signer else None,
        urgency=data.urgency,
        confidentiality=data.confidentiality,
        recipients_text=data.recipients.strip(),
        content_text=data.content.strip(),
        drafter_abbr=data.drafter_abbr.strip(),
        due_on=data.due_on,
        created_by_id=actor.id,
    )
    docx = render_draft(_draft_spec(document, unit))
    session.add(document)
    session.flush()
    _grant(session, actor, document, data.named_user_ids)
    _add_version(session, blobs, actor, document, docx, _template_name(document), TEMPLATE_NOTE)
    record_event(
        session,
        "documents:document:create",
        actor=actor,
        subject={"document": document.id},
        details={"type": document.doc_type.value, "confidential": document.is_confidential},
    )
    return document


def _check_subject(subject: str) -> None:
    cleaned = " ".join(subject.split())
    if not cleaned:
        raise errors.InvalidDocument(N_("Write the subject (trích yếu) of the document."))
    if len(cleaned) > SUBJECT_MAX_LENGTH:
        raise errors.InvalidDocument(
            N_("The subject is too long; it may have at most %(max)s characters."),
            max=SUBJECT_MAX_LENGTH,
        )


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


def _draft_spec(document: Document, unit: Unit) -> DraftSpec:
    parent = unit.parent
    return DraftSpec(
        doc_type=document.doc_type,
        issuing_body=unit.name,
        issuer_abbr=unit.abbreviation,
        parent_body=parent.name if parent else None,
        place=document.place,
        date=document.issued_on,
        number=document.number,
        unit_abbr=(document.drafter_abbr or None) if document.doc_type.abbr is None else None,
        subject=document.subject,
        content=[p for p in document.content_text.splitlines() if p.strip()],
        signer_authority=document.signer_authority,
        signer_on_behalf_of=document.signer_on_behalf_of or None,
        signer_title=document.signer_title or "...",
        signer_name=document.signer_name or "...",
        drafter_unit=document.drafter_abbr or unit.abbreviation,
        recipients=[r.strip() for r in document.recipients_text.splitlines() if r.strip()],
        urgency=document.urgency,
        confidentiality=document.confidentiality,
    )


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
    """Store a new immutable version (PDF or DOCX, decided from the bytes)."""
    _refuse_if_recalled(document)
    inspected = inspect_upload(data, file_name, settings.max_upload_bytes)
    if inspected.kind not in MAIN_FILE_KINDS:
        raise errors.WrongFileKind(
            N_("The document itself must be a PDF or a Word (DOCX) file."),
        )
    return _add_version(session, blobs, actor, document, data, inspected.safe_name, note, inspected)


def _add_version(
    session: Session,
    blobs: StagedBlobs,
    actor: User,
    document: Document,
    data: bytes,
    file_name: str,
    note: str,
    inspected: InspectedFile | None = None,
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
        text=extract_text(data, inspected.kind),
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
    _refuse_if_recalled(document)
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


# --- search index --------------------------------------------------------------------------------


def reindex(session: Session, document: Document, body_text: str | None = None) -> None:
    """Refresh the folded search text (subject, number, file text) of one document."""
    if body_text is None and document.current_version_id is not None:
        body_text = session.scalar(
            sa.select(DocumentVersion.text).where(DocumentVersion.id == document.current_version_id)
        )
    parts = [document.number_symbol or "", document.issuer_name, document.subject, body_text or ""]
    document.search_text = fold(" ".join(p for p in parts if p))
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            sa.text("DELETE FROM document_search WHERE rowid = :id"), {"id": document.id}
        )
        session.execute(
            sa.text("INSERT INTO document_search (rowid, body) VALUES (:id, :body)"),
            {"id": document.id, "body": document.search_text},
        )


def search(session: Session, user: User, query: str, limit: int = 50) -> list[Document]:
    """Documents matching every word of ``query`` (without diacritics) that ``user`` may open."""
    from documents.textsearch import fold_query, fold_tsquery

    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        match = fold_query(query)
        if not match:
            return []
        hits: sa.Select[Any] = (
            sa.select(sa.literal_column("rowid"))
            .select_from(sa.text("document_search"))
            .where(sa.text("document_search MATCH :q"))
        )
        condition = Document.id.in_(hits)
        params = {"q": match}
    else:
        tsquery = fold_tsquery(query)
        if not tsquery:
            return []
        condition = sa.func.to_tsvector(
            sa.literal_column("'simple'::regconfig"), Document.search_text
        ).op("@@")(sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), sa.bindparam("q")))
        params = {"q": tsquery}
    statement = (
        sa.select(Document)
        .where(condition, visible_to(user))
        .order_by(Document.created_at.desc())
        .limit(limit)
    )
    return list(session.scalars(statement, params))


# --- numbering -----------------------------------------------------------------------------------


def next_number(session: Session, unit_id: int, year: int, series: NumberSeries) -> int:
    """Take the next number of a series atomically.

    The counter row is created if missing (ON CONFLICT DO NOTHING) and incremented with one
    UPDATE ... RETURNING, which PostgreSQL's row lock and SQLite's write lock serialise: two clerks
    at the same second never get the same number.
    """
    insert = (
        dialect_insert(session, NumberCounter)
        .values(unit_id=unit_id, year=year, series=series, last_number=0)
        .on_conflict_do_nothing(index_elements=["unit_id", "year", "series"])
    )
    session.execute(insert)
    number: int = session.execute(
        sa.update(NumberCounter)
        .where(
            NumberCounter.unit_id == unit_id,
            NumberCounter.year == year,
            NumberCounter.series == series,
        )
        .values(last_number=NumberCounter.last_number + 1)
        .returning(NumberCounter.last_number)
    ).scalar_one()
    return number


def reserve_number(session: Session, actor: User, document: Document, today: date) -> IssuedNumber:
    """Give a draft its number and issue date; the number is recorded even if never used."""
    if document.direction is not Direction.OUTGOING or document.number is not None:
        raise errors.WrongState(N_("This document already has a number."))
    _refuse_if_recalled(document)
    series = NumberSeries.CONFIDENTIAL if document.is_confidential else NumberSeries.REGULAR
    unit = document.unit
    number = next_number(session, unit.id, today.year, series)
    try:
        text = number_symbol(
            number,
            document.doc_type,
            unit.abbreviation,
            (document.drafter_abbr or None) if document.doc_type.abbr is None else None,
        )
    except ValueError:
        raise errors.InvalidDocument(
            N_(
                "The unit's abbreviation cannot be used in a number and symbol; ask an "
                "administrator to correct it."
            )
        ) from None
    issued = IssuedNumber(
        unit_id=unit.id,
        year=today.year,
        series=series,
        number=number,
        number_symbol=text,
        state=NumberState.RESERVED,
        document_id=document.id,
        issued_by_id=actor.id,
    )
    session.add(issued)
    document.number = number
    document.number_symbol = text
    document.issued_on = today
    session.flush()
    record_event(
        session,
        "documents:number:reserve",
        actor=actor,
        subject={"document": document.id},
        details={"number_symbol": text, "year": today.year, "series": series.value},
    )
    return issued


def issue(
    session: Session,
    blobs: StagedBlobs,
    actor: User,
    document: Document,
    today: date,
    *,
    render_template: bool = True,
) -> IssuedNumber:
    """Number and register a draft (Art. 14: number, then register).

    If the current version is still the generated template, a new version with the number and
    date filled in is laid out, so what is circulated shows them. Signing passes
    ``render_template=False``: the signed version already shows them, and a new version would
    carry no signature.
    """
    if document.status is not Status.DRAFT:
        raise errors.WrongState(N_("Only a draft can be numbered."))
    issued = (
        _reserved_number(session, document)
        if document.number is not None
        else reserve_number(session, actor, document, today)
    )
    issued.state = NumberState.USED
    document.status = Status.ISSUED
    current = session.get(DocumentVersion, document.current_version_id or 0)
    if render_template and current is not None and current.note == TEMPLATE_NOTE:
        render_numbered_version(session, blobs, actor, document)
    reindex(session, document)
    record_event(
        session,
        "documents:document:issue",
        actor=actor,
        subject={"document": document.id},
        details={"number_symbol": issued.number_symbol},
    )
    return issued


def render_numbered_version(
    session: Session, blobs: StagedBlobs, actor: User, document: Document
) -> DocumentVersion:
    """Lay the Decree 30 template out again as a new version, with the reserved number and date."""
    docx = render_draft(_draft_spec(document, document.unit))
    return _add_version(
        session, blobs, actor, document, docx, _template_name(document), TEMPLATE_NOTE
    )


def _reserved_number(session: Session, document: Document) -> IssuedNumber:
    issued = session.scalar(
        sa.select(IssuedNumber).where(
            IssuedNumber.document_id == document.id, IssuedNumber.state == NumberState.RESERVED
        )
    )
    if issued is None:
        raise errors.WrongState(N_("This document's number is not reserved any more."))
    return issued


def void_number(session: Session, actor: User, document: Document, reason: str) -> IssuedNumber:
    """Give up a reserved number: it stays in the register as void and is never reused."""
    reason = " ".join(reason.split())
    if not reason:
        raise errors.InvalidDocument(N_("Say why the number is void."))
    if document.status is not Status.DRAFT or document.number is None:
        raise errors.WrongState(N_("Only a reserved number of a draft can be made void."))
    issued = _reserved_number(session, document)
    issued.state = NumberState.VOID
    issued.void_reason = reason[:500]
    document.number = None
    document.number_symbol = None
    document.issued_on = None
    record_event(
        session,
        "documents:number:void",
        actor=actor,
        subject={"document": document.id},
        details={"number_symbol": issued.number_symbol},
    )
    return issued


# --- circulation and receipts --------------------------------------------------------------------


@dataclass(frozen=True)
class CirculationResult:
    circulation: Circulation
    delivered: int
    units: int


def circulate(
    session: Session,
    actor: User,
    document: Document,
    *,
    unit_ids: Iterable[int] = (),
    user_ids: Iterable[int] = (),
    message: str = "",
) -> CirculationResult:
    """Send the current version to units (all their active members) and to named people.

    Each person gets one inbox entry per document however often it is sent; each unit gets a
    receipt its clerk acknowledges. Confidential documents go to named people only.
    """
    if document.status is not Status.ISSUED:
        raise errors.WrongState(N_("Number the document before sending it."))
    if document.current_version_id is None:
        raise errors.WrongState(N_("Upload the document's file before sending it."))
    units, users = set(unit_ids), set(user_ids)
    if not units and not users:
        raise errors.RecipientNotFound(N_("Choose at least one unit or person to send to."))
    if units and document.is_confidential:
        raise errors.InvalidDocument(
            N_("A confidential document can only be sent to named people, not to units.")
        )
    found_units = set(session.scalars(sa.select(Unit.id).where(Unit.id.in_(units))))
    found_users = set(session.scalars(sa.select(User.id).where(User.id.in_(users), User.active)))
    if found_units != units or found_users != users:
        raise errors.RecipientNotFound(N_("Some of the chosen recipients do not exist."))

    members = (
        session.execute(
            sa.select(User.id, User.unit_id).where(User.unit_id.in_(units), User.active)
        ).all()
        if units
        else []
    )
    recipients: dict[int, int | None] = dict.fromkeys(users)
    for uid, unit_id in members:
        recipients.setdefault(uid, unit_id)
    circulation = _deliver(session, document, actor, recipients, message.strip()[:1000])
    now = circulation.sent_at
    if units:
        session.execute(
            dialect_insert(session, UnitReceipt).on_conflict_do_nothing(
                index_elements=["document_id", "unit_id"]
            ),
            [
                {
                    "document_id": document.id,
                    "unit_id": uid,
                    "circulation_id": circulation.id,
                    "delivered_at": now,
                }
                for uid in sorted(units)
            ],
        )
    record_event(
        session,
        "documents:document:circulate",
        actor=actor,
        subject={"document": document.id, "circulation": circulation.id},
        details={"units": sorted(units), "people": sorted(users), "delivered": len(recipients)},
    )
    return CirculationResult(circulation, len(recipients), len(units))


def acknowledge(session: Session, actor: User, document: Document, today: date) -> UnitReceipt:
    """The receiving unit's clerk confirms receipt and gives it an incoming number (Art. 21.2)."""
    if not actor.has_role(Role.CLERK):
        raise errors.NotAllowed(N_("Only a clerk can acknowledge receipt for a unit."))
    receipt = session.scalar(
        sa.select(UnitReceipt).where(
            UnitReceipt.document_id == document.id, UnitReceipt.unit_id == actor.unit_id
        )
    )
    if receipt is None:
        raise errors.NotAllowed(N_("This document was not sent to your unit."))
    if receipt.acknowledged_at is not None:
        raise errors.WrongState(N_("Receipt of this document was already acknowledged."))
    receipt.acknowledged_at = utcnow()
    receipt.acknowledged_by_id = actor.id
    receipt.incoming_year = today.year
    receipt.incoming_number = next_number(session, actor.unit_id, today.year, NumberSeries.INCOMING)
    record_event(
        session,
        "documents:receipt:acknowledge",
        actor=actor,
        subject={"document": document.id, "unit": actor.unit_id},
        details={"incoming_number": receipt.incoming_number},
    )
    return receipt


def record_open(writer: GroupCommitter, reader_id: int, opened: OpenedVersion) -> None:
    """Count one opening of one exact version by one person and audit it; returns once stored.

    The receipt and its audit event commit together, in a transaction shared with the other
    openings of the moment (a province opens its packs at once); the upsert keeps every
    concurrent opening counted on both databases.
    """
    if opened.recalled:
        raise errors.DocumentRecalled.frozen()
    event = _open_event(reader_id, opened)
    receipt = {
        "document_id": opened.document_id,
        "version_id": opened.version_id,
        "user_id": reader_id,
        "now": event[1]["occurred_at"],
    }
    writer.run([(_receipt_upsert(writer.engine.dialect.name), receipt), event])


def record_open_if_allowed(
    statements: DirectStatements, reader_id: int, opened: OpenedVersion
) -> bool:
    """PostgreSQL: check that the reader may open ``opened`` and record the opening, in one
    statement (one round trip, its own transaction); False, storing nothing, if not.

    Not allowed: an inactive account, the access rule refusing, a recalled document, or a
    version whose bytes are no longer ``opened.sha256``. The caller then asks the ordinary code
    why. One statement instead of a query and then a transaction: on a busy server the
    driver's work per statement is a large part of what serving a file costs.
    """
    if statements.engine.dialect.name != "postgresql":
        raise ValueError("checking and recording in one statement needs PostgreSQL")
    _, event = _open_event(reader_id, opened)
    values = {
        **event,
        "document_id": opened.document_id,
        "number": opened.number,
        "sha256": opened.sha256,
        "user_id": reader_id,  # the access check's name for the reader
    }
    row = statements.first(_checked_open_statement(), values)
    return row is not None and row[0] == 1


def _open_event(reader_id: int, opened: OpenedVersion) -> Write:
    return event_write(
        "documents:version:open",
        actor=reader_id,
        subject={
            "document": opened.document_id,
            "version": opened.number,
            "sha256": opened.sha256,
        },
    )


@cache
def _receipt_upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE, built once per dialect (it runs on every opening)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    now: sa.BindParameter[Any] = sa.bindparam("now")
    return _upsert_receipt(
        insert(ReadReceipt).values(
            document_id=sa.bindparam("document_id"),
            version_id=sa.bindparam("version_id"),
            user_id=sa.bindparam("user_id"),
            first_opened_at=now,
            last_opened_at=now,
            times_opened=1,
        )
    )


def _upsert_receipt(insert: Any) -> Any:
    """A first opening inserts the receipt, a later one counts on it."""
    return insert.on_conflict_do_update(
        index_elements=["version_id", "user_id"],
        set_={
            "last_opened_at": insert.excluded.last_opened_at,
            "times_opened": ReadReceipt.times_opened + 1,
        },
    )


@cache
def _checked_open_statement() -> sa.Select[Any]:
    """WITH receipt AS (upsert if the access check finds the version), event AS (insert for
    that receipt) SELECT how many events were written: 1 or 0."""
    from sqlalchemy.dialects.postgresql import insert

    version = access.OPENABLE_VERSION.where(
        DocumentVersion.sha256 == sa.bindparam("sha256", type_=sa.String)
    ).subquery("version")
    columns = AuditEvent.__table__.c
    occurred_at = sa.bindparam("occurred_at", type_=columns.occurred_at.type)
    allowed = sa.select(
        sa.bindparam("document_id", type_=sa.Integer),
        version.c.id,
        sa.bindparam("actor_id", type_=sa.Integer),
        occurred_at,
        occurred_at,
        sa.literal(1),
    )
    receipt = (
        _upsert_receipt(
            insert(ReadReceipt).from_select(
                [
                    "document_id",
                    "version_id",
                    "user_id",
                    "first_opened_at",
                    "last_opened_at",
                    "times_opened",
                ],
                allowed,
            )
        )
        .returning(ReadReceipt.id)
        .cte("receipt")
    )
    names = ["event_id", "action", "actor_id", "subject", "details", "occurred_at"]
    event = (
        sa.insert(AuditEvent)
        .from_select(
            names,
            sa.select(
                *(sa.bindparam(name, type_=columns[name].type) for name in names[:-1]),
                occurred_at,
            ).select_from(receipt),
        )
        .returning(AuditEvent.id)
        .cte("event")
    )
    return sa.select(sa.func.count()).select_from(event)


def recall(session: Session, actor: User, document: Document, reason: str) -> int:
    """Freeze a sent document (thu hồi) and notify everyone who received it."""
    reason = " ".join(reason.split())
    if not reason:
        raise errors.InvalidDocument(N_("Say why the document is recalled."))
    _refuse_if_recalled(document)
    if document.status is not Status.ISSUED:
        raise errors.WrongState(N_("Only an issued document can be recalled."))
    document.status = Status.RECALLED
    document.recalled_at = utcnow()
    document.recall_reason = reason[:500]
    recipients = list(
        session.scalars(sa.select(Delivery.user_id).where(Delivery.document_id == document.id))
    )
    if recipients:
        session.execute(
            sa.insert(Notification),
            [
                {
                    "user_id": uid,
                    "document_id": document.id,
                    "kind": "recalled",
                    "created_at": document.recalled_at,
                }
                for uid in recipients
            ],
        )
    record_event(
        session,
        "documents:document:recall",
        actor=actor,
        subject={"document": document.id},
        details={"notified": len(recipients)},
    )
    return len(recipients)


def _refuse_if_recalled(document: Document) -> None:
    if document.status is Status.RECALLED:
        raise errors.DocumentRecalled.frozen()


# --- assignments ---------------------------------------------------------------------------------


def assign(
    session: Session,
    actor: User,
    document: Document,
    *,
    lead_id: int,
    cooperator_ids: Iterable[int] = (),
    deadline: date | None = None,
    instructions: str = "",
    today: date,
) -> Assignment:
    """Assign a received document for handling; the people assigned receive it in their inbox."""
    if not actor.has_role(Role.CLERK, Role.OFFICIAL):
        raise errors.NotAllowed(N_("Only clerks and officials can assign documents."))
    if deadline is not None and deadline < today:
        raise errors.InvalidDocument(N_("The deadline cannot be in the past."))
    _refuse_if_recalled(document)
    cooperators = set(cooperator_ids) - {lead_id}
    people = {lead_id, *cooperators}
    found = set(session.scalars(sa.select(User.id).where(User.id.in_(people), User.active)))
    if found != people:
        raise errors.RecipientNotFound(N_("Some of the chosen people do not exist."))
    if document.is_confidential:
        allowed = set(
            session.scalars(
                sa.select(User.id).where(
                    User.id.in_(people),
                    sa.exists().where(
                        AccessGrant.document_id == document.id, AccessGrant.user_id == User.id
                    ),
                )
            )
        )
        if allowed != people:
            raise errors.InvalidDocument(
                N_("A confidential document can only be assigned to people named on it.")
            )
    assignment = Assignment(
        document_id=document.id,
        unit_id=actor.unit_id,
        lead_id=lead_id,
        assigned_by_id=actor.id,
        deadline=deadline,
        instructions=instructions.strip()[:1000],
        cooperators=[AssignmentCooperator(user_id=uid) for uid in sorted(cooperators)],
    )
    session.add(assignment)
    session.flush()
    if document.current_version_id is not None:
        _deliver(session, document, actor, dict.fromkeys(people), assignment.instructions)
    record_event(
        session,
        "documents:assignment:create",
        actor=actor,
        subject={"document": document.id, "assignment": assignment.id},
        details={
            "lead": lead_id,
            "cooperators": sorted(cooperators),
            "deadline": deadline.isoformat() if deadline else None,
        },
    )
    return assignment


def _deliver(
    session: Session,
    document: Document,
    actor: User,
    recipients: Mapping[int, int | None],
    message: str,
) -> Circulation:
    """Put the current version in each person's inbox once, as one circulation.

    ``recipients`` maps a user id to the unit through which they received it (None if named).
    """
    circulation = Circulation(
        document_id=document.id,
        version_id=document.current_version_id,
        sent_by_id=actor.id,
        message=message,
        sent_at=utcnow(),
    )
    session.add(circulation)
    session.flush()
    if recipients:
        session.execute(
            dialect_insert(session, Delivery).on_conflict_do_nothing(
                index_elements=["document_id", "user_id"]
            ),
            [
                {
                    "document_id": document.id,
                    "user_id": uid,
                    "via_unit_id": via_unit,
                    "circulation_id": circulation.id,
                    "delivered_at": circulation.sent_at,
                }
                for uid, via_unit in sorted(recipients.items())
            ],
        )
    return circulation


def get_assignment(session: Session, assignment_id: int) -> Assignment:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise errors.DocumentNotFound(N_("This assignment does not exist."))
    return assignment


def report_progress(
    session: Session, actor: User, assignment: Assignment, state: AssignmentState, note: str
) -> None:
    """The lead reports progress; "done" closes the assignment."""
    if actor.id != assignment.lead_id:
        raise errors.NotAllowed(N_("Only the person leading this task can report progress."))
    assignment.state = state
    assignment.progress_note = note.strip()[:1000]
    assignment.completed_at = utcnow() if state is AssignmentState.DONE else None
    record_event(
        session,
        "documents:assignment:progress",
        actor=actor,
        subject={"document": assignment.document_id, "assignment": assignment.id},
        details={"state": state.value},
    )


def assignments_for(
    session: Session, user: User, *, overdue_on: date | None = None
) -> list[Assignment]:
    """Tasks the user leads or cooperates on, or that their unit gave; optionally only overdue."""
    statement = (
        sa.select(Assignment)
        .options(joinedload(Assignment.document), joinedload(Assignment.lead))
        .where(
            sa.or_(
                Assignment.lead_id == user.id,
                Assignment.assigned_by_id == user.id,
                sa.exists().where(
                    AssignmentCooperator.assignment_id == Assignment.id,
                    AssignmentCooperator.user_id == user.id,
                ),
                sa.and_(Assignment.unit_id == user.unit_id, sa.literal(user.has_role(Role.CLERK))),
            )
        )
        .order_by(Assignment.deadline.is_(None), Assignment.deadline, Assignment.id)
    )
    if overdue_on is not None:
        statement = statement.where(
            Assignment.deadline < overdue_on, Assignment.state != AssignmentState.DONE
        )
    return list(session.scalars(statement).unique())


# --- incoming documents from outside -------------------------------------------------------------


@dataclass
class IncomingData:
    issuer_name: str
    number_symbol: str
    issued_on: date | None
    doc_type: DocType
    subject: str
    urgency: Urgency = Urgency.THUONG
    confidentiality: Confidentiality = Confidentiality.THUONG
    due_on: date | None = None


def find_duplicates(session: Session, unit_id: int, data: IncomingData) -> list[Document]:
    """Documents in the unit's incoming register with the same number, symbol and issuer."""
    return list(
        session.scalars(
            sa.select(Document).where(
                Document.direction == Direction.INCOMING,
                Document.unit_id == unit_id,
                sa.func.lower(Document.number_symbol) == data.number_symbol.strip().lower(),
                sa.func.lower(Document.issuer_name) == data.issuer_name.strip().lower(),
            )
        )
    )


def register_incoming(
    session: Session,
    blobs: StagedBlobs,
    actor: User,
    data: IncomingData,
    file_data: bytes,
    file_name: str,
    settings: Settings,
    *,
    today: date,
    accept_duplicate: bool = False,
) -> UnitReceipt:
    """Register a document received from outside VanThu in the unit's incoming register."""
    from documents.decree30 import parse_number_symbol

    if not actor.has_role(Role.CLERK):
        raise errors.NotAllowed(N_("Only a clerk can register incoming documents."))
    _check_subject(data.subject)
    if not data.issuer_name.strip():
        raise errors.InvalidDocument(N_("Write the name of the body that issued the document."))
    parsed = parse_number_symbol(data.number_symbol)
    data.number_symbol = str(parsed)
    duplicates = find_duplicates(session, actor.unit_id, data)
    if duplicates and not accept_duplicate:
        raise errors.PossibleDuplicate(
            N_("A document with number %(number_symbol)s from this issuer is already registered."),
            number_symbol=data.number_symbol,
            existing=[d.id for d in duplicates],
        )
    inspected = inspect_upload(file_data, file_name, settings.max_upload_bytes)
    if inspected.kind not in MAIN_FILE_KINDS:
        raise errors.WrongFileKind(N_("The document itself must be a PDF or a Word (DOCX) file."))
    document = Document(
        direction=Direction.INCOMING,
        status=Status.ISSUED,
        doc_type=data.doc_type,
        unit_id=actor.unit_id,
        issuer_name=data.issuer_name.strip(),
        subject=" ".join(data.subject.split()),
        number=parsed.number,
        number_symbol=data.number_symbol,
        issued_on=data.issued_on,
        urgency=data.urgency,
        confidentiality=data.confidentiality,
        due_on=data.due_on,
        created_by_id=actor.id,
    )
    session.add(document)
    session.flush()
    _add_version(session, blobs, actor, document, file_data, inspected.safe_name, "", inspected)
    receipt = UnitReceipt(
        document_id=document.id,
        unit_id=actor.unit_id,
        acknowledged_at=utcnow(),
        acknowledged_by_id=actor.id,
        incoming_year=today.year,
        incoming_number=next_number(session, actor.unit_id, today.year, NumberSeries.INCOMING),
    )
    session.add(receipt)
    session.flush()
    record_event(
        session,
        "documents:incoming:register",
        actor=actor,
        subject={"document": document.id},
        details={"incoming_number": receipt.incoming_number, "duplicate": bool(duplicates)},
    )
    return receipt


# --- lists ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxEntry:
    document: Document
    delivered_at: datetime
    unread: bool


def inbox(
    session: Session, user: User, *, unread_only: bool = False, limit: int = 100
) -> list[InboxEntry]:
    """What was sent to ``user``, newest first, with unread marked: one query."""
    opened = sa.exists().where(
        ReadReceipt.version_id == Document.current_version_id, ReadReceipt.user_id == user.id
    )
    statement = (
        sa.select(Document, Delivery.delivered_at, ~opened)
        .join(Delivery, Delivery.document_id == Document.id)
        .where(Delivery.user_id == user.id)
        .order_by(Delivery.delivered_at.desc(), Document.id.desc())
        .limit(limit)
    )
    if unread_only:
        statement = statement.where(~opened)
    return [InboxEntry(doc, at, bool(unread)) for doc, at, unread in session.execute(statement)]


def unit_receipts_pending(session: Session, user: User) -> list[UnitReceipt]:
    """Documents sent to the clerk's unit and not yet acknowledged."""
    return list(
        session.scalars(
            sa.select(UnitReceipt)
            .options(joinedload(UnitReceipt.document))
            .where(UnitReceipt.unit_id == user.unit_id, UnitReceipt.acknowledged_at.is_(None))
            .order_by(UnitReceipt.delivered_at)
        )
    )


def notifications_for(session: Session, user: User) -> list[Notification]:
    return list(
        session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc())
            .limit(20)
        )
    )


def outgoing_register(
    session: Session,
    unit_id: int,
    year: int,
    *,
    series: NumberSeries = NumberSeries.REGULAR,
    doc_type: DocType | None = None,
    text: str = "",
) -> list[IssuedNumber]:
    """Sổ văn bản đi: every number of the year in order, void numbers included."""
    statement = (
        sa.select(IssuedNumber)
        .options(joinedload(IssuedNumber.document))
        .where(
            IssuedNumber.unit_id == unit_id,
            IssuedNumber.year == year,
            IssuedNumber.series == series,
        )
        .order_by(IssuedNumber.number)
    )
    if doc_type is not None:
        statement = statement.join(Document, Document.id == IssuedNumber.document_id).where(
            Document.doc_type == doc_type
        )
    if text.strip():
        statement = statement.where(
            IssuedNumber.document.has(Document.search_text.contains(fold(text)))
        )
    return list(session.scalars(statement).unique())


def incoming_register(
    session: Session, unit_id: int, year: int, *, text: str = ""
) -> list[UnitReceipt]:
    """Sổ văn bản đến: acknowledged receipts of the year by incoming number."""
    statement = (
        sa.select(UnitReceipt)
        .options(
            joinedload(UnitReceipt.document).joinedload(Document.unit),
            joinedload(UnitReceipt.acknowledged_by),
        )
        .where(
            UnitReceipt.unit_id == unit_id,
            UnitReceipt.incoming_year == year,
            UnitReceipt.incoming_number.is_not(None),
        )
        .order_by(UnitReceipt.incoming_number)
    )
    if text.strip():
        statement = statement.where(
            UnitReceipt.document.has(Document.search_text.contains(fold(text)))
        )
    return list(session.scalars(statement).unique())


@dataclass(frozen=True)
class RecipientStatus:
    user: User
    via_unit: str
    delivered_at: datetime
    #: version number -> the receipt, or None when not opened
    opened: dict[int, ReadReceipt | None]


@dataclass(frozen=True)
class ReceiptReport:
    document: Document
    versions: list[DocumentVersion]
    recipients: list[RecipientStatus]
    units: list[UnitReceipt]

    def opened_count(self, version_number: int) -> int:
        return sum(1 for r in self.recipients if r.opened.get(version_number) is not None)


def receipt_report(session: Session, document: Document) -> ReceiptReport:
    """Per recipient and per version: delivered, opened (first, last, how often). Four queries."""
    versions = list(
        session.scalars(
            sa.select(DocumentVersion)
            .where(DocumentVersion.document_id == document.id)
            .order_by(DocumentVersion.number)
        )
    )
    deliveries = session.execute(
        sa.select(Delivery, User, Unit.name)
        .join(User, User.id == Delivery.user_id)
        .outerjoin(Unit, Unit.id == Delivery.via_unit_id)
        .options(selectinload(User.role_rows))
        .where(Delivery.document_id == document.id)
        .order_by(User.full_name, User.id)
    ).all()
    receipts = {
        (r.user_id, r.version_id): r
        for r in session.scalars(
            sa.select(ReadReceipt).where(ReadReceipt.document_id == document.id)
        )
    }
    units = list(
        session.scalars(
            sa.select(UnitReceipt)
            .options(joinedload(UnitReceipt.unit), joinedload(UnitReceipt.acknowledged_by))
            .where(UnitReceipt.document_id == document.id)
            .order_by(UnitReceipt.id)
        )
    )
    recipients = [
        RecipientStatus(
            user=user,
            via_unit=unit_name or "",
            delivered_at=delivery.delivered_at,
            opened={v.number: receipts.get((user.id, v.id)) for v in versions},
        )
        for delivery, user, unit_name in deliveries
    ]
    return ReceiptReport(document, versions, recipients, units)


def recipients_choice(session: Session) -> tuple[list[Unit], list[User]]:
    units = list(session.scalars(sa.select(Unit).order_by(Unit.name)))
    users = list(
        session.scalars(
            sa.select(User)
            .where(User.active)
            .order_by(User.full_name)
            .options(selectinload(User.role_rows))
        )
    )
    return units, users
