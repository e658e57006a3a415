"""The room's minutes panel: conclusions per item; drafting, downloading, uploading back and
submitting the Biên bản and the Thông báo kết luận (the chair and secretary)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from accounts import auth
from core.clock import today_local
from core.db import get_session
from core.errors import N_
from documents import reading
from documents.circulation import recipients_choice
from documents.models import Document, DocumentVersion
from documents.views.blueprint import converting, user_choices
from documents.views.blueprint import settings as documents_settings
from meetings import conclusions, minutes
from meetings.errors import BadMeeting
from meetings.forms import ActionForm, ConclusionForm, MinutesFileForm
from meetings.models import Meeting
from meetings.room.models import MinutesKind
from meetings.views.blueprint import bp, load, optional_id, signed_in, stage, valid
from meetings.views.participant import _send

KIND_LABELS = {
    MinutesKind.MINUTES: _l("Minutes (Biên bản)"),
    MinutesKind.CONCLUSIONS: _l("Notice of conclusions (Thông báo kết luận)"),
}
STATE_LABELS = {
    minutes.MinutesState.NOT_DRAFTED: _l("Not drafted yet"),
    minutes.MinutesState.DRAFT: _l("Draft"),
    minutes.MinutesState.CONVERTING: _l("Numbered; making the PDF original"),
    minutes.MinutesState.AWAITING_SIGNATURE: _l("Waiting for the chair's signature"),
    minutes.MinutesState.AWAITING_SEAL: _l("Signed; waiting for the seal"),
    minutes.MinutesState.SENT: _l("Sealed and sent to the participants"),
}


def _kind(value: str) -> MinutesKind:
    try:
        return MinutesKind(value)
    except ValueError:
        raise BadMeeting(N_("There is no such kind of minutes.")) from None


@bp.get("/<int:meeting_id>/room/minutes")
@signed_in
def minutes_panel(meeting_id: int) -> ResponseReturnValue:
    """The panel's fragment: what the room page re-fetches on each ``minutes.`` event."""
    return panel_html(load(meeting_id))


def panel_html(meeting: Meeting) -> str:
    """The panel for the signed-in user, as the room page includes it at first (``|safe``)."""
    return _fragment(meeting, minutes.panel(get_session(), auth.signed_in_user(), meeting))


def _fragment(meeting: Meeting, panel: minutes.Panel) -> str:
    forms = {}
    if panel.manager:
        units, people = recipients_choice(get_session())
        for placed, conclusion in panel.items:
            form = ConclusionForm(
                formdata=None,
                prefix=f"c{placed.item.id}",
                version=conclusion.version if conclusion else 0,
                text=conclusion.text if conclusion else "",
                owner_user_id=str(conclusion.owner_user_id or "") if conclusion else "",
                owner_unit_id=str(conclusion.owner_unit_id or "") if conclusion else "",
                due_on=conclusion.due_on if conclusion else None,
            )
            form.owner_user_id.choices = user_choices(people, blank=True)
            form.owner_unit_id.choices = [("", "—")] + [(str(u.id), u.name) for u in units]
            forms[placed.item.id] = form
    return render_template(
        "meetings/room/_minutes.html",
        meeting=meeting,
        panel=panel,
        forms=forms,
        file_form=MinutesFileForm(formdata=None),
        action_form=ActionForm(formdata=None),
        kind_labels=KIND_LABELS,
        state_labels=STATE_LABELS,
    )


def _back(meeting: Meeting) -> ResponseReturnValue:
    """Back to the room page; a panel's own fetch gets the fragment instead."""
    if request.headers.get("X-Requested-With") == "fetch":
        return panel_html(meeting)
    return redirect(f"{url_for('meetings.pack', meeting_id=meeting.id)}/room")


@bp.post("/<int:meeting_id>/items/<int:item_id>/conclusion")
@signed_in
def conclude(meeting_id: int, item_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    form = valid(ConclusionForm(prefix=f"c{item_id}"))
    conclusions.conclude(
        db,
        user,
        meeting,
        item_id,
        conclusions.ConclusionData(
            text=form.text.data or "",
            owner_user_id=optional_id(form.owner_user_id.data),
            owner_unit_id=optional_id(form.owner_unit_id.data),
            due_on=form.due_on.data,
        ),
        expected_version=_version(form.version.data),
    )
    db.commit()
    flash(gettext("The conclusion was saved."), "success")
    return _back(meeting)


def _version(value: object) -> int:
    text = str(value or "")
    if not text.isdigit():
        raise BadMeeting(N_("This form has expired. Please reload the page and try again."))
    return int(text)


@bp.post("/<int:meeting_id>/minutes/<kind>/draft")
@signed_in
def draft_minutes(meeting_id: int, kind: str) -> ResponseReturnValue:
    """Lay the minutes out from the record and the conclusions as they are now."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    valid(ActionForm())
    with stage() as staged:
        minutes.draft(db, staged, user, meeting, _kind(kind), documents_settings())
        db.commit()
    flash(gettext("The minutes were drafted from the record."), "success")
    return _back(meeting)


@bp.get("/<int:meeting_id>/minutes/<kind>/file")
@signed_in
def minutes_file(meeting_id: int, kind: str) -> ResponseReturnValue:
    """The current Word file, to edit (the chair and secretary)."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    document_id, number = minutes.current_version(db, user, meeting, _kind(kind))

    def send(_document: Document, version: DocumentVersion) -> Response:
        return _send(version.sha256, version.mime, version.file_name, True)

    response = reading.open_version(
        db, user, document_id, number, how=reading.How.DOWNLOAD, prepare=send
    )
    db.commit()
    return response


@bp.post("/<int:meeting_id>/minutes/<kind>/upload")
@signed_in
def upload_minutes(meeting_id: int, kind: str) -> ResponseReturnValue:
    """The minutes edited in Word come back as their new version."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    form = valid(MinutesFileForm())
    upload = form.file.data
    with stage() as staged:
        minutes.upload_edited(
            db,
            staged,
            user,
            meeting,
            _kind(kind),
            upload.read(),
            upload.filename or "",
            documents_settings(),
        )
        db.commit()
    flash(gettext("The edited minutes were uploaded."), "success")
    return _back(meeting)


@bp.post("/<int:meeting_id>/minutes/<kind>/submit")
@signed_in
def submit_minutes(meeting_id: int, kind: str) -> ResponseReturnValue:
    """Number the minutes and send them to the chair for signature."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    valid(ActionForm())
    with stage() as staged:
        request = minutes.submit(
            db, staged, user, meeting, _kind(kind), today_local(), converting=converting()
        )
        db.commit()
    if request is None:
        flash(
            gettext(
                "The minutes were numbered; their PDF original is being made, then they go to "
                "the chair for signature."
            ),
            "success",
        )
    else:
        flash(gettext("The minutes were numbered and sent to the chair for signature."), "success")
    return _back(meeting)
