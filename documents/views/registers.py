"""Registering incoming documents, and the registers (sổ văn bản đi, đến) on screen, as CSV,
as an A4 landscape PDF, and their Annex VI metadata as XML or JSON."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from accounts import auth
from accounts.models import Role
from core.clock import today_local
from core.db import get_session
from core.errors import N_
from documents import errors, incoming, registers
from documents.decree30 import Confidentiality, DocType, Urgency
from documents.forms import IncomingForm
from documents.models import Direction, NumberSeries
from documents.views import register_exports
from documents.views.blueprint import bp, choice, clerks, register_readers, settings, stage


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


def _format() -> str:
    wanted = request.args.get("format", "html")
    if wanted not in ("html", *register_exports.FORMATS):
        raise errors.InvalidDocument(N_("This export format is not offered."))
    return wanted


@bp.get("/registers/outgoing")
@register_readers
def outgoing_register() -> ResponseReturnValue:
    unit_id, year = _register_scope()
    wanted = _format()
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
    if wanted != "html":
        return register_exports.export(Direction.OUTGOING, wanted, unit_id, year, rows)
    return render_template(
        "documents/register_outgoing.html",
        rows=rows,
        year=year,
        series=series,
        doc_type=doc_type,
        text=text,
        DocType=DocType,
        state_label=register_exports.state_label,
    )


@bp.get("/registers/incoming")
@register_readers
def incoming_register() -> ResponseReturnValue:
    unit_id, year = _register_scope()
    wanted = _format()
    text = request.args.get("q", "")[:200]
    rows = registers.incoming_register(
        get_session(), auth.signed_in_user(), unit_id, year, text=text
    )
    if wanted != "html":
        return register_exports.export(Direction.INCOMING, wanted, unit_id, year, rows)
    return render_template(
        "documents/register_incoming.html",
        rows=rows,
        year=year,
        text=text,
        state_label=register_exports.state_label,
    )
