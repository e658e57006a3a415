"""Verification pages: a document's signatures, bundle and printable copy; the public code page.

Also the published CRL and chain, and the auditors' uploads and bulk verification jobs.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

from flask import (
    Flask,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user

from accounts import auth
from accounts.models import Role
from core import jobs as background
from core import ratelimit
from core.clock import today_local
from core.db import get_session
from core.errors import N_
from core.storage import blob_store
from documents import lookup, reading, render
from documents.models import Document, DocumentVersion
from signing import authority, document_checks, flow, jobs, pdf_checks
from signing.crypto.pdf_verify import has_embedded_signature, is_pdf
from signing.crypto.pki import chain_to_pem
from signing.errors import InvalidSigningRequest, SigningRecordNotFound
from signing.settings import from_config
from signing.web.blueprint import (
    auditors,
    blobs,
    bp,
    checkers,
    load_document,
    read_upload,
    settings,
    signed_in,
)
from signing.web.forms import (
    DocumentIdForm,
    JobForm,
    PdfJobForm,
    SignatureCheckForm,
    UploadForm,
)

# --- one document --------------------------------------------------------------------------------


@bp.get("/signing/documents/<int:document_id>")
@signed_in
def document(document_id: int) -> ResponseReturnValue:
    """Signature history and the verdict of checking every stored signature now."""
    doc = load_document(document_id)
    db, user = get_session(), auth.signed_in_user()
    verdict = document_checks.verify_stored(db, blobs(), settings(), doc, actor=user)
    db.commit()
    return render_template(
        "signing/document.html",
        document=doc,
        verdict=verdict,
        history=flow.requests_of(db, doc),
    )


@bp.get("/signing/documents/<int:document_id>/bundle.zip")
@signed_in
def bundle(document_id: int) -> ResponseReturnValue:
    """The verification bundle; it holds the original, so getting it opens the sealed version."""
    doc = load_document(document_id)
    db, user = get_session(), auth.signed_in_user()
    request = document_checks.sealed_request(db, doc)

    def export(document: Document, _version: DocumentVersion) -> tuple[str, bytes]:
        made = document_checks.export_bundle(db, blobs(), settings(), document, request, actor=user)
        db.commit()  # its event (and a renewed CRL) before the opening is counted
        return made

    number = request.version.number
    how = reading.How.BUNDLE
    name, data = reading.open_version(db, user, document_id, number, how=how, prepare=export)
    mime = "application/pdf" if name.endswith(".pdf") else "application/zip"
    return _download(data, mime, name)


@bp.get("/signing/documents/<int:document_id>/v/<int:number>/print")
@signed_in
def printable(document_id: int, number: int) -> ResponseReturnValue:
    """A printable copy made from the stored version now; the original stays as it is."""

    def page(document: Document, version: DocumentVersion) -> str:
        html = None
        if version.kind == "docx":
            html = render.docx_to_html(blobs().get(version.sha256))
        return render_template("signing/print.html", document=document, version=version, html=html)

    db, user, how = get_session(), auth.signed_in_user(), reading.How.PRINT
    return reading.open_version(db, user, document_id, number, how=how, prepare=page)


def _download(data: bytes, mime: str, name: str) -> Response:
    response = Response(data, mimetype=mime)
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- public pages --------------------------------------------------------------------------------


@bp.route("/verify/<code>", methods=["GET", "POST"])
@ratelimit.public
def public_verify(code: str) -> ResponseReturnValue:
    """Anyone holding the printed code sees the verdict, and may check the file they hold.

    Confidential documents show nothing here: their verification needs a signed-in reader.
    """
    db = get_session()
    signing_request = document_checks.request_by_code(db, code)
    if signing_request is None:
        raise SigningRecordNotFound(N_("No signed document has this verification code."))
    doc = signing_request.document
    actor = auth.signed_in_user() if current_user.is_authenticated else None
    if doc.is_confidential:
        return render_template("signing/public_verify.html", document=doc, hidden=True), 200
    form = UploadForm()
    held = held_pdf = None
    if form.validate_on_submit():
        data = read_upload(form.file)
        # A PDF original, or any signed PDF, is matched with the document before it is checked.
        if signing_request.pades or has_embedded_signature(data):
            held_pdf = pdf_checks.check_held_pdf(
                db, blobs(), settings(), signing_request, data, actor=actor
            )
        else:
            held = document_checks.verify_held_file(
                db, settings(), signing_request, data, actor=actor
            )
    # Anonymous visitors leave no permanent event (the log would grow per page view); the
    # public limit keeps them from hammering the page.
    verdict = document_checks.verify_stored(
        db, blobs(), settings(), doc, actor=actor, record=actor is not None
    )
    db.commit()
    return render_template(
        "signing/public_verify.html",
        document=doc,
        hidden=False,
        verdict=verdict,
        held=held,
        held_pdf=held_pdf,
        form=form,
        code=signing_request.code,
    )


@bp.get("/pki/crl.der")
@ratelimit.public
def crl() -> ResponseReturnValue:
    """The issuing CA's current CRL at a stable address; re-signed when close to expiry."""
    db = get_session()
    record = authority.current_crl(db, settings())
    db.commit()
    response = Response(record.der, mimetype="application/pkix-crl")
    response.headers["Content-Disposition"] = 'attachment; filename="crl.der"'
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/pki/chain.pem")
@ratelimit.public
def chain() -> ResponseReturnValue:
    """The issuing CA and root certificates (compare the root's fingerprint with the published)."""
    pem = chain_to_pem(authority.ca_chain(get_session()))
    response = Response(pem, mimetype="application/x-pem-file")
    response.headers["Content-Disposition"] = 'attachment; filename="chain.pem"'
    return response


# --- auditors ------------------------------------------------------------------------------------


@bp.get("/signing/audit")
@checkers
def audit_index() -> ResponseReturnValue:
    user = auth.signed_in_user()
    find = DocumentIdForm(request.args)
    wanted = (find.document.data or "").strip()
    matches = lookup.visible_matches(get_session(), user, wanted) if wanted else []
    if len(matches) == 1:
        return redirect(url_for("signing.document", document_id=matches[0].id))
    if wanted and not matches:
        find.document.errors = [
            gettext("No document you may see has the number/symbol “%(text)s”.", text=wanted)
        ]
    is_auditor = user.has_role(Role.AUDITOR)
    return render_template(
        "signing/audit.html",
        find=find,
        matches=matches,
        bundle_form=UploadForm(),
        signature_form=SignatureCheckForm(),
        job_form=JobForm(),
        pdf_job_form=PdfJobForm(),
        jobs=jobs.recent_verifications(get_session(), user) if is_auditor else [],
        is_auditor=is_auditor,
        today=today_local(),
    )


@bp.post("/signing/audit/bundle")
@checkers
def audit_bundle() -> ResponseReturnValue:
    form = UploadForm()
    if not form.validate_on_submit():
        raise InvalidSigningRequest(N_("Choose a bundle (.zip) or a signed PDF file."))
    db, data = get_session(), read_upload(form.file)
    if is_pdf(data):
        verdict = pdf_checks.verify_uploaded_pdf(db, settings(), data, actor=auth.signed_in_user())
        kind = "pdf"
    else:
        verdict = document_checks.verify_uploaded_bundle(
            db, settings(), data, actor=auth.signed_in_user()
        )
        kind = "bundle"
    db.commit()
    return render_template("signing/audit_result.html", upload=verdict, kind=kind)


@bp.post("/signing/audit/signature")
@checkers
def audit_signature() -> ResponseReturnValue:
    form = SignatureCheckForm()
    if not form.validate_on_submit():
        raise InvalidSigningRequest(N_("Choose the document file and its .p7s file."))
    db = get_session()
    verdict = document_checks.verify_uploaded_signature(
        db, settings(), read_upload(form.file), read_upload(form.p7s), actor=auth.signed_in_user()
    )
    db.commit()
    return render_template("signing/audit_result.html", upload=verdict, kind="signature")


@bp.post("/signing/audit/jobs")
@auditors
def audit_job_start() -> ResponseReturnValue:
    form = JobForm()
    if not form.validate_on_submit() or form.date_from.data is None or form.date_to.data is None:
        raise InvalidSigningRequest(N_("Choose both dates."))
    payload = jobs.job_payload(form.date_from.data, form.date_to.data)
    job_id = background.enqueue(jobs.KIND, auth.signed_in_user(), payload)
    flash(gettext("Verification started."), "success")
    return redirect(url_for("signing.audit_job", job_id=job_id))


def run_bulk_verification(run: background.JobRun) -> dict[str, int]:
    """The job's handler, registered with core.jobs by ``signing.web.views.init_app``."""
    return jobs.verify_range(
        run.session, blob_store(run.app), from_config(run.app.config), run.job.id, run.progress
    )


def register_jobs(app: Flask) -> None:
    background.register(app, jobs.KIND, run_bulk_verification)


@bp.get("/signing/audit/jobs/<int:job_id>")
@auditors
def audit_job(job_id: int) -> ResponseReturnValue:
    db = get_session()
    job = jobs.get_verification(db, job_id, auth.signed_in_user())
    results = jobs.results_of(db, job) if job.state is background.JobState.DONE else []
    return render_template("signing/job.html", job=job, results=results)


@bp.get("/signing/audit/jobs/<int:job_id>/progress")
@auditors
def audit_job_progress(job_id: int) -> ResponseReturnValue:
    job = jobs.get_verification(get_session(), job_id, auth.signed_in_user())
    return jsonify(
        {
            "state": job.state.value,
            "total": job.total,
            "done": job.done,
            "passed": job.passed,
            "failed": job.failed,
            "indeterminate": job.indeterminate,
        }
    )


@bp.get("/signing/audit/jobs/<int:job_id>/report.csv")
@auditors
def audit_job_csv(job_id: int) -> ResponseReturnValue:
    db = get_session()
    job = jobs.get_verification(db, job_id, auth.signed_in_user())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # Headed in the reader's language, by the job page's labels; the values stay codes.
    writer.writerow(
        [
            gettext("Document no."),
            gettext("Number and symbol"),
            "SHA-256",
            gettext("Result"),
            gettext("Official"),
            gettext("Seal"),
            gettext("Sealed at"),
            gettext("Message"),
        ]
    )
    for row in jobs.results_of(db, job):
        writer.writerow(
            [
                _csv_safe(v)
                for v in (
                    row.document_id,
                    row.number_symbol,
                    row.sha256,
                    row.status,
                    row.official_status,
                    row.seal_status,
                    row.sealed_at.isoformat() if row.sealed_at else "",
                    row.message,
                )
            ]
        )
    name = f"verification-{job.date_from.isoformat()}-{job.date_to.isoformat()}.csv"
    return _download(("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv", name)


def _csv_safe(value: Any) -> Any:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
