"""Signing pages: the queue, submitting, signing with a PIN, declining, sealing, one's own key.

Also registers the blueprint, menu entries, CLI groups and the helpers documents' pages include.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from accounts import auth
from accounts.models import Role, User
from core import jobs, navigation
from core.clock import today_local
from core.db import get_session, utcnow
from core.errors import VanThuError
from core.storage import blob_store
from documents import access, circulation, drafting, metadata
from documents.conversion_models import PdfConversion
from documents.steps import Action
from documents.views import blueprint as documents_pages
from documents.views.steps import inline_errors, require
from signing import credentials, flow, originals, pdf_signing, queues, sealing
from signing.cli import pki_group, signing_group
from signing.errors import PinBlocked, PinError, PinLocked
from signing.models import SigningRequest
from signing.settings import fill_defaults
from signing.web import admin, display, labels, pades_views, pdf_jobs, verification, waiting
from signing.web.blueprint import (
    bp,
    clerks,
    load_document,
    officials,
    read_upload,
    settings,
    signed_in,
    signers,
    staged,
)
from signing.web.forms import (
    ChangePinForm,
    DeclineForm,
    EnrolForm,
    ImportForm,
    SignatureImageForm,
    SignForm,
    SubmitForm,
)

# admin, pades_views, pdf_jobs and verification are imported for the routes they add.
__all__ = ["admin", "init_app", "pades_views", "pdf_jobs", "verification"]


def init_app(app: Flask) -> None:
    """Register the blueprint, menu entries, `vanthu pki`/`vanthu signing` and template helpers."""
    fill_defaults(app.config)
    app.register_blueprint(bp)
    verification.register_jobs(app)
    pdf_jobs.register_jobs(app)
    waiting.init_app(app)
    jobs.register(app, originals.KIND, _run_submission)
    navigation.add_entry(
        app,
        "signing.queue",
        _l("Signing"),
        lambda user: user.has_role(Role.CLERK, Role.OFFICIAL),
        "signing",
    )
    navigation.add_entry(
        app,
        "signing.audit_index",
        _l("Verification"),
        lambda user: user.has_role(Role.AUDITOR, Role.CLERK),
        "signing",
    )
    navigation.add_entry(
        app,
        "signing.admin_pki",
        _l("Certificates"),
        lambda user: user.has_role(Role.ADMIN),
        "signing",
    )
    app.cli.add_command(pki_group)
    app.cli.add_command(signing_group)
    app.jinja_env.globals["signing_panel"] = display.panel
    app.jinja_env.globals["signature_marks"] = display.marks
    app.jinja_env.globals["signing_active"] = display.signing_active
    app.jinja_env.filters["vntime"] = display.vietnam_time
    app.jinja_env.globals["status_label"] = labels.status_label
    app.jinja_env.globals["sub_label"] = labels.sub_label
    app.jinja_env.globals["slot_label"] = labels.slot_label
    app.jinja_env.globals["request_state_label"] = labels.request_state_label
    app.jinja_env.globals["step_state_label"] = labels.step_state_label
    app.jinja_env.globals["job_state_label"] = labels.job_state_label
    app.jinja_env.globals["time_basis_label"] = labels.time_basis_label
    app.jinja_env.globals["held_match_label"] = labels.held_match_label


def _run_submission(run: jobs.JobRun) -> dict[str, Any]:
    """The job behind `originals.submit_as_original`: the PDF original, then its submission."""
    return originals.run_submission(
        run.session,
        blob_store(run.app),
        int(run.payload["conversion"]),
        run.job.id,
        documents_pages.converter(run.app),
        documents_pages.settings(run.app),
    )


# --- the queue and submission --------------------------------------------------------------------


@bp.get("/signing")
@signers
def queue() -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    return render_template(
        "signing/queue.html",
        to_sign=queues.to_sign(db, user) if user.has_role(Role.OFFICIAL) else [],
        of_unit=queues.of_unit(db, user) if user.has_role(Role.CLERK) else [],
    )


def _official_choices() -> list[SelectChoice]:
    _, users = circulation.recipients_choice(get_session())
    return [SelectChoice("", "—")] + [
        SelectChoice(str(u.id), f"{u.full_name} — {u.title}, {u.unit.name}")
        for u in users
        if u.has_role(Role.OFFICIAL)
    ]


@bp.route("/signing/documents/<int:document_id>/submit", methods=["GET", "POST"])
@clerks
@inline_errors
def submit(document_id: int) -> ResponseReturnValue:
    document = load_document(document_id, manage=True)
    db, user = get_session(), auth.signed_in_user()
    form = SubmitForm()
    form.approver1.choices = form.approver2.choices = _official_choices()
    if not form.validate_on_submit():
        current = next((v for v in document.versions if v.id == document.current_version_id), None)
        return render_template(
            "signing/submit.html",
            document=document,
            form=form,
            current=current,
            shows_number=bool(
                current
                and document.number_symbol
                and flow.shows_number(current, document.number_symbol)
            ),
            is_template=bool(current and current.note == drafting.TEMPLATE_NOTE),
            as_pdf=bool(current and current.kind == "pdf"),
            converts=documents_pages.converter().available,
            active=flow.active_request(db, document),
        )
    require(document, Action.SUBMIT)
    chosen = [f.data for f in (form.approver1, form.approver2) if (f.data or "").isdigit()]
    approvers = [int(x) for x in chosen] + [document.signer_id or 0]
    with staged() as stage:
        request = originals.submit_as_original(
            db, stage, user, document, approvers,
            today=today_local(), converting=documents_pages.converting(),
        )  # fmt: skip
        db.commit()
    if isinstance(request, PdfConversion):
        # The job may have run already (a fast worker): then the request page, as before.
        submitted = flow.active_request(db, document)
        if submitted is None:
            db.refresh(request)
            if request.pending:  # a failure is told by the document page itself
                flash(
                    gettext(
                        "Number %(number)s is reserved. The document is being turned into its "
                        "PDF original and goes for signing as soon as the PDF exists.",
                        number=document.number_symbol,
                    ),
                    "success",
                )
            return redirect(url_for("documents.show", document_id=document.id))
        request = submitted
    flash(
        gettext("Submitted for signing with number %(number)s.", number=document.number_symbol),
        "success",
    )
    return redirect(url_for("signing.request_page", request_id=request.id))


@bp.post("/signing/documents/<int:document_id>/reserve")
@clerks
@inline_errors
def reserve(document_id: int) -> ResponseReturnValue:
    document = load_document(document_id, manage=True)
    db = get_session()
    require(document, Action.RESERVE_NUMBER)
    number = flow.reserve(db, auth.signed_in_user(), document, today_local())
    db.commit()
    flash(
        gettext(
            "Number %(number)s is reserved. Put it into the final file, upload that file as a "
            "new version, then submit.",
            number=number,
        ),
        "success",
    )
    return redirect(url_for("documents.show", document_id=document.id))  # its next step


# --- one request ---------------------------------------------------------------------------------


def _load_request(request_id: int) -> SigningRequest:
    db = get_session()
    request = flow.get_request(db, request_id)
    access.check(db, auth.signed_in_user(), request.document)
    return request


def _request_page(
    request: SigningRequest, *, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    step = request.current_step()
    remaining = locked_until = None
    my_turn = step is not None and step.user_id == user.id
    can_seal = (
        request.state.value == "awaiting_seal"
        and user.has_role(Role.CLERK)
        and access.can_manage(user, request.document)
    )
    certificate = _pin_certificate(request, user, my_turn, can_seal)
    if certificate is not None:
        remaining, locked_until = credentials.pin_status(db, settings(), certificate, utcnow())
    body = render_template(
        "signing/request.html",
        request=request,
        document=request.document,
        stale=flow.is_stale(request),
        my_turn=my_turn,
        can_seal=can_seal,
        can_cancel=request.state.active
        and user.has_role(Role.CLERK)
        and access.can_manage(user, request.document),
        has_certificate=certificate is not None,
        remaining=remaining,
        locked_until=locked_until,
        sign_form=SignForm(sha256=request.sha256),
        decline_form=DeclineForm(),
        sealed_attachments=pdf_signing.sealed_attachments_of(db, request),
        pages=_pages(request) if (my_turn or can_seal) else None,
        error=error,
    )
    return body, status


def _pages(request: SigningRequest) -> int | None:
    """The page count the signer confirms, for a PDF; None for a Word file."""
    if request.version.kind != "pdf":
        return None
    return metadata.pdf_page_count(blob_store(current_app).get(request.version.sha256))


def _pin_certificate(request: SigningRequest, user: User, my_turn: bool, can_seal: bool) -> Any:
    db, now = get_session(), utcnow()
    try:
        if my_turn:
            return credentials.official_certificate(db, user, now)
        if can_seal:
            return credentials.seal_certificate(db, now)
    except VanThuError:
        return None
    return None


@bp.get("/signing/requests/<int:request_id>")
@signed_in
def request_page(request_id: int) -> ResponseReturnValue:
    return _request_page(_load_request(request_id))


def _with_pin(request: SigningRequest, action: Callable[[], str]) -> ResponseReturnValue:
    """Run a PIN-protected action; a wrong PIN is committed (counted) before the page says so."""
    db = get_session()
    try:
        message = action()
    except (PinError, PinBlocked, PinLocked) as error:
        db.commit()
        response: Any = _request_page(
            request, error=gettext(error.template, **error.data), status=error.status
        )
        if isinstance(error, PinLocked):
            body, status = response
            return body, status, {"Retry-After": str(error.retry_after)}
        return response
    db.commit()
    flash(message, "success")
    return redirect(url_for("signing.request_page", request_id=request.id))


@bp.post("/signing/requests/<int:request_id>/sign")
@officials
def sign(request_id: int) -> ResponseReturnValue:
    request = _load_request(request_id)
    form = SignForm()
    if not form.validate_on_submit():
        return _request_page(request, error=gettext("Enter your signing PIN."), status=400)

    def action() -> str:
        with staged() as stage:
            flow.sign(
                get_session(),
                stage,
                settings(),
                auth.signed_in_user(),
                request,
                form.pin.data or "",
                form.sha256.data or "",
            )
        return gettext("You signed the document.")

    return _with_pin(request, action)


@bp.post("/signing/requests/<int:request_id>/decline")
@officials
def decline(request_id: int) -> ResponseReturnValue:
    request = _load_request(request_id)
    form = DeclineForm()
    db = get_session()
    flow.decline(db, auth.signed_in_user(), request, form.reason.data or "")
    db.commit()
    flash(gettext("You declined to sign; the clerk is notified and the number is void."), "success")
    return redirect(url_for("signing.request_page", request_id=request.id))


@bp.post("/signing/requests/<int:request_id>/seal")
@clerks
def seal(request_id: int) -> ResponseReturnValue:
    request = _load_request(request_id)
    form = SignForm()
    if not form.validate_on_submit():
        return _request_page(request, error=gettext("Enter the seal PIN."), status=400)
    try:  # out of order, or the seal issues the document unconfirmed: said on this page
        require(request.document, Action.SEAL)
    except VanThuError as error:
        return _request_page(
            request, error=gettext(error.template, **error.data), status=error.status
        )

    def action() -> str:
        with staged() as stage:
            sealing.seal(
                get_session(),
                stage,
                settings(),
                auth.signed_in_user(),
                request,
                form.pin.data or "",
                form.sha256.data or "",
                today=today_local(),
            )
        return gettext(
            "The organisation seal is applied; the document is issued as %(number)s.",
            number=request.document.number_symbol,
        )

    return _with_pin(request, action)


@bp.post("/signing/requests/<int:request_id>/cancel")
@clerks
def cancel(request_id: int) -> ResponseReturnValue:
    request = _load_request(request_id)
    db = get_session()
    flow.cancel(db, auth.signed_in_user(), request)
    db.commit()
    flash(gettext("The request is withdrawn; the number stays reserved."), "success")
    return redirect(url_for("documents.show", document_id=request.document_id))


# --- one's own key -------------------------------------------------------------------------------


@bp.get("/signing/key")
@officials
def my_key() -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    certificates = credentials.certificates_of(db, user)
    now = utcnow()
    status = {c.id: credentials.pin_status(db, settings(), c, now) for c in certificates}
    return render_template(
        "signing/my_key.html",
        certificates=certificates,
        status=status,
        now=now,
        enrolment=credentials.open_enrolment(db, user),
        signature_image=pdf_signing.signature_image(db, user),
        image_form=SignatureImageForm(),
        enrol_form=EnrolForm(),
        pin_form=ChangePinForm(),
        import_form=ImportForm(),
    )


@bp.post("/signing/key/enrol")
@officials
def enrol() -> ResponseReturnValue:
    form = EnrolForm()
    if not form.validate_on_submit():
        return _form_errors(form)
    db = get_session()
    certificate = credentials.complete_enrolment(
        db, settings(), auth.signed_in_user(), form.pin.data or ""
    )
    db.commit()
    flash(
        gettext("Your signing certificate %(serial)s is ready.", serial=certificate.serial),
        "success",
    )
    return redirect(url_for("signing.my_key"))


@bp.post("/signing/key/pin")
@officials
def change_pin() -> ResponseReturnValue:
    form = ChangePinForm()
    if not form.validate_on_submit():
        return _form_errors(form)
    db, user = get_session(), auth.signed_in_user()
    certificate = credentials.official_certificate(db, user, utcnow())
    try:
        credentials.change_pin(
            db, settings(), certificate, form.old_pin.data or "", form.pin.data or "", actor=user
        )
    except (PinError, PinBlocked, PinLocked):
        db.commit()
        raise
    db.commit()
    flash(gettext("Your signing PIN is changed."), "success")
    return redirect(url_for("signing.my_key"))


@bp.post("/signing/key/import")
@officials
def import_p12() -> ResponseReturnValue:
    form = ImportForm()
    if not form.validate_on_submit():
        return _form_errors(form)
    db, user = get_session(), auth.signed_in_user()
    certificate = credentials.import_pkcs12(
        db,
        settings(),
        user,
        read_upload(form.file),
        form.password.data or "",
        form.pin.data or "",
        actor=user,
    )
    db.commit()
    flash(gettext("Certificate %(serial)s is imported.", serial=certificate.serial), "success")
    return redirect(url_for("signing.my_key"))


def _form_errors(form: Any) -> ResponseReturnValue:
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")
    return redirect(url_for("signing.my_key"))
