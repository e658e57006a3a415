"""The registers (sổ văn bản đi, sổ văn bản đến): every number of a unit's year, in order.

A row shows what the viewer may open; the register's keepers (the unit's clerks) also see the
rows they may not open, masked to their number and date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from accounts.models import Role, User
from documents.access import visible_to
from documents.decree30 import DocType
from documents.models import Document, IssuedNumber, NumberSeries, UnitReceipt
from documents.textsearch import fold

#: What a masked row says instead of the type and subject.
MASKED_SUBJECT = "Văn bản mật"

Entry = TypeVar("Entry", IssuedNumber, UnitReceipt)


@dataclass(frozen=True)
class RegisterRow(Generic[Entry]):
    """One line of a register; ``document`` is None when the line is masked (or has none)."""

    entry: Entry
    number_symbol: str
    dated: date | datetime | None
    document: Document | None
    masked: bool


def outgoing_register(
    session: Session,
    viewer: User,
    unit_id: int,
    year: int,
    *,
    series: NumberSeries = NumberSeries.REGULAR,
    doc_type: DocType | None = None,
    text: str = "",
) -> list[RegisterRow[IssuedNumber]]:
    """Sổ văn bản đi: every number of the year in order, void numbers included."""
    statement = (
        sa.select(IssuedNumber, Document, visible_to(viewer))
        .outerjoin(Document, Document.id == IssuedNumber.document_id)
        .where(
            IssuedNumber.unit_id == unit_id,
            IssuedNumber.year == year,
            IssuedNumber.series == series,
        )
        .order_by(IssuedNumber.number)
    )
    rows = (
        RegisterRow(
            issued,
            issued.number_symbol,
            document.issued_on if document else None,
            document if opened or document is None else None,
            bool(document is not None and not opened),
        )
        for issued, document, opened in session.execute(statement)
    )
    return _filtered(rows, _keeps(viewer, unit_id), doc_type, text)


def incoming_register(
    session: Session, viewer: User, unit_id: int, year: int, *, text: str = ""
) -> list[RegisterRow[UnitReceipt]]:
    """Sổ văn bản đến: acknowledged receipts of the year by incoming number."""
    statement = (
        sa.select(UnitReceipt, Document, visible_to(viewer))
        .join(Document, Document.id == UnitReceipt.document_id)
        .options(joinedload(UnitReceipt.acknowledged_by))
        .where(
            UnitReceipt.unit_id == unit_id,
            UnitReceipt.incoming_year == year,
            UnitReceipt.incoming_number.is_not(None),
        )
        .order_by(UnitReceipt.incoming_number)
    )
    rows = (
        RegisterRow(
            receipt,
            document.number_symbol or "",
            receipt.acknowledged_at,
            document if opened else None,
            not opened,
        )
        for receipt, document, opened in session.execute(statement)
    )
    return _filtered(rows, _keeps(viewer, unit_id), None, text)


def _keeps(viewer: User, unit_id: int) -> bool:
    """The unit's clerks keep its registers: they see every number, masked or not."""
    return viewer.has_role(Role.CLERK) and viewer.unit_id == unit_id


def _filtered(
    rows: Iterable[RegisterRow[Entry]], keeper: bool, doc_type: DocType | None, text: str
) -> list[RegisterRow[Entry]]:
    """Drop what the viewer may not see; filters look at the number and at what is shown only.

    The text filter matches the number and the subject, never the body: a row appearing or
    not must not tell anything about a text its viewer may not read.
    """
    wanted = fold(text)
    kept = []
    for row in rows:
        if row.masked and not keeper:
            continue
        if doc_type is not None and (row.document is None or row.document.doc_type != doc_type):
            continue
        shown = f"{row.number_symbol} {row.document.subject if row.document else ''}"
        if wanted and wanted not in fold(shown):
            continue
        kept.append(row)
    return kept
