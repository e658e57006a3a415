"""The registers (sổ văn bản đi, sổ văn bản đến) as Annex IV lays them out, in number order.

A row shows what the viewer may open; the register's keepers (the unit's clerks) also see the
rows they may not open, masked to their number and date. Each register costs a fixed number of
queries, however many rows it has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from accounts.models import Role, Unit, User
from core.clock import VIETNAM
from documents.access import visible_to
from documents.assignment_models import Assignment, AssignmentState
from documents.decree30 import DocType
from documents.models import (
    Circulation,
    Document,
    IssuedNumber,
    NumberSeries,
    ReadReceipt,
    UnitReceipt,
)
from documents.replies import replies_of
from documents.textsearch import fold

#: What a masked row says instead of the type and subject.
MASKED_SUBJECT = "Văn bản mật"

Entry = TypeVar("Entry", IssuedNumber, UnitReceipt)


@dataclass(frozen=True)
class Acknowledgement:
    """A receiving unit's confirmation: the electronic "receiver's signature" column."""

    unit_name: str
    at: datetime


@dataclass(frozen=True)
class Dispatch:
    """Outgoing columns that come from circulation: the date sent and who acknowledged it."""

    sent_on: date | None
    acknowledged: tuple[Acknowledgement, ...]


@dataclass(frozen=True)
class Tracking:
    """Incoming columns from the unit's first assignment: handler, passing on, follow-up."""

    handler: str
    passed_on: date | None
    #: When the handler first opened it: their "signature" of receipt.
    handler_opened: datetime | None
    deadline: date | None
    state: AssignmentState | None
    progress_note: str
    #: The number/symbol of the unit's reply (documents.replies), empty while there is none.
    reply_number: str = ""


@dataclass(frozen=True)
class RegisterRow(Generic[Entry]):
    """One line of a register; ``document`` is None when the line is masked (or has none)."""

    entry: Entry
    number_symbol: str
    dated: date | datetime | None
    document: Document | None
    masked: bool
    dispatch: Dispatch | None = None
    tracking: Tracking | None = None


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
    kept = _filtered(rows, _keeps(viewer, unit_id), doc_type, text)
    dispatches = _dispatches(session, [r.document for r in kept if r.document is not None])
    return [
        replace(row, dispatch=dispatches.get(row.document.id)) if row.document else row
        for row in kept
    ]


def _dispatches(session: Session, documents: list[Document]) -> dict[int, Dispatch]:
    """Date sent (the set date, else the first circulation) and acknowledgements, two queries."""
    if not documents:
        return {}
    document_ids = [d.id for d in documents]
    first_sent: dict[int, datetime] = dict(
        session.execute(
            sa.select(Circulation.document_id, sa.func.min(Circulation.sent_at))
            .where(Circulation.document_id.in_(document_ids))
            .group_by(Circulation.document_id)
        ).all()
    )
    acknowledged: dict[int, list[Acknowledgement]] = {}
    for document_id, name, at in session.execute(
        sa.select(UnitReceipt.document_id, Unit.name, UnitReceipt.acknowledged_at)
        .join(Unit, Unit.id == UnitReceipt.unit_id)
        .where(UnitReceipt.document_id.in_(document_ids), UnitReceipt.acknowledged_at.is_not(None))
        .order_by(UnitReceipt.document_id, UnitReceipt.acknowledged_at, UnitReceipt.id)
    ):
        if at is not None:  # the query asked for acknowledged ones; this tells the type checker
            acknowledged.setdefault(document_id, []).append(Acknowledgement(name, at))
    return {
        d.id: Dispatch(
            d.sent_on or _local_date(first_sent.get(d.id)), tuple(acknowledged.get(d.id, ()))
        )
        for d in documents
    }


def _local_date(moment: datetime | None) -> date | None:
    return moment.astimezone(VIETNAM).date() if moment is not None else None


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
    kept = _filtered(rows, _keeps(viewer, unit_id), None, text)
    tracking = _tracking(session, unit_id, [r.document for r in kept if r.document is not None])
    return [
        replace(row, tracking=tracking.get(row.document.id)) if row.document else row
        for row in kept
    ]


def _tracking(session: Session, unit_id: int, documents: list[Document]) -> dict[int, Tracking]:
    """The unit's first assignment of each document and when its lead first opened it."""
    if not documents:
        return {}
    document_ids = [d.id for d in documents]
    first: dict[int, Assignment] = {}
    for each in session.scalars(
        sa.select(Assignment)
        .options(joinedload(Assignment.lead), joinedload(Assignment.lead_unit))
        .where(Assignment.unit_id == unit_id, Assignment.document_id.in_(document_ids))
        .order_by(Assignment.document_id, Assignment.assigned_at, Assignment.id)
    ):
        first.setdefault(each.document_id, each)
    opened: dict[tuple[int, int], datetime] = {}
    leads = {a.lead_id for a in first.values() if a.lead_id is not None}
    if leads:
        for document_id, user_id, at in session.execute(
            sa.select(ReadReceipt.document_id, ReadReceipt.user_id, ReadReceipt.first_opened_at)
            .where(ReadReceipt.document_id.in_(list(first)), ReadReceipt.user_id.in_(leads))
            .order_by(ReadReceipt.first_opened_at, ReadReceipt.id)
        ):
            opened.setdefault((document_id, user_id), at)
    replies = replies_of(session, document_ids, unit_id=unit_id)
    result = {}
    for document in documents:
        reply = replies.get(document.id)
        reply_number = (reply.number_symbol or "") if reply is not None else ""
        assignment = first.get(document.id)
        if assignment is None:
            result[document.id] = Tracking(
                "", None, None, document.due_on, None, "", reply_number=reply_number
            )
            continue
        lead = assignment.lead
        result[document.id] = Tracking(
            handler=lead.full_name if lead is not None else _unit_name(assignment.lead_unit),
            passed_on=_local_date(assignment.assigned_at),
            handler_opened=opened.get((document.id, assignment.lead_id))
            if assignment.lead_id is not None
            else None,
            deadline=assignment.deadline or document.due_on,
            state=assignment.state,
            progress_note=assignment.progress_note,
            reply_number=reply_number,
        )
    return result


def _unit_name(unit: Unit | None) -> str:
    return unit.name if unit is not None else ""


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
