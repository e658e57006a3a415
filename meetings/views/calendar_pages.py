"""Calendars: a meeting's .ics, the "my calendar" page (a private feed address to make, make
again or revoke), and the feed itself, which calendar apps fetch without signing in."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy.orm import Session

from accounts import auth
from core import jobs, mail, ratelimit
from core.db import get_session, utcnow
from core.errors import N_
from meetings import calendar, feeds, reminders
from meetings.errors import BadMeeting
from meetings.forms import ActionForm
from meetings.views.blueprint import bp, load, signed_in, site

#: The feed lives outside /meetings/: its address is all a calendar app has.
feed_bp = Blueprint("calendar_feed", __name__)


@bp.get("/<int:meeting_id>.ics")
@signed_in
def meeting_ics(meeting_id: int) -> ResponseReturnValue:
    """The meeting as a calendar invitation, for whoever may see the meeting."""
    meeting = load(meeting_id)
    body = calendar.meeting_file(get_session(), meeting, site(), utcnow())
    return _ics(body, f"meeting-{meeting.id}.ics", method=calendar.method_for(meeting))


@bp.get("/calendar")
@signed_in
def my_calendar() -> ResponseReturnValue:
    feed = feeds.active(get_session(), auth.signed_in_user())
    return _calendar_page(feed is not None, None)


@bp.post("/calendar/feed")
@signed_in
def new_feed() -> ResponseReturnValue:
    """A new private address (the old one stops working), shown in this answer only."""
    _checked()
    db, user = get_session(), auth.signed_in_user()
    token = feeds.create(db, user)
    db.commit()
    address = url_for("calendar_feed.feed", token=token, _external=True)
    public = current_app.config.get("PUBLIC_URL")
    if public:
        address = public.rstrip("/") + url_for("calendar_feed.feed", token=token)
    response = _calendar_page(True, address)
    return response


@bp.post("/calendar/feed/revoke")
@signed_in
def revoke_feed() -> ResponseReturnValue:
    _checked()
    db, user = get_session(), auth.signed_in_user()
    feeds.revoke(db, user)
    db.commit()
    return _calendar_page(False, None, revoked=True)


@feed_bp.get("/calendar/<token>.ics")
@ratelimit.public
def feed(token: str) -> ResponseReturnValue:
    """The feed: no session, the token is the key. An unknown or revoked one is not found."""
    db = get_session()
    user = feeds.owner(db, token)
    if user is None:
        abort(404)
    now = utcnow()
    body = calendar.feed_file(
        feeds.meetings_for(db, user, now), site(), now, gettext("VanThu meetings")
    )
    return _ics(body, "vanthu.ics", method=None)


def _checked() -> None:
    if not ActionForm().validate_on_submit():
        raise BadMeeting(N_("This form has expired. Please reload the page and try again."))


def _calendar_page(active: bool, address: str | None, revoked: bool = False) -> Response:
    response = Response(
        render_template(
            "meetings/calendar.html",
            active=active,
            address=address,
            revoked=revoked,
            form=ActionForm(formdata=None),
        )
    )
    # The address is shown once: never kept by a browser or proxy cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _ics(body: bytes, file_name: str, method: calendar.Method | None) -> Response:
    content_type = "text/calendar; charset=utf-8"
    if method is not None:
        content_type += f"; method={method.value}"
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def remind(app: Flask, session: Session) -> None:
    """The periodic job: remind the people of meetings about to start."""
    reminders.send_due(
        session,
        utcnow(),
        reminders.leads_in_minutes(app.config["MEETING_REMINDER_HOURS"]),
        email=mail.get_mailer(app) is not None,
        site_url=app.config.get("PUBLIC_URL"),
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(feed_bp)
    jobs.periodic(
        app,
        "meeting_reminders",
        jobs.crontab(minute=f"*/{reminders.EVERY_MINUTES}"),
        remind,
    )
