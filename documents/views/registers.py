"""Registering incoming documents, and the registers (sổ văn bản đi, đến) on screen and as CSV."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from accounts import auth
from accounts.models import Role
from core.clock import local_time, today_local
from core.db import get_session
from documents import errors, incoming, registers
from documents.decree30 import Confidentiality, DocType, Urgency
from documents.forms import IncomingForm
from documents.models import NumberSeries
from documents.views.blueprint import bp, choice, clerks, register_readers, settings, stage
from documents.views.exports import csv_response


@bp.route("/incoming/new", methods=["GET", "POST"])
@clerks
def register_incoming() -> ResponseReturnValue:
    form = IncomingForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("documents/incoming.html", form=form), status
    db = get_session()
    data = incoming.IncomingData(
        issuer_name=form.issuer_name.data or "",
        number_symbol=form.number_symbol.data or "",
        issued_on=form.issued_on.data,
        doc_type=choice(DocType, form.doc_type.data),
        subject=form.subject.data or "",
        urgency=choice(Urgency, form.urgency.data, Urgency.THUONG),
        confidentiality=choice(Confidentiality, form.confidentiality.data, Confidentiality.THUONG),
        due_on=form.due_on.data,
    )
    try:
        with stage() as staged:
            receipt = incoming.register_incoming(
                db,
                staged,
                auth.signed_in_user(),
                data,
                form.file.data.read(),
                form.file.data.filename or "",
                settings(),
                today=today_local(),
                accept_duplicate=bool(form.accept_duplicate.data),
            )
            db.commit()
    except errors.PossibleDuplicate as duplicate:
        db.rollback()
        return render_template("documents/incoming.html", form=form, duplicate=duplicate), 409
    flash(
        gettext("Registered with incoming number %(n)d.", n=receipt.incoming_number or 0), "success"
    )
    return redirect(url_for("documents.show", document_id=receipt.document_id))


def _register_scope() -> tuple[int, int]:
    user = auth.signed_in_user()
    year = request.args.get("year", type=int) or today_local().year
    unit_id = user.unit_id
    if user.has_role(Role.AUDITOR):
        unit_id = request.args.get("unit", type=int) or unit_id
    return unit_id, year


@bp.get("/registers/outgoing")
@register_readers
def outgoing_register() -> ResponseReturnValue:
    unit_id, year = _register_scope()
    series = choice(NumberSeries, request.args.get("series"), NumberSeries.REGULAR)
    doc_type = choice(DocType, request.args.get("type"))
    text = request.args.get("q", "")[:200]
    rows = registers.outgoing_register(
        get_session(),
        auth.signed_in_user(),
        unit_id,
        year,
        series=series,
        doc_type=doc_type,
        text=text,
    )
    if request.args.get("format") == "csv":
        return csv_response(f"so-van-ban-di-{year}.csv", OUTGOING_COLUMNS, _outgoing_rows(rows))
    return render_template(
        "documents/register_outgoing.html",
        rows=rows,
        year=year,
        series=series,
        doc_type=doc_type,
        text=text,
        DocType=DocType,
    )


OUTGOING_COLUMNS = [
    "number_symbol",
    "state",
    "date",
    "type",
    "subject",
    "signer",
    "recipients",
    "void_reason",
]


def _outgoing_rows(rows: Iterable[registers.RegisterRow[Any]]) -> Iterable[list[Any]]:
    for row in rows:
        document = row.document
        yield [
            row.number_symbol,
            row.entry.state.value,
            row.dated.isoformat() if row.dated else "",
            document.doc_type.label if document else "",
            registers.MASKED_SUBJECT if row.masked else document.subject if document else "",
            document.signer_name if document else "",
            " | ".join(document.recipients_text.splitlines()) if document else "",
            "" if row.masked else row.entry.void_reason or "",
        ]


@bp.get("/registers/incoming")
@register_readers
def incoming_register() -> ResponseReturnValue:
    unit_id, year = _register_scope()
    text = request.args.get("q", "")[:200]
    rows = registers.incoming_register(
        get_session(), auth.signed_in_user(), unit_id, year, text=text
    )
    if request.args.get("format") == "csv":
        return csv_response(f"so-van-ban-den-{year}.csv", INCOMING_COLUMNS, _incoming_rows(rows))
    return render_template("documents/register_incoming.html", rows=rows, year=year, text=text)


INCOMING_COLUMNS = [
    "incoming_number",
    "arrival",
    "issuer",
    "number_symbol",
    "date",
    "type",
    "subject",
    "acknowledged_by",
]


def _incoming_rows(rows: Iterable[registers.RegisterRow[Any]]) -> Iterable[list[Any]]:
    for row in rows:
        receipt, document = row.entry, row.document
        yield [
            receipt.incoming_number,
            local_time(receipt.acknowledged_at),
            document.issuer_name or document.unit.name if document else "",
            row.number_symbol,
            document.issued_on.isoformat() if document and document.issued_on else "",
            document.doc_type.label if document else "",
            document.subject if document else registers.MASKED_SUBJECT,
            receipt.acknowledged_by.full_name if receipt.acknowledged_by else "",
        ]
