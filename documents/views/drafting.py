"""Drafting pages: the documents list, a new draft, a document's page, versions, attachments."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from accounts import auth, picker, picker_form
from accounts.models import Role
from core.db import get_session
from documents import access, circulation, drafting, errors, steps
from documents.decree30 import Authority, Confidentiality, DocType, Urgency
from documents.forms import DraftForm, UploadForm
from documents.models import Document
from documents.views.blueprint import (
    bp,
    choice,
    drafters,
    load,
    settings,
    signed_in,
    stage,
    user_choices,
)
from documents.views.steps import document_page, inline_errors, require


@bp.get("/documents")
@drafters
def index() -> ResponseReturnValue:
    import sqlalchemy as sa

    db, user = get_session(), auth.signed_in_user()
    documents = list(
        db.scalars(
            sa.select(Document)
            .where(
                access.visible_to(user),
                sa.or_(Document.created_by_id == user.id, Document.unit_id == user.unit_id),
            )
            .order_by(Document.created_at.desc())
            .limit(100)
        )
    )
    return render_template("documents/index.html", documents=documents)


@bp.route("/documents/new", methods=["GET", "POST"])
@drafters
def new() -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    form = DraftForm()
    _, users = circulation.recipients_choice(db)
    form.signer_id.choices = user_choices([u for u in users if u.has_role(Role.OFFICIAL)], True)
    tree = picker.build(db, units_allowed=False)
    valid = form.validate_on_submit()  # first: validating clears the fields' errors
    readers = picker_form.read(tree, users=form.named_users) if form.is_submitted() else None
    if not valid or readers is None:
        page = render_template("documents/new.html", form=form, tree=tree)
        return page, 400 if form.is_submitted() else 200
    data = drafting.DraftData(
        doc_type=choice(DocType, form.doc_type.data),
        subject=form.subject.data or "",
        content=form.content.data or "",
        signer_title=form.signer_title.data or "",
        signer_id=int(form.signer_id.data) if (form.signer_id.data or "").isdigit() else None,
        signer_authority=choice(Authority, form.signer_authority.data),
        signer_on_behalf_of=form.signer_on_behalf_of.data or "",
        signer_collective=form.signer_collective.data or "",
        recipients=form.recipients.data or "",
        addressees=form.addressees.data or "",
        drafter_abbr=form.drafter_abbr.data or "",
        urgency=choice(Urgency, form.urgency.data, Urgency.THUONG),
        confidentiality=choice(Confidentiality, form.confidentiality.data, Confidentiality.THUONG),
        due_on=form.due_on.data,
        named_user_ids=readers.user_ids,
    )
    with stage() as staged:
        document = drafting.create_draft(db, staged, user, data, settings())
        db.commit()
    flash(
        gettext(
            "The draft is ready. Download it, edit it in your word processor and upload "
            "the next version."
        ),
        "success",
    )
    return redirect(url_for("documents.show", document_id=document.id))


@bp.get("/documents/<int:document_id>")
@signed_in
def show(document_id: int) -> ResponseReturnValue:
    return document_page(document_id)


@bp.post("/documents/<int:document_id>/versions")
@signed_in
@inline_errors
def upload_version(document_id: int) -> ResponseReturnValue:
    document = load(document_id, manage=True)
    form = UploadForm()
    if not form.validate_on_submit():
        raise errors.InvalidDocument(_l("Choose a file."))
    data = form.file.data.read()
    db = get_session()
    with stage() as staged:
        version = drafting.upload_version(
            db,
            staged,
            auth.signed_in_user(),
            document,
            data,
            form.file.data.filename or "",
            settings(),
            form.note.data or "",
        )
        db.commit()
    flash(gettext("Version %(n)d is stored.", n=version.number), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.post("/documents/<int:document_id>/attachments")
@signed_in
@inline_errors
def upload_attachment(document_id: int) -> ResponseReturnValue:
    document = load(document_id, manage=True)
    form = UploadForm()
    if not form.validate_on_submit():
        raise errors.InvalidDocument(_l("Choose a file."))
    db = get_session()
    with stage() as staged:
        drafting.add_attachment(
            db,
            staged,
            auth.signed_in_user(),
            document,
            form.file.data.read(),
            form.file.data.filename or "",
            settings(),
        )
        db.commit()
    flash(gettext("The attachment is stored."), "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.post("/documents/<int:document_id>/signer")
@signed_in
@inline_errors
def choose_signer(document_id: int) -> ResponseReturnValue:
    """Name the signer of a draft made without one, the step the stepper asks for first."""
    document = load(document_id, manage=True)
    require(document, steps.Action.CHOOSE_SIGNER)
    chosen = request.form.get("signer_id", "")
    if not chosen.isdigit():
        raise errors.InvalidDocument(_l("Choose the official who signs the document."))
    db = get_session()
    signer = drafting.choose_signer(db, auth.signed_in_user(), document, int(chosen))
    db.commit()
    flash(gettext("%(name)s will sign this document.", name=signer.full_name), "success")
    return redirect(url_for("documents.show", document_id=document.id))
