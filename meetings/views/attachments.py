"""The secretary's pages for what is on an item: attaching a document's exact version, uploading
a meeting material, replacing either after publishing, taking it off the item."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from accounts import auth
from core.db import get_session
from core.errors import N_
from meetings import attachments
from meetings.errors import BadMeeting
from meetings.forms import ActionForm, AttachForm, MaterialForm, ReplaceForm
from meetings.views.blueprint import (
    back_to_meeting,
    bp,
    form_version,
    load,
    max_upload_bytes,
    optional_id,
    signed_in,
    stage,
    valid,
)


@bp.post("/<int:meeting_id>/items/<int:item_id>/documents")
@signed_in
def attach(meeting_id: int, item_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    form = valid(AttachForm())
    document_id = optional_id(form.document_id.data)
    if document_id is None:
        raise BadMeeting(N_("Choose a document."))
    attachments.attach_document(
        db, user, meeting, item_id, document_id, form.number.data, expected_version=form_version()
    )
    db.commit()
    flash(gettext("The document was attached to the item."), "success")
    return redirect(url_for("meetings.manage_item", meeting_id=meeting.id, item_id=item_id))


@bp.post("/<int:meeting_id>/items/<int:item_id>/materials")
@signed_in
def upload_material(meeting_id: int, item_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    form = MaterialForm()
    if not form.validate_on_submit():
        raise BadMeeting(N_("Choose a file."))
    with stage() as staged:
        attachments.add_material(
            db,
            staged,
            user,
            meeting,
            item_id,
            title=form.title.data or "",
            data=form.file.data.read(),
            file_name=form.file.data.filename or "",
            max_bytes=max_upload_bytes(),
            expected_version=form_version(),
        )
        db.commit()
    flash(gettext("The material was uploaded."), "success")
    return redirect(url_for("meetings.manage_item", meeting_id=meeting.id, item_id=item_id))


@bp.post("/<int:meeting_id>/attachments/<int:attachment_id>/replace")
@signed_in
def replace(meeting_id: int, attachment_id: int) -> ResponseReturnValue:
    """Another version of the document, or a new file of the material, on the same item."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    form = valid(ReplaceForm())
    upload = form.file.data
    with stage() as staged:
        if upload is not None and upload.filename:
            attachment = attachments.replace_material(
                db,
                staged,
                user,
                meeting,
                attachment_id,
                data=upload.read(),
                file_name=upload.filename or "",
                max_bytes=max_upload_bytes(),
                expected_version=form_version(),
            )
        else:
            attachment = attachments.replace_document_version(
                db,
                user,
                meeting,
                attachment_id,
                form.number.data,
                expected_version=form_version(),
                store=staged.store,
            )
        db.commit()
    flash(gettext("The document on the item was replaced."), "success")
    return redirect(
        url_for("meetings.manage_item", meeting_id=meeting.id, item_id=attachment.item_id)
    )


@bp.post("/<int:meeting_id>/attachments/<int:attachment_id>/remove")
@signed_in
def detach(meeting_id: int, attachment_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    valid(ActionForm())
    attachments.detach(db, user, meeting, attachment_id, expected_version=form_version())
    db.commit()
    flash(gettext("The document was taken off the item."), "success")
    return back_to_meeting(meeting)
