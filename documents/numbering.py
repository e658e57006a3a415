"""Numbering: a draft gets its number and symbol (số, ký hiệu) and is issued, or the number is void.

Numbers come from one counter per unit, year and series and are never reused.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.db import dialect_insert
from core.errors import N_
from core.storage import StagedBlobs
from documents import errors
from documents.circulation import refuse_if_recalled
from documents.decree30 import number_symbol, require_drafting_unit
from documents.metadata import assign_identifier
from documents.models import (
    Direction,
    Document,
    IssuedNumber,
    NumberCounter,
    NumberSeries,
    NumberState,
    Status,
)
from documents.search import reindex


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
    refuse_if_recalled(document)
    require_drafting_unit(document.doc_type, document.drafter_abbr)
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
    sealed_version_id: int | None = None,
) -> IssuedNumber:
    """Issue (ban hành) a signed and sealed draft: its number is used and it is registered.

    An outgoing document has legal value only with the official's signature and the
    organisation's seal (Decree 30, Art. 5 and 14), so it is issued only from the seal, which
    passes the version it was applied to: the current one, showing the number and date reserved
    at submission. ``blobs`` is kept for the callers; issuing writes no file.
    """
    del blobs
    if document.status is not Status.DRAFT:
        raise errors.WrongState(N_("Only a draft can be numbered."))
    if document.direction is Direction.OUTGOING and (
        sealed_version_id is None or sealed_version_id != document.current_version_id
    ):
        raise errors.NotSealed.unsigned()
    issued = (
        _reserved_number(session, document)
        if document.number is not None
        else reserve_number(session, actor, document, today)
    )
    issued.state = NumberState.USED
    document.status = Status.ISSUED
    document.sealed_version_id = sealed_version_id
    assign_identifier(document)  # stays None until the unit's OrganId is set
    reindex(session, document)
    record_event(
        session,
        "documents:document:issue",
        actor=actor,
        subject={"document": document.id},
        details={
            "number_symbol": issued.number_symbol,
            "version": sealed_version_id,
            "identifier": document.identifier,
        },
    )
    return issued


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
