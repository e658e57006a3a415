"""Auditors' bulk verification of uploaded signed PDFs: start the job, follow it, its CSV."""

from __future__ import annotations

import csv
import io

from flask import Flask, flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from accounts import auth
from core import jobs as background
from core.db import get_session
from core.errors import N_
from core.storage import StagedBlobs, blob_store
from signing import pdf_jobs
from signing.errors import InvalidSigningRequest
from signing.settings import from_config
from signing.web.blueprint import auditors, blobs, bp
from signing.web.forms import PdfJobForm
from signing.web.verification import _csv_safe, _download


@bp.post("/signing/audit/pdf-jobs")
@auditors
def pdf_job_start() -> ResponseReturnValue:
    """Store the PDFs (or the zip's), then queue the job; a refused upload stores nothing."""
    form = PdfJobForm()
    uploads = [(f.filename or "", f.read()) for f in (form.files.data or []) if hasattr(f, "read")]
    if not form.validate_on_submit() or not any(data for _, data in uploads):
        raise InvalidSigningRequest(N_("Choose signed PDF files or one .zip holding them."))
    files = pdf_jobs.collect_pdfs(uploads)
    user = auth.signed_in_user()
    with StagedBlobs(blobs()) as staged:
        payload = pdf_jobs.stage_upload(staged, files)
        job_id = background.enqueue(pdf_jobs.KIND, user, payload)
    flash(gettext("Verification started."), "success")
    return redirect(url_for("signing.pdf_job", job_id=job_id))


def run_pdf_verification(run: background.JobRun) -> dict[str, object]:
    return pdf_jobs.verify_files(
        run.session, blob_store(run.app), from_config(run.app.config), run.job.id, run.progress
    )


def register_jobs(app: Flask) -> None:
    background.register(app, pdf_jobs.KIND, run_pdf_verification)


@bp.get("/signing/audit/pdf-jobs/<int:job_id>")
@auditors
def pdf_job(job_id: int) -> ResponseReturnValue:
    job = pdf_jobs.get_pdf_verification(get_session(), job_id, auth.signed_in_user())
    return render_template("signing/pdf_job.html", job=job)


@bp.get("/signing/audit/pdf-jobs/<int:job_id>/progress")
@auditors
def pdf_job_progress(job_id: int) -> ResponseReturnValue:
    job = pdf_jobs.get_pdf_verification(get_session(), job_id, auth.signed_in_user())
    return jsonify({"state": job.state.value, "total": job.total, "done": job.done, **job.tallies})


@bp.get("/signing/audit/pdf-jobs/<int:job_id>/report.csv")
@auditors
def pdf_job_csv(job_id: int) -> ResponseReturnValue:
    job = pdf_jobs.get_pdf_verification(get_session(), job_id, auth.signed_in_user())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # Headed in the reader's language, by the job page's labels; the values stay codes.
    writer.writerow(
        [
            gettext("File"),
            "SHA-256",
            gettext("Result"),
            gettext("Signatures, in order"),
            gettext("Changed after signing"),
            gettext("Message"),
        ]
    )
    for row in job.files:
        signatures = "; ".join(
            f"{s['role']}:{s['status']}"
            + (f"/{s['sub_indication']}" if s["sub_indication"] else "")
            for s in row["signatures"]
        )
        writer.writerow(
            [
                _csv_safe(v)
                for v in (
                    row["file"],
                    row["sha256"],
                    row["status"],
                    signatures,
                    "yes" if row.get("modified_after_signing") else "no",
                    row["message"],
                )
            ]
        )
    name = f"pdf-verification-{job.id}.csv"
    return _download(("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv", name)
