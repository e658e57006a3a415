"""A register's rows as the files a clerk takes away: CSV, A4 landscape PDF, Annex VI XML/JSON.

The columns are Annex IV's, in its order; every export is audited (what and how many rows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from flask import Response, current_app
from flask_babel import gettext

from accounts import auth
from accounts.models import Unit
from audit import record_event
from core.clock import local_time
from core.db import get_session
from core.storage import blob_store
from documents import metadata, metadata_export, register_print, registers, returns
from documents.models import AssignmentState, Direction, NumberState
from documents.views.exports import csv_response

FORMATS = ("csv", "pdf", "xml", "json")
Row = registers.RegisterRow[Any]
Marks = dict[int, list[returns.ReturnMark]]


def state_label(state: AssignmentState | None) -> str:
    """An assignment's state in the reader's words, never the stored English value."""
    if state is None:
        return ""
    return {
        AssignmentState.PENDING: gettext("Not started"),
        AssignmentState.IN_PROGRESS: gettext("In progress"),
        AssignmentState.DONE: gettext("Done"),
    }[state]


def _day(value: date | datetime | None) -> str:
    if isinstance(value, datetime):
        return local_time(value)
    return value.strftime("%d/%m/%Y") if value else ""


def _iso(value: date | datetime | None) -> str:
    if isinstance(value, datetime):
        return local_time(value)
    return value.isoformat() if value else ""


#: (CSV column name, heading, relative width in the PDF, value of a row given a date format);
#: a column without a name is only printed, one with no width only in the CSV. The CSV is
#: headed by the headings, in the reader's language, as the page and the printout are.
Column = tuple[str, Callable[[], str], float, Callable[[Row, Callable[..., str]], str]]


def _type_and_subject(weight: float) -> list[Column]:
    """Annex IV's "type and subject" column: printed as one, two columns in the CSV."""

    def type_name(row: Row, _: Any) -> str:
        return row.document.doc_type.label if row.document else ""

    def subject(row: Row, _: Any) -> str:
        if row.masked:
            return registers.MASKED_SUBJECT
        return row.document.subject if row.document else ""

    def both(row: Row, _: Any) -> str:
        return ": ".join(p for p in (type_name(row, _), subject(row, _)) if p)

    return [
        ("type", lambda: gettext("Type"), 0, type_name),
        ("subject", lambda: gettext("Subject"), 0, subject),
        ("", lambda: gettext("Type and subject"), weight, both),
    ]


def _return_notes(marks: Marks, row: Row, unit_id: int | None = None) -> list[str]:
    """Each return of the row's document (by ``unit_id`` only, if given) and its re-sending."""
    if row.masked or row.document is None:
        return []
    notes = []
    for m in marks.get(row.document.id, []):
        if unit_id is not None and m.unit_id != unit_id:
            continue
        when = local_time(m.returned_at)
        text = gettext(
            "Returned by %(unit)s on %(when)s (version %(n)d): %(reason)s",
            unit=m.unit_name, when=when, n=m.version, reason=m.reason,
        )  # fmt: skip
        if m.resent_version and m.resent_at:
            again = gettext(
                "sent again as version %(n)d on %(when)s",
                n=m.resent_version,
                when=local_time(m.resent_at),
            )
            text = f"{text}; {again}"
        notes.append(text)
    return notes


def _outgoing_columns(marks: Marks) -> list[Column]:
    def notes(row: Row, _: Any) -> str:
        if row.masked:
            return ""
        if row.entry.state is NumberState.VOID:
            return f"{gettext('Void number')}: {row.entry.void_reason or ''}"
        note = row.document.register_note if row.document else ""
        return " | ".join(n for n in (note, *_return_notes(marks, row)) if n)

    def received(row: Row, _: Any) -> str:
        acks = row.dispatch.acknowledged if row.dispatch else ()
        return " | ".join(f"{a.unit_name} ({local_time(a.at)})" for a in acks)

    def doc(attribute: str) -> Callable[[Row, Any], str]:
        return lambda row, _: str(getattr(row.document, attribute) or "") if row.document else ""

    return [
        ("number_symbol", lambda: gettext("Number and symbol"), 9, lambda r, _: r.number_symbol),
        ("date", lambda: gettext("Date"), 7, lambda r, fmt: fmt(r.dated)),
        *_type_and_subject(29),
        ("signer", lambda: gettext("Signer"), 10, doc("signer_name")),
        (
            "recipients",
            lambda: gettext("Recipients"),
            14,
            lambda r, _: " | ".join(r.document.recipients_text.splitlines()) if r.document else "",
        ),
        ("file_copy_unit", lambda: gettext("Unit holding the file copy"), 9, doc("file_copy_unit")),
        ("copies", lambda: gettext("Copies"), 5, doc("issued_amount")),
        (
            "sent_on",
            lambda: gettext("Date sent"),
            7,
            lambda r, fmt: fmt(r.dispatch.sent_on) if r.dispatch else "",
        ),
        ("received_by", lambda: gettext("Receiver's acknowledgement"), 14, received),
        ("notes", lambda: gettext("Notes"), 10, notes),
        ("state", lambda: gettext("Status"), 0, lambda r, _: r.entry.state.value),
    ]


def _incoming_columns(marks: Marks) -> list[Column]:
    def notes(row: Row, _: Any) -> str:
        if row.masked or row.document is None:
            return ""
        returned = _return_notes(marks, row, row.entry.unit_id)
        return " | ".join(n for n in (row.entry.register_note, *returned) if n)

    def shown(get: Callable[[Any], Any]) -> Callable[[Row, Any], str]:
        return lambda row, _: "" if row.masked or row.document is None else str(get(row) or "")

    def tracked(get: Callable[[registers.Tracking, Callable[..., str]], str]) -> Any:
        return lambda row, fmt: get(row.tracking, fmt) if row.tracking and not row.masked else ""

    def progress(t: registers.Tracking, _: Any) -> str:
        return " — ".join(p for p in (state_label(t.state), t.progress_note) if p)

    return [
        ("arrival", lambda: gettext("Arrived"), 8, lambda r, fmt: fmt(r.entry.acknowledged_at)),
        (
            "incoming_number",
            lambda: gettext("Incoming no."),
            5,
            lambda r, _: str(r.entry.incoming_number),
        ),
        (
            "issuer",
            lambda: gettext("Issuing body"),
            11,
            shown(lambda r: r.document.issuer_name or r.document.unit.name),
        ),
        ("number_symbol", lambda: gettext("Number and symbol"), 8, lambda r, _: r.number_symbol),
        (
            "date",
            lambda: gettext("Date"),
            6,
            lambda r, fmt: "" if r.masked or not r.document else fmt(r.document.issued_on),
        ),
        *_type_and_subject(20),
        ("handler", lambda: gettext("Handler"), 9, tracked(lambda t, _: t.handler)),
        (
            "passed_on",
            lambda: gettext("Date passed on"),
            6,
            tracked(lambda t, fmt: fmt(t.passed_on)),
        ),
        (
            "handler_signature",
            lambda: gettext("Handler's acknowledgement"),
            8,
            tracked(lambda t, fmt: fmt(t.handler_opened)),
        ),
        ("notes", lambda: gettext("Notes"), 8, notes),
        ("deadline", lambda: gettext("Deadline"), 6, tracked(lambda t, fmt: fmt(t.deadline))),
        ("progress", lambda: gettext("Progress"), 9, tracked(progress)),
        (
            "reply_number",
            lambda: gettext("Reply's number"),
            6,
            tracked(lambda t, _: t.reply_number),
        ),
        (
            "acknowledged_by",
            lambda: gettext("Acknowledged by"),
            0,
            lambda r, _: r.entry.acknowledged_by.full_name if r.entry.acknowledged_by else "",
        ),
    ]


def export(
    direction: Direction, wanted: str, unit_id: int, year: int, rows: Sequence[Row]
) -> Response:
    """The register ``rows`` as ``wanted`` (one of FORMATS), audited."""
    session = get_session()
    unit = session.get(Unit, unit_id)
    unit_name = unit.name if unit else ""
    outgoing = direction is Direction.OUTGOING
    stem = f"so-van-ban-{'di' if outgoing else 'den'}-{year}"
    if wanted in ("xml", "json"):
        metas = metadata.register_metadata(session, rows, direction, store=blob_store(current_app))
        header = metadata_export.RegisterHeader(
            direction.value, year, unit_name, metadata.organ_id_of(unit)
        )
        if wanted == "xml":
            body, mime = metadata_export.register_xml(header, metas), "application/xml"
        else:
            body, mime = metadata_export.register_json(header, metas), "application/json"
        response = Response(body, mimetype=mime)
    else:
        marks = returns.register_marks(session, [r.document for r in rows])
        columns = _outgoing_columns(marks) if outgoing else _incoming_columns(marks)
        if wanted == "csv":
            listed = [c for c in columns if c[0]]
            response = csv_response(
                f"{stem}.csv",
                [heading() for _, heading, *_ in listed],
                ([value(row, _iso) for *_, value in listed] for row in rows),
            )
        else:
            printed = [c for c in columns if c[2] > 0]
            title = gettext("Outgoing register") if outgoing else gettext("Incoming register")
            pdf = register_print.register_pdf(
                f"{title} {year}",
                unit_name,
                [register_print.Column(heading(), weight) for _, heading, weight, _ in printed],
                _texts(printed, rows),
            )
            response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{wanted}"'
    record_event(
        session,
        "documents:register:export",
        actor=auth.signed_in_user(),
        subject={"unit": unit_id},
        details={"register": direction.value, "year": year, "format": wanted, "rows": len(rows)},
    )
    session.commit()
    return response


def _texts(columns: list[Column], rows: Iterable[Row]) -> Iterable[list[str]]:
    for row in rows:
        yield [value(row, _day) for *_, value in columns]
