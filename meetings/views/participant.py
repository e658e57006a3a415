"""The participant's pages: their meetings, a meeting's pack, one item, opening its documents."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.wsgi import wrap_file

from accounts import auth
from accounts.models import User
from core.clock import today_local
from core.db import get_session, utcnow
from core.errors import N_
from core.storage import blob_store
from documents import reading
from documents.circulation import recipients_choice
from documents.models import Document, DocumentVersion
from documents.views.blueprint import user_choices
from documents.views.reading import file_headers
from meetings import (
    access,
    conclusions,
    invitation_letter,
    meetings,
    opening,
    packs,
    participants,
    readiness,
)
from meetings.errors import BadMeeting, ItemNotFound
from meetings.forms import ITEM_KIND_LABELS, KIND_LABELS, ROLE_LABELS, RepresentativeForm
from meetings.models import EDITABLE, MaterialVersion
from meetings.views.blueprint import bp, load, optional_id, sending, signed_in, stage


@bp.get("/")
@signed_in
def index() -> ResponseReturnValue:
    user = auth.signed_in_user()
    return render_template(
        "meetings/index.html",
        meetings=meetings.visible(get_session(), user),
        may_create=access.may_create(user),
        kind_labels=KIND_LABELS,
    )


@bp.get("/<int:meeting_id>")
@signed_in
def pack(meeting_id: int) -> ResponseReturnValue:
    """The pack: the agenda the reader may see, and on each item the versions they may open.

    It costs the same whatever the size of the office: choosing a representative among
    everyone is a page of its own (`representative`)."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    return render_template(
        "meetings/pack.html",
        meeting=meeting,
        pack=packs.build(db, user, meeting),
        own=participants.own(db, user, meeting),
        editable=EDITABLE,
        kind_labels=KIND_LABELS,
        item_kind_labels=ITEM_KIND_LABELS,
        role_labels=ROLE_LABELS,
        invitation=invitation_letter.of_meeting(db, meeting),
        overdue=conclusions.overdue_before(db, user, meeting, today_local()),
    )


@bp.get("/<int:meeting_id>/items/<int:item_id>")
@signed_in
def item(meeting_id: int, item_id: int) -> ResponseReturnValue:
    """One item with its documents; looking at it clears its "changed" mark for the reader."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    the_pack = packs.build(db, user, meeting)
    position = next((n for n, i in enumerate(the_pack.items) if i.item.id == item_id), None)
    if position is None:
        raise ItemNotFound(
            N_("This agenda item does not exist, or you may not see it."), item=item_id
        )
    entry = the_pack.items[position]
    packs.mark_looked(db, user, entry.item)
    readiness.looked_at_pack(db, user, meeting)
    db.commit()
    return render_template(
        "meetings/item.html",
        meeting=meeting,
        entry=entry,
        previous=the_pack.items[position - 1] if position > 0 else None,
        next=the_pack.items[position + 1] if position + 1 < len(the_pack.items) else None,
        item_kind_labels=ITEM_KIND_LABELS,
    )


@bp.get("/<int:meeting_id>/items/<int:item_id>/documents/<int:attachment_id>")
@signed_in
def attachment_file(meeting_id: int, item_id: int, attachment_id: int) -> ResponseReturnValue:
    """The exact version on the item: each response that sends it is a receipt of it."""
    db, user = get_session(), auth.signed_in_user()
    download = request.args.get("download") == "1"

    def send_document(_document: Document, version: DocumentVersion) -> Response:
        return _send(version.sha256, version.mime, version.file_name, download)

    def send_material(version: MaterialVersion) -> Response:
        return _send(version.sha256, version.mime, version.file_name, download)

    counted = request.method == "GET"  # a HEAD sends no bytes
    _item, response = opening.open_attachment(
        db,
        user,
        meeting_id,
        item_id,
        attachment_id,
        how=reading.How.DOWNLOAD if download else reading.How.FILE,
        prepare_document=send_document,
        prepare_material=send_material,
        count=counted,
    )
    return response


@bp.route(
    "/<int:meeting_id>/participants/<int:participant_id>/representative", methods=["GET", "POST"]
)
@signed_in
def representative(meeting_id: int, participant_id: int) -> ResponseReturnValue:
    """An invited person (or the secretary) names who attends in their place."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    if request.method == "GET":
        participation = participants.to_represent(db, user, meeting, participant_id)
        form = RepresentativeForm(
            formdata=None, representative_id=str(participation.representative_id or "")
        )
        _units, people = recipients_choice(db)
        form.representative_id.choices = user_choices(people, blank=True)
        return render_template(
            "meetings/representative.html",
            meeting=meeting,
            participation=participation,
            form=form,
        )
    form = RepresentativeForm()
    if not form.validate_on_submit():
        raise BadMeeting(N_("This form has expired. Please reload the page and try again."))
    with stage() as staged:
        participants.send_representative(
            db,
            user,
            meeting,
            participant_id,
            optional_id(form.representative_id.data),
            sending=sending(staged),
        )
        db.commit()
    flash(gettext("The representative was saved."), "success")
    target = "meetings.manage" if meeting.is_manager(user) else "meetings.pack"
    return redirect(url_for(target, meeting_id=meeting.id))


def home_panel(user: User) -> dict[str, Any]:
    """The home page's part: today's and coming meetings, and how much of each pack is read."""
    db = get_session()
    return {"upcoming": packs.upcoming(db, user, utcnow()), "kind_labels": KIND_LABELS}


def _send(sha256: str, mime: str, file_name: str, download: bool) -> Response:
    from flask import current_app

    handle, size = blob_store(current_app).open_verified(sha256)
    return Response(
        wrap_file(request.environ, handle),
        headers=file_headers(sha256, mime, file_name, size, download),
        direct_passthrough=True,
    )
