"""The secretary's pages: preparing a meeting, its agenda and documents, its participants, and
moving it through its life. The chair may do all of it too."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from accounts import auth, picker, picker_form
from accounts.models import Role
from core.clock import today_local
from core.db import get_session
from core.errors import N_
from core.jobs import JobQueueUnavailable
from documents.circulation import recipients_choice
from documents.decree30 import Confidentiality
from documents.views.blueprint import user_choices
from meetings import (
    agenda,
    archive,
    attachments,
    conclusions,
    invitations,
    meetings,
    packs,
    participants,
)
from meetings.errors import BadMeeting
from meetings.forms import (
    ITEM_KIND_LABELS,
    KIND_LABELS,
    ROLE_LABELS,
    AccessForm,
    ActionForm,
    AttachForm,
    GuestForm,
    ItemForm,
    MaterialForm,
    MeetingForm,
    MoveForm,
    PeopleForm,
    ReplaceForm,
    RepresentativeForm,
    StatusForm,
)
from meetings.models import (
    ItemKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    ParticipantRole,
    Recurrence,
)
from meetings.views.blueprint import (
    back_to_meeting,
    bp,
    expected_version,
    form_version,
    ids,
    load,
    local,
    optional_id,
    sending,
    signed_in,
    stage,
    utc,
    valid,
)
from meetings.views.downloads import build_archive, start_archive

creators = auth.roles_required(Role.CLERK)


@bp.route("/new", methods=["GET", "POST"])
@creators
def new() -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    form = MeetingForm()
    _people_choices(form)
    if request.method == "GET":
        form.secretary_id.data = str(user.id)
    if not form.validate_on_submit():
        return render_template("meetings/form.html", form=form, meeting=None), (
            400 if form.errors else 200
        )
    repeat = Recurrence(form.repeat.data) if form.repeat.data else None
    created = meetings.create(
        db, user, _meeting_data(form), repeat=repeat, occurrences=form.occurrences.data or 1
    )
    db.commit()
    flash(gettext("The meeting was created as a draft."), "success")
    return redirect(url_for("meetings.manage", meeting_id=created[0].id))


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@signed_in
def edit(meeting_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    form = MeetingForm()
    _people_choices(form)
    if request.method == "GET":
        form.process(
            data={
                "title": meeting.title,
                "kind": meeting.kind.value,
                "starts_at": local(meeting.starts_at),
                "ends_at": local(meeting.ends_at),
                "room": meeting.room,
                "online_link": meeting.online_link,
                "chair_id": str(meeting.chair_id),
                "secretary_id": str(meeting.secretary_id),
                "confidentiality": meeting.confidentiality.value,
                "version": str(meeting.version),
            }
        )
    if not form.validate_on_submit():
        return render_template("meetings/form.html", form=form, meeting=meeting), (
            400 if form.errors else 200
        )
    with stage() as staged:
        meetings.edit(
            db,
            user,
            meeting,
            _meeting_data(form),
            expected_version(form.version.data),
            sending=sending(staged),
        )
        db.commit()
    flash(gettext("The meeting was saved."), "success")
    return redirect(url_for("meetings.manage", meeting_id=meeting.id))


@bp.get("/<int:meeting_id>/manage")
@signed_in
def manage(meeting_id: int) -> ResponseReturnValue:
    """The secretary's page: status, agenda (with every item), participants."""
    meeting = load(meeting_id, manage=True)
    return _manage_page(meeting, PeopleForm(formdata=None), picker.build(get_session()))


def _manage_page(meeting: Meeting, people_form: PeopleForm, tree: picker.Tree) -> str:
    """The page, with the invitation form as posted when it comes back with an error."""
    db, user = get_session(), auth.signed_in_user()
    the_pack = packs.build(db, user, meeting)
    _, people = recipients_choice(db)
    item_form = ItemForm(formdata=None, version=meeting.version)
    item_form.parent_id.choices = _parent_choices(the_pack)
    item_form.presenter_id.choices = user_choices(people, blank=True)
    representative_form = RepresentativeForm(formdata=None)
    representative_form.representative_id.choices = user_choices(people, blank=True)
    return render_template(
        "meetings/manage.html",
        meeting=meeting,
        pack=the_pack,
        participants=participants.listing(db, meeting),
        item_form=item_form,
        people_form=people_form,
        tree=tree,
        guest_form=GuestForm(formdata=None),
        representative_form=representative_form,
        action_form=ActionForm(),
        status_form=StatusForm(),
        move_form=MoveForm(formdata=None, version=meeting.version),
        next_status=meetings.NEXT_STATUS.get(meeting.status),
        kind_labels=KIND_LABELS,
        item_kind_labels=ITEM_KIND_LABELS,
        role_labels=ROLE_LABELS,
        invitation=invitations.of_meeting(db, meeting),
        overdue=conclusions.overdue_before(db, user, meeting, today_local()),
        signers=sorted(people, key=lambda p: (p.id != meeting.chair_id, p.full_name, p.id)),
    )


@bp.post("/<int:meeting_id>/invitation/again")
@signed_in
def invitation_again(meeting_id: int) -> ResponseReturnValue:
    """The signer declined the Giấy mời (or it was withdrawn): draft and submit it again."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    if not ActionForm().validate_on_submit():
        raise BadMeeting(N_("This form has expired. Please reload the page and try again."))
    with stage() as staged:
        invitations.prepare_again(db, user, meeting, sending(staged))
        db.commit()
    flash(gettext("The invitation letter was submitted for signature again."), "success")
    return back_to_meeting(meeting)


@bp.post("/<int:meeting_id>/status")
@signed_in
def change_status(meeting_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    form = StatusForm()
    try:
        to = MeetingStatus(form.to.data or "")
    except ValueError:
        raise BadMeeting(N_("Choose the meeting’s next status.")) from None
    if not form.validate_on_submit():
        raise BadMeeting(N_("This form has expired. Please reload the page and try again."))
    if to is MeetingStatus.ARCHIVED:  # archiving is the archive's build, which ends with it
        return build_archive(meeting_id)
    with stage() as staged:
        signer_id = optional_id(form.signer_id.data) if to is MeetingStatus.PUBLISHED else None
        meetings.change_status(db, user, meeting, to, sending(staged), signer_id=signer_id)
        if to is MeetingStatus.CLOSED:
            archive.ask(db, user, meeting)
        db.commit()
    flash(gettext("The meeting’s status was changed."), "success")
    if to is MeetingStatus.CLOSED:
        try:
            start_archive(meeting, user)
        except JobQueueUnavailable:
            flash(gettext("The archive could not be started now; start it again later."), "error")
    return back_to_meeting(meeting)


@bp.post("/<int:meeting_id>/cancel")
@signed_in
def cancel(meeting_id: int) -> ResponseReturnValue:
    """Call the meeting off: participants are told, calendars get the cancellation."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    if not ActionForm().validate_on_submit():
        raise BadMeeting(N_("This form has expired. Please reload the page and try again."))
    with stage() as staged:
        meetings.cancel(db, user, meeting, sending(staged))
        db.commit()
    flash(gettext("The meeting was cancelled; the participants were told."), "success")
    return back_to_meeting(meeting)


@bp.post("/<int:meeting_id>/items")
@signed_in
def add_item(meeting_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    form = valid(ItemForm())
    agenda.add_item(
        db,
        user,
        meeting,
        _item_data(form),
        expected_version=expected_version(form.version.data),
        parent_id=optional_id(form.parent_id.data),
    )
    db.commit()
    flash(gettext("The item was added to the agenda."), "success")
    return back_to_meeting(meeting)


@bp.get("/<int:meeting_id>/items/<int:item_id>/manage")
@signed_in
def manage_item(meeting_id: int, item_id: int) -> ResponseReturnValue:
    """One item for the secretary: its details, who sees it, its documents."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    the_pack = packs.build(db, user, meeting)
    entry = next((i for i in the_pack.items if i.item.id == item_id), None)
    if entry is None:
        raise BadMeeting(N_("This item is not on this agenda."))
    _units, people = recipients_choice(db)
    item = entry.item
    item_form = ItemForm(
        formdata=None,
        version=meeting.version,
        title=item.title,
        description=item.description,
        presenter_id=str(item.presenter_id or ""),
        presenter_name=item.presenter_name,
        duration_minutes=item.duration_minutes,
        kind=item.kind.value,
    )
    item_form.presenter_id.choices = user_choices(people, blank=True)
    invited = [p for p in participants.listing(db, meeting, removed=False) if p.user_id]
    access_form = AccessForm(
        formdata=None,
        version=meeting.version,
        participant_ids=[str(p) for p in agenda.access_list(db, item)],
    )
    access_form.participant_ids.choices = [(str(p.id), p.display_name) for p in invited]
    attach_form = AttachForm(formdata=None, version=meeting.version)
    attach_form.document_id.choices = [
        (str(d.id), f"{d.number_symbol or '—'} · {d.subject}")
        for d in attachments.attachable_documents(db, user)
    ]
    return render_template(
        "meetings/item_manage.html",
        meeting=meeting,
        entry=entry,
        item_form=item_form,
        access_form=access_form,
        attach_form=attach_form,
        material_form=MaterialForm(formdata=None, version=meeting.version),
        replace_form=ReplaceForm(formdata=None, version=meeting.version),
        action_form=ActionForm(formdata=None, version=meeting.version),
        item_kind_labels=ITEM_KIND_LABELS,
    )


@bp.post("/<int:meeting_id>/items/<int:item_id>/edit")
@signed_in
def edit_item(meeting_id: int, item_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    form = valid(ItemForm())
    agenda.edit_item(db, user, meeting, item_id, _item_data(form), expected_version=form_version())
    db.commit()
    flash(gettext("The item was saved."), "success")
    return redirect(url_for("meetings.manage_item", meeting_id=meeting.id, item_id=item_id))


@bp.post("/<int:meeting_id>/items/<int:item_id>/move")
@signed_in
def move_item(meeting_id: int, item_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    form = valid(MoveForm())
    agenda.move_item(
        db,
        user,
        meeting,
        item_id,
        parent_id=optional_id(form.parent_id.data),
        position=max(0, form.position.data or 0),
        expected_version=form_version(),
    )
    db.commit()
    flash(gettext("The agenda was reordered."), "success")
    return back_to_meeting(meeting)


@bp.post("/<int:meeting_id>/items/<int:item_id>/delete")
@signed_in
def delete_item(meeting_id: int, item_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    valid(ActionForm())
    agenda.delete_item(db, user, meeting, item_id, expected_version=form_version())
    db.commit()
    flash(gettext("The item was removed from the agenda."), "success")
    return back_to_meeting(meeting)


@bp.post("/<int:meeting_id>/items/<int:item_id>/access")
@signed_in
def item_access(meeting_id: int, item_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    form = valid(AccessForm())
    agenda.set_access_list(
        db, user, meeting, item_id, ids(form.participant_ids.data), expected_version=form_version()
    )
    db.commit()
    flash(gettext("Who sees the item was saved."), "success")
    return redirect(url_for("meetings.manage_item", meeting_id=meeting.id, item_id=item_id))


@bp.post("/<int:meeting_id>/participants")
@signed_in
def add_people(meeting_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    form = valid(PeopleForm())
    try:
        role = ParticipantRole(form.role.data or "")
    except ValueError:
        raise BadMeeting(N_("Choose how they are invited.")) from None
    tree = picker.build(db)
    chosen = picker_form.read(tree, form.unit_ids, form.user_ids)
    if chosen is None:
        return _manage_page(meeting, form, tree), 400
    with stage() as staged:
        added = participants.add_people(
            db,
            user,
            meeting,
            user_ids=chosen.user_ids,
            unit_ids=chosen.unit_ids,
            role=role,
            sending=sending(staged),
        )
        db.commit()
    flash(gettext("%(count)d people were invited.", count=added), "success")
    return back_to_meeting(meeting)


@bp.post("/<int:meeting_id>/guests")
@signed_in
def add_guest(meeting_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    form = GuestForm()
    if not form.validate_on_submit():
        raise BadMeeting(N_("Give the guest’s name."))
    participants.add_guest(
        db, user, meeting, name=form.name.data or "", organisation=form.organisation.data or ""
    )
    db.commit()
    flash(gettext("The guest was invited."), "success")
    return back_to_meeting(meeting)


@bp.post("/<int:meeting_id>/participants/<int:participant_id>/remove")
@signed_in
def remove_participant(meeting_id: int, participant_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    valid(ActionForm())
    participants.remove(db, user, meeting, participant_id)
    db.commit()
    flash(gettext("The invitation was withdrawn."), "success")
    return back_to_meeting(meeting)


@bp.get("/series/<int:series_id>")
@signed_in
def series(series_id: int) -> ResponseReturnValue:
    the_series, its_meetings = meetings.of_series(get_session(), auth.signed_in_user(), series_id)
    return render_template(
        "meetings/series.html", series=the_series, meetings=its_meetings, kind_labels=KIND_LABELS
    )


def _people_choices(form: MeetingForm) -> None:
    _units, people = recipients_choice(get_session())
    form.chair_id.choices = user_choices(people)
    form.secretary_id.choices = user_choices(people)


def _meeting_data(form: MeetingForm) -> meetings.MeetingData:
    try:
        kind = MeetingKind(form.kind.data or "")
        confidentiality = Confidentiality(form.confidentiality.data or "")
    except ValueError:
        raise BadMeeting(N_("A chosen value is not valid.")) from None
    chair, secretary = optional_id(form.chair_id.data), optional_id(form.secretary_id.data)
    if chair is None or secretary is None:
        raise BadMeeting(N_("Choose an active chair and secretary."))
    return meetings.MeetingData(
        title=form.title.data or "",
        kind=kind,
        starts_at=utc(form.starts_at.data),
        ends_at=utc(form.ends_at.data),
        chair_id=chair,
        secretary_id=secretary,
        room=form.room.data or "",
        online_link=form.online_link.data or "",
        confidentiality=confidentiality,
    )


def _item_data(form: ItemForm) -> agenda.ItemData:
    try:
        kind = ItemKind(form.kind.data or "")
    except ValueError:
        raise BadMeeting(N_("A chosen value is not valid.")) from None
    return agenda.ItemData(
        title=form.title.data or "",
        description=form.description.data or "",
        presenter_id=optional_id(form.presenter_id.data),
        presenter_name=form.presenter_name.data or "",
        duration_minutes=form.duration_minutes.data or 0,
        kind=kind,
    )


def _parent_choices(the_pack: packs.Pack) -> list[tuple[str, str]]:
    top = [("", gettext("The top of the agenda"))]
    return top + [
        (str(i.item.id), f"{i.placed.number or '·'} {i.item.title}")
        for i in the_pack.items
        if i.placed.depth + 1 < agenda.MAX_DEPTH
    ]
