"""The room's speakers panel for one item (the current one unless asked): asking to speak,
withdrawing, the chair's reordering, starting and stopping with the time limit, and declaring
a conflict of interest on the item."""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from accounts import auth
from core.db import get_session, utcnow
from core.errors import N_
from meetings import access, participants
from meetings.errors import BadMeeting
from meetings.forms import SPEECH_LABELS, ActionForm, ConflictForm, SpeakForm, SpeakingTimeForm
from meetings.room import conflicts, speakers
from meetings.room.models import SpeechKind
from meetings.views.attendance import back_to_room
from meetings.views.blueprint import bp, load, optional_id, signed_in, valid

PANEL = "meetings.speakers_panel"


@bp.get("/<int:meeting_id>/room/speakers")
@signed_in
def speakers_panel(meeting_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    item_id = optional_id(request.args.get("item")) or speakers.current_item_id(db, meeting)
    item = access.get_item(db, user, meeting, item_id) if item_id is not None else None
    found = speakers.listing(db, meeting, item.id) if item is not None else None
    declared = [c for c in conflicts.declared(db, meeting) if item and c.item_id == item.id]
    return render_template(
        "meetings/room/_speakers.html",
        meeting=meeting,
        item=item,
        speakers=found,
        user=user,
        manager=meeting.is_manager(user),
        participating=bool(participants.own(db, user, meeting)),
        declared=declared,
        labels=SPEECH_LABELS,
        speak_form=SpeakForm(),
        action_form=ActionForm(),
        limit_form=SpeakingTimeForm(minutes=(found.limit_seconds if found else 300) // 60),
        conflict_form=ConflictForm(),
    )


@bp.post("/<int:meeting_id>/room/speakers")
@signed_in
def ask_to_speak(meeting_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    form = valid(SpeakForm())
    kind = SpeechKind(form.kind.data)
    speakers.ask(db, user, meeting, _item_id(form.item_id.data), kind, now=utcnow())
    db.commit()
    return back_to_room(meeting, PANEL)


ACTIONS = ("withdraw", "up", "down", "start", "stop")


@bp.post("/<int:meeting_id>/room/speakers/<int:request_id>/<action>")
@signed_in
def speaker_action(meeting_id: int, request_id: int, action: str) -> ResponseReturnValue:
    """Withdraw (the speaker or the chair); move, start, stop (the chair and secretary)."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    if action not in ACTIONS:
        abort(404)
    valid(ActionForm())
    now = utcnow()
    if action == "withdraw":
        speakers.withdraw(db, user, meeting, request_id, now=now)
    elif action == "start":
        speakers.start(db, user, meeting, request_id, now=now)
    elif action == "stop":
        speakers.stop(db, user, meeting, request_id, now=now)
    else:
        speakers.move(db, user, meeting, request_id, speakers.Move(action))
    db.commit()
    return back_to_room(meeting, PANEL)


@bp.post("/<int:meeting_id>/room/speaking-time")
@signed_in
def speaking_time(meeting_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    form = valid(SpeakingTimeForm())
    speakers.set_limit(db, user, meeting, form.minutes.data or 0)
    db.commit()
    return back_to_room(meeting, PANEL)


@bp.post("/<int:meeting_id>/room/conflicts")
@signed_in
def declare_conflict(meeting_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    form = valid(ConflictForm())
    conflicts.declare(
        db, user, meeting, _item_id(form.item_id.data), form.reason.data or "", now=utcnow()
    )
    db.commit()
    return back_to_room(meeting, PANEL)


def _item_id(value: object) -> int:
    found = optional_id(value)
    if found is None:
        raise BadMeeting(N_("Choose an agenda item."))
    return found
