"""Annex VI metadata of a document (dữ liệu đặc tả) and its stable identifier.

The identifier is OrganId.year.number/symbol, formed once when the parts are known and never
changed afterwards, even if a unit's OrganId is later corrected.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy.orm import Session

from accounts.models import Unit, is_organ_id
from core.clock import VIETNAM
from core.errors import N_
from core.storage import BlobStore
from documents import errors
from documents.metadata_trace import TraceHeader, trails
from documents.models import (
    Direction,
    Document,
    DocumentAddressee,
    DocumentVersion,
    Status,
    UnitReceipt,
)
from documents.registers import RegisterRow

#: Annex VI caps the subject (trích yếu) at 500 characters; so does our column.
SUBJECT_MAX = 500


def clean_organ_id(text: str) -> str:
    """An OrganId as typed, upper-cased; empty stays empty, anything else malformed is refused."""
    value = text.strip().upper()
    if value and not is_organ_id(value):
        raise errors.InvalidDocument(
            N_(
                "An organisation code (OrganId) has letters and digits in groups joined by "
                "dots, at most 32 characters, e.g. 000.00.00.H29."
            )
        )
    return value


def organ_id_of(unit: Unit | None) -> str | None:
    """The unit's OrganId, or the nearest parent's: set once on the organisation, overridable."""
    while unit is not None:
        if unit.organ_id:
            return unit.organ_id
        unit = unit.parent
    return None


def identifier_for(organ_id: str, year: int, number_symbol: str) -> str:
    return f"{organ_id}.{year}.{number_symbol}"


def assign_identifier(document: Document) -> str | None:
    """Give the document its identifier if it has none and its parts are known.

    Outgoing: the issuing unit's OrganId; incoming from outside: the issuer's, when the clerk
    entered it. The year is the issue date's (the year of the number series).
    """
    if document.identifier:
        return document.identifier
    if document.status is Status.DRAFT or not document.number_symbol or not document.issued_on:
        return None
    if document.direction is Direction.OUTGOING:
        organ_id = organ_id_of(document.unit)
    else:
        organ_id = document.issuer_organ_id or None
    if organ_id is None:
        return None
    document.identifier = identifier_for(organ_id, document.issued_on.year, document.number_symbol)
    return document.identifier


@dataclass(frozen=True)
class Addressee:
    organ_id: str
    organ_name: str


@dataclass(frozen=True)
class Metadata:
    """One document's Annex VI fields, as exported; a masked one carries its number only."""

    direction: Direction
    code_number: str
    code_notation: str
    identifier: str | None = None
    organ_id: str | None = None
    issued_date: date | None = None
    masked: bool = False
    file_catalog: int | None = None
    file_notation: str = ""
    doc_ordinal: int | None = None
    type_name: str = ""
    organ_name: str = ""
    subject: str = ""
    language: str = ""
    page_amount: int | None = None
    signer_position: str = ""
    signer_name: str = ""
    to: list[Addressee] = field(default_factory=list)
    to_places: list[str] = field(default_factory=list)
    priority: str = ""
    issued_amount: int | None = None
    due_date: date | None = None
    arrival_date: date | None = None
    arrival_number: int | None = None
    trace: list[TraceHeader] = field(default_factory=list)


def split_number_symbol(number_symbol: str) -> tuple[str, str]:
    """("05", "QĐ-UBND") from "05/QĐ-UBND"; ("15", "2020/NĐ-CP") from "15/2020/NĐ-CP"."""
    number, _, notation = number_symbol.partition("/")
    return number, notation


def require_numbered(document: Document) -> None:
    if document.status is Status.DRAFT or not document.number_symbol:
        raise errors.WrongState(
            N_("A draft has no metadata to export yet: number the document first.")
        )


def document_metadata(
    session: Session,
    document: Document,
    receipt: UnitReceipt | None = None,
    *,
    store: BlobStore | None = None,
) -> Metadata:
    """The Annex VI metadata of a numbered document; ``receipt`` adds its arrival in a unit.
    With ``store`` the page count is read from the document's PDF."""
    require_numbered(document)
    context = _Context.of(session, [document], store)
    return metadata_of(document, context.sent_to, receipt, context=context)


@dataclass(frozen=True)
class _Context:
    """What the metadata of several documents needs from the database, read in a few queries."""

    sent_to: dict[int, list[Addressee]]
    trace: dict[int, list[TraceHeader]]
    pages: dict[int, int]

    @classmethod
    def of(
        cls, session: Session, documents: Sequence[Document], store: BlobStore | None
    ) -> _Context:
        ids = [d.id for d in documents]
        return cls(
            _units_sent_to(session, ids),
            trails(session, ids, organ_id_of),
            pdf_pages(session, documents, store) if store is not None else {},
        )


def pdf_pages(session: Session, documents: Sequence[Document], store: BlobStore) -> dict[int, int]:
    """Pages of each document whose current version is a PDF, counted in the file itself: the
    number a clerk types in is only for documents without one (paper, Word)."""
    current = [d.current_version_id for d in documents if d.current_version_id is not None]
    if not current:
        return {}
    rows = session.execute(
        sa.select(DocumentVersion.document_id, DocumentVersion.sha256).where(
            DocumentVersion.id.in_(current), DocumentVersion.kind == "pdf"
        )
    )
    pages = {}
    for document_id, sha256 in rows:
        count = pdf_page_count(store.get(sha256))
        if count:
            pages[document_id] = count
    return pages


def pdf_page_count(data: bytes) -> int | None:
    """The page count of a PDF, or None for one that cannot be read without a password."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        return None if reader.is_encrypted else len(reader.pages)
    except Exception:  # pypdf raises many unrelated types on damaged files: typed in then
        return None


def arrival_receipt(session: Session, unit_id: int, document: Document) -> UnitReceipt | None:
    """The registration that gives the arrival: the reader's unit's, else (for a document from
    outside) the registering unit's."""
    receipts = {
        r.unit_id: r
        for r in session.scalars(
            sa.select(UnitReceipt).where(
                UnitReceipt.document_id == document.id,
                UnitReceipt.unit_id.in_([unit_id, document.unit_id]),
                UnitReceipt.incoming_number.is_not(None),
            )
        )
    }
    return receipts.get(unit_id) or receipts.get(document.unit_id)


def register_metadata(
    session: Session,
    rows: Sequence[RegisterRow[Any]],
    direction: Direction,
    *,
    store: BlobStore | None = None,
) -> list[Metadata]:
    """Metadata of a register's documents in register order: numbered ones, masked ones as
    their number and date only; void and merely reserved numbers have no document to describe."""
    shown = [r.document for r in rows if r.document is not None and not r.masked]
    context = _Context.of(session, shown, store)
    result = []
    for row in rows:
        receipt = row.entry if isinstance(row.entry, UnitReceipt) else None
        if row.masked:
            result.append(_masked(row, direction, receipt))
        elif row.document is not None and row.document.status is not Status.DRAFT:
            result.append(
                metadata_of(
                    row.document,
                    context.sent_to,
                    receipt,
                    require_organ_id=direction is Direction.OUTGOING,
                    context=context,
                )
            )
    return result


def _masked(row: RegisterRow[Any], direction: Direction, receipt: UnitReceipt | None) -> Metadata:
    """What a register's keeper may export of a row they may not open: number and date."""
    code_number, code_notation = split_number_symbol(row.number_symbol)
    dated = (
        row.dated if isinstance(row.dated, date) and not isinstance(row.dated, datetime) else None
    )
    return Metadata(
        direction,
        code_number,
        code_notation,
        issued_date=dated,
        masked=True,
        arrival_date=_arrival(receipt),
        arrival_number=receipt.incoming_number if receipt else None,
    )


def metadata_of(
    document: Document,
    sent_to: dict[int, list[Addressee]],
    receipt: UnitReceipt | None = None,
    *,
    require_organ_id: bool = True,
    context: _Context | None = None,
) -> Metadata:
    """Metadata of a loaded document; ``sent_to`` holds the VanThu units each was sent to.

    An outgoing document is described by its issuer's OrganId: without one, exporting it is
    refused, except in another unit's incoming register, which its clerks cannot fix.
    """
    code_number, code_notation = split_number_symbol(document.number_symbol or "")
    outgoing = document.direction is Direction.OUTGOING
    organ_id = organ_id_of(document.unit) if outgoing else document.issuer_organ_id or None
    if outgoing and organ_id is None and require_organ_id:
        raise errors.MissingOrganId(
            N_(
                "The issuing unit has no organisation code (OrganId) yet: ask an administrator "
                "to enter it for the unit or the organisation, then export again."
            )
        )
    return Metadata(
        direction=document.direction,
        code_number=code_number,
        code_notation=code_notation,
        identifier=assign_identifier(document),
        organ_id=organ_id,
        issued_date=document.issued_on,
        file_catalog=document.file_catalog,
        file_notation=document.file_notation,
        doc_ordinal=document.doc_ordinal,
        type_name=document.doc_type.label,
        organ_name=document.unit.name if outgoing else document.issuer_name,
        subject=document.subject[:SUBJECT_MAX],
        language=document.language,
        page_amount=context.pages.get(document.id, document.page_amount)
        if context
        else document.page_amount,
        signer_position=document.signer_title,
        signer_name=document.signer_name,
        to=sent_to.get(document.id, [])
        + [Addressee(a.organ_id, a.organ_name) for a in document.addressees],
        to_places=list(_places(document.recipients_text)),
        priority=document.urgency.label,
        issued_amount=document.issued_amount,
        due_date=document.due_on,
        arrival_date=_arrival(receipt),
        arrival_number=receipt.incoming_number if receipt else None,
        trace=context.trace.get(document.id, []) if context else [],
    )


def _arrival(receipt: UnitReceipt | None) -> date | None:
    if receipt is None or receipt.acknowledged_at is None:
        return None
    return receipt.acknowledged_at.astimezone(VIETNAM).date()


def _places(recipients_text: str) -> Iterable[str]:
    """Nơi nhận lines without their list dashes and trailing punctuation."""
    for line in recipients_text.splitlines():
        place = line.strip().lstrip("-–•").strip().rstrip(";,.").strip()
        if place:
            yield place


def units_sent_to(session: Session, document_ids: Iterable[int]) -> dict[int, list[Addressee]]:
    """The VanThu units each document was sent to, by name then id: one query for many."""
    return _units_sent_to(session, list(document_ids))


def _units_sent_to(session: Session, document_ids: list[int]) -> dict[int, list[Addressee]]:
    sent: dict[int, list[Addressee]] = {}
    if not document_ids:
        return sent
    rows = session.execute(
        sa.select(UnitReceipt.document_id, Unit)
        .join(Unit, Unit.id == UnitReceipt.unit_id)
        .where(UnitReceipt.document_id.in_(document_ids))
        .order_by(UnitReceipt.document_id, Unit.name, Unit.id)
    )
    for document_id, unit in rows:
        sent.setdefault(document_id, []).append(Addressee(organ_id_of(unit) or "", unit.name))
    return sent


def replace_addressees(session: Session, document: Document, lines: Iterable[str]) -> None:
    """Set the structured addressees from lines "OrganId; name" or just "name"."""
    addressees = []
    for line in lines:
        organ_id, separator, name = line.partition(";")
        if not separator:
            organ_id, name = "", organ_id
        name = " ".join(name.split())
        if not name:
            continue
        if len(name) > 255:
            raise errors.InvalidDocument(N_("An addressee's name has at most 255 characters."))
        addressees.append((clean_organ_id(organ_id), name))
    # Deleted first: the unit of work would insert the new positions before deleting the old.
    session.execute(
        sa.delete(DocumentAddressee).where(DocumentAddressee.document_id == document.id)
    )
    session.expire(document, ["addressees"])
    session.add_all(
        DocumentAddressee(document_id=document.id, position=n, organ_id=organ_id, organ_name=name)
        for n, (organ_id, name) in enumerate(addressees, 1)
    )
    session.flush()
    session.expire(document, ["addressees"])
