"""One document's register fields (the clerk fills them in) and its Annex VI metadata export."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from accounts import auth
from audit import record_event
from core.db import get_session
from core.errors import N_
from core.storage import blob_store
from documents import errors, metadata, metadata_export, register_fields
from documents.forms import RegisterFieldsForm
from documents.models import Direction
from documents.views.blueprint import bp, clerks, load, signed_in


@bp.route("/documents/<int:document_id>/register-fields", methods=["GET", "POST"])
@clerks
def register_fields_page(document_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    document = load(document_id)
    receipt = register_fields.own_receipt(db, user, document)
    keeper = register_fields.keeps_document_fields(user, document)
    if not keeper and receipt is None:
        raise errors.NotAllowed(
            N_("Only the clerks of a unit whose register holds this document can fill it in."),
            document=document.id,
        )
    form = RegisterFieldsForm(obj=document)
    if request.method == "GET":
        form.addressees.data = "\n".join(
            f"{a.organ_id}; {a.organ_name}" if a.organ_id else a.organ_name
            for a in document.addressees
        )
        if receipt is not None and not (keeper and document.direction is Direction.OUTGOING):
            form.register_note.data = receipt.register_note
    page = {"document": document, "form": form, "keeper": keeper}
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("documents/register_fields.html", **page), status
    data = register_fields.RegisterFields(
        file_copy_unit=form.file_copy_unit.data or "",
        issued_amount=form.issued_amount.data,
        sent_on=form.sent_on.data,
        register_note=form.register_note.data or "",
        file_catalog=form.file_catalog.data,
        file_notation=form.file_notation.data or "",
        doc_ordinal=form.doc_ordinal.data,
        language=form.language.data or "vi",
        page_amount=form.page_amount.data,
        issuer_organ_id=form.issuer_organ_id.data or "",
        addressees=(form.addressees.data or "").splitlines(),
    )
    register_fields.save(db, user, document, data)
    db.commit()
    flash(gettext("The register entries were saved."), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.get("/documents/<int:document_id>/metadata/<file_format>")
@signed_in
def document_metadata(document_id: int, file_format: str) -> ResponseReturnValue:
    """Annex VI metadata of a document its reader may see; the arrival is their unit's."""
    if file_format not in ("xml", "json"):
        raise errors.InvalidDocument(N_("This export format is not offered."))
    db, user = get_session(), auth.signed_in_user()
    document = load(document_id)
    receipt = metadata.arrival_receipt(db, user.unit_id, document)
    meta = metadata.document_metadata(db, document, receipt, store=blob_store(current_app))
    if file_format == "xml":
        response = Response(metadata_export.document_xml(meta), mimetype="application/xml")
    else:
        response = Response(metadata_export.document_json(meta), mimetype="application/json")
    name = f"van-ban-{document.id}.{file_format}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    record_event(
        db,
        "documents:metadata:export",
        actor=user,
        subject={"document": document.id},
        details={"format": file_format},
    )
    db.commit()
    return response
