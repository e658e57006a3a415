"""Incoming documents: a unit receives a document, sent through VanThu or from outside.

Either way its clerk gives it the next number of the unit's incoming register.
"""

from __future__ import annotations

import contextlib
import unicodedata
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import Role, User
from audit import record_event
from core.db import utcnow
from core.errors import N_
from core.storage import StagedBlobs
from documents import errors, returns
from documents.decree30 import (
    Confidentiality,
    DocType,
    Urgency,
    normalise_d,
    parse_number_symbol,
)
from documents.drafting import MAIN_FILE_KINDS, Settings, add_version, check_subject
from documents.files import inspect_upload
from documents.models import Direction, Document, NumberSeries, Status, UnitReceipt
from documents.numbering import next_number


def awaits_acknowledgement(session: Session, user: User, document: Document) -> bool:
    """Whether ``user`` is a clerk of a unit the document was sent to that has not acknowledged
    it yet (nor returned it): the one case the "acknowledge" button is offered."""
    if not user.has_role(Role.CLERK):
        return False
    return (
        session.scalar(
            sa.select(UnitReceipt.id).where(
                UnitReceipt.document_id == document.id,
                UnitReceipt.unit_id == user.unit_id,
                UnitReceipt.acknowledged_at.is_(None),
                ~returns.returned_by_unit(UnitReceipt.document_id, UnitReceipt.unit_id),
            )
        )
        is not None
    )


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
    returns.refuse_if_returned(session, document, actor.unit_id)
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


def fold(text: str) -> str:
    """Text as a clerk reads it: NFC, Ð read as Đ, case and runs of spaces ignored."""
    text = normalise_d(unicodedata.normalize("NFC", text))
    return unicodedata.normalize("NFC", " ".join(text.casefold().split()))


def duplicate_key(number_symbol: str, issuer_name: str) -> str:
    """The key two registrations of one document share ("05/QĐ-BNV" of "Bộ  Nội vụ").

    Computed here and stored, never by SQL ``lower()``, which leaves Đ alone on SQLite.
    """
    with contextlib.suppress(errors.BadNumberSymbol):
        number_symbol = str(parse_number_symbol(number_symbol))
    return f"{fold(number_symbol)}|{fold(issuer_name)}"[:320]


def find_duplicates(session: Session, unit_id: int, data: IncomingData) -> list[Document]:
    """Documents in the unit's incoming register with the same number, symbol and issuer."""
    return list(
        session.scalars(
            sa.select(Document)
            .where(
                Document.direction == Direction.INCOMING,
                Document.unit_id == unit_id,
                Document.duplicate_key == duplicate_key(data.number_symbol, data.issuer_name),
            )
            .order_by(Document.id)
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
    if not actor.has_role(Role.CLERK):
        raise errors.NotAllowed(N_("Only a clerk can register incoming documents."))
    check_subject(data.subject)
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
        issuer_name=" ".join(data.issuer_name.split()),
        subject=" ".join(data.subject.split()),
        number=parsed.number,
        number_symbol=data.number_symbol,
        duplicate_key=duplicate_key(data.number_symbol, data.issuer_name),
        issued_on=data.issued_on,
        urgency=data.urgency,
        confidentiality=data.confidentiality,
        due_on=data.due_on,
        created_by_id=actor.id,
    )
    session.add(document)
    session.flush()
    add_version(session, blobs, actor, document, file_data, inspected.safe_name, "", inspected)
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
