"""The meeting room page, its live stream, and the current item with its timer.

The page is the agenda with the current item and the item a participant is looking at; every
panel on it (`data-room-panel`) is fetched again when an event of its kinds arrives on the
stream (see core/static/js/meeting-room.mjs).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from accounts import auth
from accounts import sessions as account_sessions
from accounts.errors import SessionEnded
from core.db import get_engine, get_session, utcnow
from core.errors import N_
from meetings import access, packs
from meetings.errors import BadMeeting, ItemNotFound
from meetings.forms import ITEM_KIND_LABELS, ActionForm
from meetings.models import Meeting, MeetingStatus
from meetings.room import current, stream
from meetings.room.events import latest_event_id
from meetings.room.hub import Hub
from meetings.views.blueprint import bp, load, optional_id, signed_in

#: A panel's form posted by the page's script gets the panel back instead of a redirect.
FETCH_HEADER = ("X-Requested-With", "fetch")


def hub_of(app: Flask) -> Hub:
    """The app process's hub of live streams, made on first use."""
    with _hub_lock:
        hub = app.extensions.get("vanthu.room_hub")
        if hub is None:
            hub = Hub(get_engine(app), vouch=access.presence)
            app.extensions["vanthu.room_hub"] = hub
    assert isinstance(hub, Hub)
    return hub


@bp.get("/<int:meeting_id>/room")
@signed_in
def room(meeting_id: int) -> ResponseReturnValue:
    """The room: everyone who sees the meeting follows it here while it runs."""
    db = get_session()
    meeting = load(meeting_id)
    return render_template(
        "meetings/room/page.html",
        meeting=meeting,
        last_event_id=latest_event_id(db, meeting.id),
        kinds=stream.KINDS,
        action_form=ActionForm(),
        may_run=meeting.is_manager(auth.signed_in_user()),
        **_room_state(meeting, request.args.get("item")),
    )


@bp.get("/<int:meeting_id>/room/agenda")
@signed_in
def room_agenda(meeting_id: int) -> ResponseReturnValue:
    """The agenda panel: every item the reader sees, the current one marked."""
    meeting = load(meeting_id)
    return render_template(
        "meetings/room/_agenda.html",
        meeting=meeting,
        action_form=ActionForm(),
        may_run=meeting.is_manager(auth.signed_in_user()),
        **_room_state(meeting, request.args.get("item")),
    )


@bp.get("/<int:meeting_id>/room/item")
@signed_in
def room_item(meeting_id: int) -> ResponseReturnValue:
    """The item panel: the current item with its timer, or the one the reader browses to."""
    meeting = load(meeting_id)
    return render_template(
        "meetings/room/_item.html",
        meeting=meeting,
        **_room_state(meeting, request.args.get("item")),
    )


@bp.post("/<int:meeting_id>/room/current")
@signed_in
def set_current_item(meeting_id: int) -> ResponseReturnValue:
    """The chair or the secretary moves the meeting to an item; every device follows."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    access.refuse_unless_manager(user, meeting)
    _checked_form()
    item_id = optional_id(request.form.get("item_id"))
    if item_id is None:
        raise BadMeeting(N_("Choose an agenda item."))
    current.set_current(db, user, meeting, item_id, now=utcnow())
    db.commit()
    return _back_to_room(meeting)


@bp.post("/<int:meeting_id>/room/start")
@signed_in
def start_meeting(meeting_id: int) -> ResponseReturnValue:
    """The chair or the secretary opens the meeting from the room."""
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    _checked_form()
    current.start(db, user, meeting)
    db.commit()
    return _back_to_room(meeting)


@bp.get("/<int:meeting_id>/room/stream")
@signed_in
def room_stream(meeting_id: int) -> ResponseReturnValue:
    """The live stream of the room (text/event-stream), for those who see the meeting.

    A browser that reconnects sends ``Last-Event-ID``; the page's first connection says in
    ``?after=`` the newest event it was drawn with. The session is checked again at each
    event and heartbeat, with `accounts.sessions.check` as on every request.
    """
    user = auth.signed_in_user()
    meeting = load(meeting_id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    last_event_id = request.headers.get("Last-Event-ID")
    if last_event_id is None:
        last_event_id = request.args.get("after")
    body = stream.follow(
        hub_of(app),
        get_engine(app),
        meeting.id,
        last_event_id,
        heartbeat=float(app.config["ROOM_HEARTBEAT_SECONDS"]),
        may_continue=_still_allowed(app, user.id, meeting.id),
        reader_id=user.id,
    )
    # The request's own database session ends with the request, before the stream waits.
    get_session().close()
    return Response(
        body,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _still_allowed(
    app: Flask, user_id: int, meeting_id: int
) -> Callable[[access.Presence | None], bool]:
    """Whether the stream's session may still act and still sees the meeting: the cookie as it
    was when the stream opened, the account as it is now (as the hub found it with an event,
    else asked on a short connection)."""
    contents = dict(session)
    browser = auth.session_identifier(request.environ)
    policy = account_sessions.SessionPolicy.from_config(app.config)
    engine = get_engine(app)

    def check(found: access.Presence | None) -> bool:
        if found is None:
            with engine.connect() as connection:
                found = access.presence(connection, [user_id], meeting_id)[user_id]
        try:
            account_sessions.check(contents, found.session_generation, policy, browser=browser)
        except SessionEnded:
            return False
        return found.sees_meeting

    return check


def _room_state(meeting: Meeting, browsed: Any) -> dict[str, Any]:
    """What the page and its panels show: the reader's agenda, the current item and its
    timer, and the item on the panel (the one browsed to, else the current one)."""
    db, user = get_session(), auth.signed_in_user()
    pack = packs.build(db, user, meeting)
    now = utcnow()
    state = current.current_of(db, meeting)
    shown_id = optional_id(browsed)
    entries = {entry.item.id: entry for entry in pack.items}
    if shown_id is not None and shown_id not in entries:
        raise ItemNotFound(
            N_("This agenda item does not exist, or you may not see it."), item=shown_id
        )
    shown = entries.get(shown_id if shown_id is not None else state.item_id or -1)
    return {
        "pack": pack,
        "state": state,
        "now": now,
        "current_entry": entries.get(state.item_id or -1),
        "shown": shown,
        "browsing": shown_id is not None and shown_id != state.item_id,
        "running": meeting.status is MeetingStatus.IN_PROGRESS and meeting.cancelled_at is None,
        "may_start": meeting.status is MeetingStatus.PUBLISHED and meeting.cancelled_at is None,
        "item_kind_labels": ITEM_KIND_LABELS,
    }


def _checked_form() -> None:
    if not ActionForm().validate_on_submit():
        raise BadMeeting(N_("This form has expired. Please reload the page and try again."))


def _back_to_room(meeting: Meeting) -> ResponseReturnValue:
    if request.headers.get(FETCH_HEADER[0]) == FETCH_HEADER[1]:
        return render_template(
            "meetings/room/_agenda.html",
            meeting=meeting,
            action_form=ActionForm(),
            may_run=True,
            **_room_state(meeting, None),
        )
    return redirect(url_for("meetings.room", meeting_id=meeting.id))


_hub_lock = threading.Lock()
