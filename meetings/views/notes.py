"""Reading an item's document with one's notes beside it; writing, sharing and exporting notes."""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.wrappers import Response as WerkzeugResponse

from accounts import auth
from core.db import get_session
from core.errors import N_
from core.storage import blob_store
from documents import reading, render
from documents.models import Document, DocumentVersion
from meetings import note_export, note_text, notes, opening
from meetings.errors import BadNote
from meetings.forms import NoteActionForm, NoteTextForm
from meetings.models import MaterialVersion, MeetingNote, NoteKind
from meetings.views.blueprint import bp, load, signed_in

EXPORT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@bp.get("/<int:meeting_id>/items/<int:item_id>/documents/<int:attachment_id>/read")
@signed_in
def read(meeting_id: int, item_id: int, attachment_id: int) -> ResponseReturnValue:
    """The version on the item, readable in place, with the reader's notes and the meeting's
    shared ones beside it. A Word file is shown (and counted) here; a PDF is counted when
    the reader fetches it."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    store = blob_store(current_app)
    shown: dict[str, Any] = {}

    def document_page(document: Document, version: DocumentVersion) -> None:
        shown.update(title=document.subject, number_symbol=document.number_symbol or "")
        shown.update(kind=version.kind, document_id=document.id, sha256=version.sha256)

    def material_page(version: MaterialVersion) -> None:
        shown.update(title=version.material.title, number_symbol="", kind=version.kind)
        shown.update(document_id=None, sha256=version.sha256)

    kind_first = notes.attached_version(db, user, meeting, item_id, attachment_id)
    item, _ = opening.open_attachment(
        db,
        user,
        meeting.id,
        item_id,
        attachment_id,
        how=reading.How.READ,
        prepare_document=document_page,
        prepare_material=material_page,
        count=kind_first.kind != "pdf",
    )
    html = render.docx_to_html(store.get(shown["sha256"])) if shown["kind"] == "docx" else None
    beside = notes.beside(db, store, user, kind_first)
    db.commit()
    return render_template(
        "meetings/read.html",
        meeting=meeting,
        item=item,
        attached=kind_first,
        shown=shown,
        html=html,
        beside=beside,
        action_form=NoteActionForm(),
        text_form=NoteTextForm(),
    )


@bp.post("/<int:meeting_id>/items/<int:item_id>/documents/<int:attachment_id>/notes")
@signed_in
def write_note(meeting_id: int, item_id: int, attachment_id: int) -> ResponseReturnValue:
    """A note or highlight on the selected words: JSON in, the note as JSON out (201).

    ``{"version": n, "page": p, "quote": "…", "prefix": "…", "suffix": "…",
    "position": 0.4, "kind": "note", "text": "…"}``, the CSRF token in X-CSRFToken.
    """
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadNote(N_("The note could not be read: reload the page and try again."))
    note = notes.write(
        db,
        blob_store(current_app),
        user,
        meeting,
        item_id,
        attachment_id,
        version=_int(body.get("version")),
        selection=note_text.Selection(
            page=_int(body.get("page")),
            quote=_text(body.get("quote")),
            prefix=_text(body.get("prefix")),
            suffix=_text(body.get("suffix")),
            position=_fraction(body.get("position")),
        ),
        kind=_kind(body.get("kind")),
        text=_text(body.get("text")),
    )
    db.commit()
    return jsonify(note=note_json(note)), 201


@bp.get("/<int:meeting_id>/notes")
@signed_in
def my_notes(meeting_id: int) -> ResponseReturnValue:
    """The reader's own notes on this meeting, by agenda item, with the export buttons."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    return render_template(
        "meetings/notes.html",
        meeting=meeting,
        groups=note_export.by_item(db, user, meeting),
        action_form=NoteActionForm(),
    )


@bp.get("/<int:meeting_id>/notes/<int:note_id>")
@signed_in
def note(meeting_id: int, note_id: int) -> ResponseReturnValue:
    """One's own note as JSON; anyone else's, shared or not, is not found here."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    return jsonify(note=note_json(notes.own_note(db, user, meeting, note_id)))


@bp.post("/<int:meeting_id>/notes/<int:note_id>/edit")
@signed_in
def edit_note(meeting_id: int, note_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    form = _valid(NoteTextForm())
    edited = notes.edit(db, user, meeting, note_id, form.text.data or "")
    db.commit()
    flash(gettext("The note was saved."), "success")
    return _back(edited, form.back.data)


@bp.post("/<int:meeting_id>/notes/<int:note_id>/share")
@signed_in
def share_note(meeting_id: int, note_id: int) -> ResponseReturnValue:
    return _share(meeting_id, note_id, shared=True)


@bp.post("/<int:meeting_id>/notes/<int:note_id>/unshare")
@signed_in
def unshare_note(meeting_id: int, note_id: int) -> ResponseReturnValue:
    return _share(meeting_id, note_id, shared=False)


def _share(meeting_id: int, note_id: int, *, shared: bool) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    form = _valid(NoteActionForm())
    changed = notes.share(db, user, meeting, note_id, shared=shared)
    db.commit()
    if shared:
        flash(gettext("The note is shared with the meeting’s participants."), "success")
    else:
        flash(gettext("The note is private again."), "success")
    return _back(changed, form.back.data)


@bp.post("/<int:meeting_id>/notes/<int:note_id>/delete")
@signed_in
def delete_note(meeting_id: int, note_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    form = _valid(NoteActionForm())
    deleted = notes.own_note(db, user, meeting, note_id)
    target = _back(deleted, form.back.data)
    notes.delete(db, user, meeting, note_id)
    db.commit()
    flash(gettext("The note was deleted."), "success")
    return target


@bp.get("/<int:meeting_id>/notes/export.<file_format>")
@signed_in
def export_notes(meeting_id: int, file_format: str) -> ResponseReturnValue:
    """My notes on this meeting as a Word file or a PDF, grouped by agenda item."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    if file_format not in EXPORT_TYPES:
        abort(404)
    data = note_export.export(db, user, meeting, file_format, _labels())
    db.commit()
    name = f"ghi-chu-cuoc-hop-{meeting.id}.{file_format}"
    return Response(
        data,
        mimetype=EXPORT_TYPES[file_format],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


def note_json(note: MeetingNote) -> dict[str, Any]:
    return {
        "id": note.id,
        "kind": note.kind.value,
        "text": note.text,
        "page": note.page,
        "quote": note.quote,
        "shared": note.shared,
        "placement": note.placement.value,
        "placed_page": note.placed_page,
        "author": note.author.full_name,
        "created_at": note.created_at.isoformat(),
    }


def _labels() -> note_export.Labels:
    return note_export.Labels(
        title=gettext("My notes"),
        removed_item=gettext("Items removed from the agenda"),
        version=lambda n: gettext("version %(n)d", n=n),
        page=lambda n: gettext("page %(n)d", n=n),
        highlight=gettext("(highlight)"),
        shared=gettext("shared with the meeting"),
    )


def _back(note: MeetingNote, back: str | None) -> WerkzeugResponse:
    """Back to where the button was: the list of one's notes, or the document being read."""
    if back != "read" or note.item_id is None:
        return redirect(url_for("meetings.my_notes", meeting_id=note.meeting_id))
    attachment_id = request.args.get("attachment", type=int)
    if attachment_id is None:
        return redirect(url_for("meetings.my_notes", meeting_id=note.meeting_id))
    return redirect(
        url_for(
            "meetings.read",
            meeting_id=note.meeting_id,
            item_id=note.item_id,
            attachment_id=attachment_id,
        )
    )


def _valid(form: Any) -> Any:
    if not form.validate_on_submit():
        raise BadNote(N_("This form has expired. Please reload the page and try again."))
    return form


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadNote(N_("The note could not be read: reload the page and try again."))
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadNote(N_("The note could not be read: reload the page and try again."))
    return value


def _fraction(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _kind(value: Any) -> NoteKind:
    try:
        return NoteKind(value)
    except ValueError:
        raise BadNote(N_("A note is either a note or a highlight.")) from None
