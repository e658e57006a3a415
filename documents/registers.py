"""The registers (sổ văn bản đi, sổ văn bản đến): every number of a unit's year, in order."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from documents.decree30 import DocType
from documents.models import Document, IssuedNumber, NumberSeries, UnitReceipt
from documents.textsearch import fold


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
