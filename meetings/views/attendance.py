"""The room's attendance panel: checking in on one's own device, the secretary's marks, leaving
early, and the quorum as it stands. A fragment the room page re-fetches on each change."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.routing import BuildError

from accounts import auth
from core.db import get_session, utcnow
from meetings import participants
from meetings.forms import PRESENCE_LABELS, ActionForm, AttendanceForm, CheckInForm
from meetings.models import Meeting
from meetings.room import attendance
from meetings.room.models import Presence
from meetings.views.blueprint import bp, load, optional_id, signed_in, utc, valid


def back_to_room(meeting: Meeting, panel: str) -> ResponseReturnValue:
    """After a panel's form: the panel itself when the room's script asked, else the room."""
    if request.headers.get("X-Requested-With") == "fetch":
        item = request.args.get("item", "")
        if item.isdigit():
            return redirect(url_for(panel, meeting_id=meeting.id, item=item))
        return redirect(url_for(panel, meeting_id=meeting.id))
    try:
        return redirect(url_for("meetings.room", meeting_id=meeting.id))
    except BuildError:  # the room page is another module's; until it is there, the pack
        return redirect(url_for("meetings.pack", meeting_id=meeting.id))


@bp.get("/<int:meeting_id>/room/attendance")
@signed_in
def attendance_panel(meeting_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    calls = attendance.roll(db, meeting)
    return render_template(
        "meetings/room/_attendance.html",
        meeting=meeting,
        roll=calls,
        quorum=attendance.quorum(db, meeting),
        own=participants.own(db, user, meeting),
        marked={call.participant.id: call.attendance for call in calls},
        manager=meeting.is_manager(user),
        user=user,
        labels=PRESENCE_LABELS,
        presence=Presence,
        check_in_form=CheckInForm(),
        action_form=ActionForm(),
        mark_form=AttendanceForm(),
    )


@bp.post("/<int:meeting_id>/room/attendance/check-in")
@signed_in
def check_in(meeting_id: int) -> ResponseReturnValue:
    """The signed-in person checks in, for their own invitation or the one they hold."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    form = valid(CheckInForm())
    attendance.check_in(
        db,
        user,
        meeting,
        optional_id(form.participant_id.data) or 0,
        online=form.online.data == "1",
        now=utcnow(),
    )
    db.commit()
    return back_to_room(meeting, "meetings.attendance_panel")


@bp.post("/<int:meeting_id>/room/attendance/<int:participant_id>")
@signed_in
def mark_attendance(meeting_id: int, participant_id: int) -> ResponseReturnValue:
    """The secretary or chair records one participant's attendance."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    form = valid(AttendanceForm())
    marking = attendance.Marking(
        status=Presence(form.status.data),
        reason=form.reason.data or "",
        arrived_at=utc(form.arrived_at.data) if form.arrived_at.data else None,
        left_at=utc(form.left_at.data) if form.left_at.data else None,
    )
    attendance.mark(db, user, meeting, participant_id, marking, now=utcnow())
    db.commit()
    return back_to_room(meeting, "meetings.attendance_panel")


@bp.post("/<int:meeting_id>/room/attendance/<int:participant_id>/leave")
@signed_in
def leave_meeting(meeting_id: int, participant_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    valid(ActionForm())
    attendance.leave(db, user, meeting, participant_id, now=utcnow())
    db.commit()
    return back_to_room(meeting, "meetings.attendance_panel")
