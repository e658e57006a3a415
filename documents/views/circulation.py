"""Numbering, sending and recalling a document, acknowledging receipt, and the sender's receipts."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from accounts import auth, picker, picker_form
from accounts.models import Role
from core.clock import local_time, today_local
from core.db import get_session
from documents import access, circulation, errors, incoming, numbering, reading
from documents.forms import CirculateForm, ReasonForm
from documents.steps import Action
from documents.views.blueprint import bp, clerks, load, signed_in
from documents.views.exports import csv_response
from documents.views.steps import inline_errors, require


@bp.post("/documents/<int:document_id>/void-number")
@clerks
@inline_errors
def void_number(document_id: int) -> ResponseReturnValue:
    document = load(document_id, manage=True)
    form = ReasonForm()
    db = get_session()
    numbering.void_number(db, auth.signed_in_user(), document, form.reason.data or "")
    db.commit()
    flash(gettext("The number is recorded as void."), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.route("/documents/<int:document_id>/circulate", methods=["GET", "POST"])
@clerks
@inline_errors
def circulate(document_id: int) -> ResponseReturnValue:
    document = load(document_id, manage=True)
    db = get_session()
    form = CirculateForm()
    tree = picker.build(db, units_allowed=not document.is_confidential)
    valid = form.validate_on_submit()  # first: validating clears the fields' errors
    picked = picker_form.read(tree, form.units, form.users) if form.is_submitted() else None
    if not valid or picked is None:
        page = render_template("documents/circulate.html", form=form, document=document, tree=tree)
        return page, 400 if form.is_submitted() else 200
    require(document, Action.DISPATCH)
    result = circulation.circulate(
        db,
        auth.signed_in_user(),
        document,
        unit_ids=picked.unit_ids,
        user_ids=picked.user_ids,
        message=form.message.data or "",
    )
    db.commit()
    flash(gettext("Sent to %(n)d people.", n=result.delivered), "success")
    return redirect(url_for("documents.receipts", document_id=document.id))


@bp.post("/documents/<int:document_id>/acknowledge")
@clerks
@inline_errors
def acknowledge(document_id: int) -> ResponseReturnValue:
    document = load(document_id)
    db = get_session()
    receipt = incoming.acknowledge(db, auth.signed_in_user(), document, today_local())
    db.commit()
    flash(
        gettext("Receipt acknowledged; incoming number %(n)d.", n=receipt.incoming_number or 0),
        "success",
    )
    return redirect(url_for("documents.show", document_id=document.id))


@bp.post("/documents/<int:document_id>/recall")
@clerks
@inline_errors
def recall(document_id: int) -> ResponseReturnValue:
    document = load(document_id, manage=True)
    db = get_session()
    notified = circulation.recall(
        db, auth.signed_in_user(), document, ReasonForm().reason.data or ""
    )
    db.commit()
    flash(
        gettext("The document is recalled; %(n)d recipients were notified.", n=notified), "success"
    )
    return redirect(url_for("documents.show", document_id=document.id))


@bp.get("/documents/<int:document_id>/receipts")
@signed_in
def receipts(document_id: int) -> ResponseReturnValue:
    """The sender's dashboard: who has and has not opened each version."""
    document = load(document_id)
    user = auth.signed_in_user()
    if not (access.can_manage(user, document) or user.has_role(Role.AUDITOR)):
        raise errors.NotAllowed(_l("Only the sender and auditors see the receipts."))
    report = reading.receipt_report(get_session(), document)
    if request.args.get("format") == "csv":
        return _receipts_csv(report)
    return render_template("documents/receipts.html", report=report, document=document)


def _receipts_csv(report: reading.ReceiptReport) -> Response:
    # Headed in the reader's language, by the dashboard's labels.
    header = [
        gettext("Account no."),
        gettext("Full name"),
        gettext("Title"),
        gettext("Via unit"),
        gettext("Delivered"),
    ]
    for version in report.versions:
        n = version.number
        header += [
            f"v{n} SHA-256",
            gettext("v%(n)d first opened", n=n),
            gettext("v%(n)d last opened", n=n),
            gettext("v%(n)d times opened", n=n),
        ]
    rows = []
    for r in report.recipients:
        row: list[Any] = [
            r.user.id,
            r.user.full_name,
            r.user.title,
            r.via_unit,
            local_time(r.delivered_at),
        ]
        for version in report.versions:
            receipt = r.opened.get(version.number)
            row += [
                version.sha256,
                local_time(receipt.first_opened_at) if receipt else "",
                local_time(receipt.last_opened_at) if receipt else "",
                receipt.times_opened if receipt else 0,
            ]
        rows.append(row)
    return csv_response(f"receipts-{report.document.id}.csv", header, rows)
