"""The chair's and secretary's readiness page: who has opened which version, and reminding those
who have opened nothing."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from accounts import auth
from accounts.notification_views import notify_from_app
from core.clock import local_time
from core.db import get_session
from core.errors import N_
from meetings import readiness as service
from meetings.errors import BadMeeting
from meetings.forms import ActionForm
from meetings.views.blueprint import bp, load, signed_in


@bp.get("/<int:meeting_id>/readiness")
@signed_in
def readiness(meeting_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    return render_template(
        "meetings/readiness.html",
        meeting=meeting,
        report=service.report(db, user, meeting),
        remind_form=ActionForm(),
        opened=service.Opened,
    )


@bp.post("/<int:meeting_id>/readiness/remind")
@signed_in
def remind(meeting_id: int) -> ResponseReturnValue:
    """Remind, once for this press of the button, everyone who has opened nothing yet."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    if not ActionForm().validate_on_submit():
        raise BadMeeting(N_("This form has expired. Please reload the page and try again."))
    sent = service.remind(
        db,
        user,
        meeting,
        notify_from_app,
        link=url_for("meetings.pack", meeting_id=meeting.id),
        starts=local_time(meeting.starts_at),
    )
    db.commit()
    flash(gettext("%(count)d people were reminded.", count=sent.people), "success")
    return redirect(url_for("meetings.readiness", meeting_id=meeting.id))
