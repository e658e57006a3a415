"""The room's votes panel (a fragment the room page re-fetches on each ``vote.`` event) and the
chair's and voters' actions on it: open, cast, close, publish."""

from __future__ import annotations

from flask import redirect, render_template, request
from flask.typing import ResponseReturnValue

from accounts import auth
from core.db import get_session, utcnow
from core.errors import N_
from meetings import agenda
from meetings.errors import BadPoll
from meetings.forms import ActionForm, BallotForm, VoteForm
from meetings.models import Meeting
from meetings.room import votes as service
from meetings.views.blueprint import bp, load, optional_id, signed_in, valid


def render_panel(meeting: Meeting) -> str:
    """The votes panel for the signed-in user: what the room page embeds first, then re-fetches."""
    db, user = get_session(), auth.signed_in_user()
    return render_template(
        "meetings/room/_votes.html",
        meeting=meeting,
        states=service.votes_in(db, user, meeting),
        manages=meeting.is_manager(user),
        agenda=agenda.layout(meeting, agenda.items_of(db, meeting))
        if meeting.is_manager(user)
        else [],
        vote_form=VoteForm(formdata=None),
        ballot_form=BallotForm(formdata=None),
        action_form=ActionForm(formdata=None),
    )


def _answer(meeting: Meeting) -> ResponseReturnValue:
    """The fragment when the room's script asked, else back to the room page."""
    if request.headers.get("X-Requested-With") == "fetch":
        return render_panel(meeting)
    return redirect(f"/meetings/{meeting.id}/room")


@bp.get("/<int:meeting_id>/room/votes")
@signed_in
def votes_panel(meeting_id: int) -> ResponseReturnValue:
    return render_panel(load(meeting_id))


@bp.post("/<int:meeting_id>/room/votes")
@signed_in
def open_vote(meeting_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    form = valid(VoteForm())
    question = service.question_from_form(
        form.question.data or "",
        form.kind.data or "",
        form.options.data or "",
        bool(form.secret.data),
        form.rule.data or "",
    )
    service.open_vote(db, user, meeting, question, optional_id(form.item.data), now=utcnow())
    db.commit()
    return _answer(meeting)


@bp.post("/<int:meeting_id>/room/votes/<int:poll_id>/ballot")
@signed_in
def cast_ballot(meeting_id: int, poll_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id)
    form = valid(BallotForm())
    option = optional_id(form.option.data)
    if option is None:
        raise BadPoll(N_("Please choose one of the options."))
    service.cast_ballot(
        db, user, meeting, poll_id, option, member_id=optional_id(form.member.data), now=utcnow()
    )
    db.commit()
    return _answer(meeting)


@bp.post("/<int:meeting_id>/room/votes/<int:poll_id>/close")
@signed_in
def close_vote(meeting_id: int, poll_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    valid(ActionForm())
    service.close_vote(db, user, meeting, poll_id, now=utcnow())
    db.commit()
    return _answer(meeting)


@bp.post("/<int:meeting_id>/room/votes/<int:poll_id>/publish")
@signed_in
def publish_vote(meeting_id: int, poll_id: int) -> ResponseReturnValue:
    db, user = get_session(), auth.signed_in_user()
    meeting = load(meeting_id, manage=True)
    valid(ActionForm())
    service.publish_vote(db, user, meeting, poll_id, now=utcnow())
    db.commit()
    return _answer(meeting)
