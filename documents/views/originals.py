"""The PDF original made in the background: the clerk's action, its job, and its progress."""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, jsonify, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from accounts import auth
from core import jobs
from core.db import get_session
from core.storage import blob_store
from documents import errors, originals
from documents.conversion_models import PdfConversion
from documents.views.blueprint import bp, clerks, converter, converting, load, settings, signed_in
from documents.views.steps import inline_errors


def register_jobs(app: Flask) -> None:
    jobs.register(app, originals.KIND, run_pdf_original)


def run_pdf_original(run: jobs.JobRun) -> dict[str, Any]:
    return originals.run_conversion(
        run.session,
        blob_store(run.app),
        int(run.payload["conversion"]),
        run.job.id,
        converter(run.app),
        settings(run.app),
    )


@bp.post("/documents/<int:document_id>/pdf-original")
@clerks
@inline_errors
def pdf_original(document_id: int) -> ResponseReturnValue:
    """Queue the conversion of the final Word file into the PDF original (a new version)."""
    document = load(document_id, manage=True)
    db = get_session()
    originals.request_pdf_original(db, auth.signed_in_user(), document, converting())
    db.commit()
    flash(gettext("The Word file is being turned into PDF."), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.get("/documents/<int:document_id>/pdf-original/status")
@signed_in
def pdf_original_status(document_id: int) -> ResponseReturnValue:
    """The latest conversion's state, polled by the document page (meetings-job.mjs)."""
    document = load(document_id, manage=True)
    found = originals.conversion_status(get_session(), document)
    if found is None:
        raise errors.DocumentNotFound(gettext("This document has no PDF conversion."))
    message = failure(found.conversion)
    return jsonify(
        {
            "state": found.state,
            "done": 0 if found.pending else 1,
            "total": 1,
            "version": found.version_number,
            "error": message,
        }
    )


def failure(conversion: PdfConversion) -> str | None:
    """Why the conversion failed, in the reader's language."""
    if not conversion.error:
        return None
    return gettext(conversion.error, **(conversion.error_data or {}))
