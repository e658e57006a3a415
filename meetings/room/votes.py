"""Votes in the meeting room (biểu quyết): opened by the chair or secretary on an item or on the
meeting, cast by the entitled voters frozen at the opening, closed, counted and published.

The mechanics (one ballot per voter by a unique constraint, the secret ballot keeping no link
between a person and a choice) are `meetings.room.polls`'; this module adds the meeting's rules:
who may open and close, who sees which vote, and each change's audit and room events. A secret
vote's events say that a ballot was cast, never by whom (room) nor what (room and audit).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.errors import N_
from meetings import access
from meetings.errors import BadPoll, PollNotFound, WrongState
from meetings.models import AgendaItem, Meeting, MeetingStatus
from meetings.room import attendance, events, polls
from meetings.room.models import Poll, PollBallot, PollKind, PollStatus, PollVoter
from meetings.room.record import RecordPart, register_builder

#: Meetings in which a vote may be opened.
VOTING = (MeetingStatus.PUBLISHED, MeetingStatus.IN_PROGRESS)


def _vote_not_found(poll_id: int) -> PollNotFound:
    return PollNotFound(N_("This vote does not exist, or you may not see it."), poll=poll_id)


def open_vote(
    session: Session,
    user: User,
    meeting: Meeting,
    question: polls.Question,
    item_id: int | None,
    *,
    now: datetime,
) -> Poll:
    """Open a vote and freeze its voters (`attendance.entitled_voters` of that moment)."""
    access.refuse_unless_manager(user, meeting)
    if meeting.status not in VOTING or meeting.cancelled_at is not None:
        raise WrongState(N_("Votes are held while the meeting is published or under way."))
    if item_id is not None:
        access.get_item(session, user, meeting, item_id)
    voters = attendance.entitled_voters(session, meeting, item_id)
    poll = polls.open_poll(
        session, question, voters, opened_by=user, now=now, meeting_id=meeting.id, item_id=item_id
    )
    entitled = polls.entitled_count(session, poll.id)
    record_event(
        session,
        "meetings:vote:open",
        actor=user,
        subject={"meeting": meeting.id, "vote": poll.id},
        details={
            "item": item_id,
            "secret": poll.secret,
            "kind": poll.kind.value,
            "entitled": entitled,
            "rule": f"{poll.pass_numerator}/{poll.pass_denominator} {poll.pass_base.value}",
        },
    )
    events.announce(
        session,
        meeting.id,
        "vote.opened",
        {"vote": poll.id, "item": item_id, "entitled": entitled},
        actor_id=user.id,
    )
    return poll


def get_vote(session: Session, user: User, meeting: Meeting, poll_id: int) -> Poll:
    """A vote of ``meeting`` that ``user`` sees; one on an item they may not see is not found."""
    poll = session.get(Poll, poll_id)
    if poll is None or poll.meeting_id != meeting.id:
        raise _vote_not_found(poll_id)
    if poll.item_id is not None:
        item = session.get(AgendaItem, poll.item_id)
        if item is None or not (meeting.is_manager(user) or access.sees_item(session, user, item)):
            raise _vote_not_found(poll_id)
    return poll


def cast_ballot(
    session: Session,
    user: User,
    meeting: Meeting,
    poll_id: int,
    option_id: int,
    *,
    member_id: int | None = None,
    now: datetime,
) -> int:
    """Cast ``user``'s ballot; returns how many ballots are in now."""
    poll = get_vote(session, user, meeting, poll_id)
    counted: list[int] = []

    def record(ballot: PollBallot) -> None:
        cast_now = polls.ballots_cast(session, poll.id)
        counted.append(cast_now)
        details: dict[str, object] = {"secret": poll.secret}
        if not poll.secret:
            voter = session.get(PollVoter, ballot.voter_id)
            details.update(option=option_id, member=voter.member_id if voter else None)
        record_event(
            session,
            "meetings:vote:cast",
            actor=user,
            subject={"meeting": meeting.id, "vote": poll.id},
            details=details,
        )
        events.announce(
            session,
            meeting.id,
            "vote.ballot",
            {"vote": poll.id, "cast": cast_now},
            actor_id=None if poll.secret else user.id,
        )

    polls.cast(session, poll, user, option_id, now=now, member_id=member_id, before_counting=record)
    (cast_now,) = counted
    return cast_now


def close_vote(
    session: Session, user: User, meeting: Meeting, poll_id: int, *, now: datetime
) -> polls.Result:
    """Close and count: the chair and secretary see the result at once."""
    access.refuse_unless_manager(user, meeting)
    poll = get_vote(session, user, meeting, poll_id)
    found = polls.close(session, poll, user, now)
    record_event(
        session,
        "meetings:vote:close",
        actor=user,
        subject={"meeting": meeting.id, "vote": poll.id},
        details=_result_details(found),
    )
    events.announce(session, meeting.id, "vote.closed", {"vote": poll.id}, actor_id=user.id)
    return found


def publish_vote(
    session: Session, user: User, meeting: Meeting, poll_id: int, *, now: datetime
) -> polls.Result:
    """Show the result to everyone who sees the vote."""
    access.refuse_unless_manager(user, meeting)
    poll = get_vote(session, user, meeting, poll_id)
    polls.publish(session, poll, now)
    found = polls.result(session, poll)
    record_event(
        session,
        "meetings:vote:publish",
        actor=user,
        subject={"meeting": meeting.id, "vote": poll.id},
    )
    events.announce(
        session,
        meeting.id,
        "vote.published",
        {"vote": poll.id, **_result_details(found)},
        actor_id=user.id,
    )
    return found


def _result_details(found: polls.Result) -> dict[str, object]:
    return {
        "entitled": found.entitled,
        "cast": found.cast,
        "counts": [c.ballots for c in found.counts],
        "passed": found.passed,
    }


@dataclass(frozen=True)
class VoteState:
    """A vote as one person sees it in the room's panel."""

    poll: Poll
    item: AgendaItem | None
    entitled: int
    cast: int
    #: Members ``user`` may still cast for (their own id for their own vote).
    may_cast_for: Sequence[int]
    #: Whether ``user`` has cast every ballot they hold.
    has_voted: bool
    #: None while the result is not for this person to see.
    result: polls.Result | None


def votes_in(session: Session, user: User, meeting: Meeting) -> list[VoteState]:
    """The meeting's votes ``user`` sees, newest first, each with its live count of ballots."""
    statement = sa.select(Poll, AgendaItem).outerjoin(AgendaItem, AgendaItem.id == Poll.item_id)
    statement = statement.where(Poll.meeting_id == meeting.id)
    if not meeting.is_manager(user):
        statement = statement.where(
            sa.or_(Poll.item_id.is_(None), access.item_visible_to(user, AgendaItem))
        )
    rows = session.execute(statement.order_by(Poll.id.desc())).all()
    ids = [poll.id for poll, _item in rows]
    entitled = _counts(session, PollVoter.poll_id, ids)
    cast = _counts(session, PollBallot.poll_id, ids)
    mine = session.execute(
        sa.select(PollVoter.poll_id, PollVoter.member_id, PollBallot.id)
        .outerjoin(PollBallot, PollBallot.voter_id == PollVoter.id)
        .where(PollVoter.poll_id.in_(ids), PollVoter.user_id == user.id)
        .order_by(PollVoter.poll_id, PollVoter.member_id)
    ).all()
    states = []
    for poll, item in rows:
        held = [(member, ballot) for poll_id, member, ballot in mine if poll_id == poll.id]
        open_for = [member for member, ballot in held if ballot is None]
        shown = poll.status is PollStatus.PUBLISHED or (
            poll.status is PollStatus.CLOSED and meeting.is_manager(user)
        )
        states.append(
            VoteState(
                poll=poll,
                item=item,
                entitled=entitled.get(poll.id, 0),
                cast=cast.get(poll.id, 0),
                may_cast_for=open_for if poll.status is PollStatus.OPEN else [],
                has_voted=bool(held) and not open_for,
                result=(
                    polls.result_of(poll, entitled.get(poll.id, 0), cast.get(poll.id, 0))
                    if shown
                    else None
                ),
            )
        )
    return states


def _counts(session: Session, column: Any, ids: Sequence[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(
        sa.select(column, sa.func.count()).where(column.in_(ids)).group_by(column)
    ).all()
    return {int(key): int(n) for key, n in rows}


def question_from_form(
    text: str, kind: str, options_text: str, secret: bool, rule: str
) -> polls.Question:
    """A `polls.Question` from the chair's form fields, refused with a clear message."""
    try:
        poll_kind = PollKind(kind)
    except ValueError:
        raise BadPoll(N_("Please choose what is voted: yes / no / abstain, or a choice.")) from None
    if rule not in polls.RULES:
        raise BadPoll(N_("This voting rule is not known."))
    return polls.Question(
        question=text,
        kind=poll_kind,
        options=options_text.splitlines(),
        secret=secret,
        rule=polls.RULES[rule],
    )


def _rule_text(poll: Poll) -> str:
    base = "số thành viên có quyền biểu quyết" if poll.pass_base.value == "entitled" else "số phiếu"
    return f"quá {poll.pass_numerator}/{poll.pass_denominator} {base}"


@dataclass(frozen=True)
class NamedBallot:
    """One entitled voter of a named vote and the choice cast for them (None: no ballot)."""

    member_id: int
    name: str
    #: Who cast it: the member, or the representative attending in their place.
    cast_by_id: int
    choice: str | None


def _named_ballots(session: Session, poll: Poll) -> list[NamedBallot]:
    """A named vote's voters by name with their choices; never called for a secret vote,
    whose ballots hold no voter."""
    rows = session.execute(
        sa.select(User.full_name, PollVoter.member_id, PollVoter.user_id, PollBallot.option_id)
        .join(PollVoter, PollVoter.member_id == User.id)
        .outerjoin(PollBallot, PollBallot.voter_id == PollVoter.id)
        .where(PollVoter.poll_id == poll.id)
        .order_by(User.full_name, PollVoter.member_id)
    ).all()
    labels = {option.id: option.label for option in poll.options}
    return [
        NamedBallot(member_id, name, user_id, labels.get(option_id) if option_id else None)
        for name, member_id, user_id, option_id in rows
    ]


def _named_table(session: Session, poll: Poll) -> list[list[str]]:
    table = [["Thành viên", "Lựa chọn"]]
    for ballot in _named_ballots(session, poll):
        who = ballot.name
        if ballot.member_id != ballot.cast_by_id:
            who = f"{ballot.name} (người dự thay bỏ phiếu)"
        table.append([who, ballot.choice or "Không bỏ phiếu"])
    return table


def record(session: Session, meeting: Meeting) -> list[RecordPart]:
    """Each closed vote for the minutes: counts and outcome; the names of a named vote's voters
    with their choices, only counts for a secret one."""
    closed = session.scalars(
        sa.select(Poll)
        .where(Poll.meeting_id == meeting.id, Poll.status != PollStatus.OPEN)
        .order_by(Poll.opened_at, Poll.id)
    ).all()
    parts = []
    for n, poll in enumerate(closed):
        found = polls.result(session, poll)
        counts = "; ".join(f"{c.label}: {c.ballots}" for c in found.counts)
        outcome = "Thông qua" if found.passed else "Không thông qua"
        paragraphs = [
            f"Nội dung biểu quyết: {poll.question}",
            f"Hình thức: {'bỏ phiếu kín' if poll.secret else 'biểu quyết công khai'}.",
            f"Số thành viên có quyền biểu quyết: {found.entitled}; số phiếu: {found.cast}.",
            f"Kết quả: {counts}.",
            f"{outcome} (điều kiện: {_rule_text(poll)}).",
        ]
        parts.append(
            RecordPart(
                order=400 + n,
                heading="Biểu quyết",
                paragraphs=paragraphs,
                table=() if poll.secret else _named_table(session, poll),
                item_id=poll.item_id,
                data={
                    "vote": poll.id,
                    "secret": poll.secret,
                    **_result_details(found),
                },
            )
        )
    return parts


register_builder("votes", record)


def archive_section(session: Session, meeting: Meeting) -> list[tuple[str, bytes]]:
    """The ``votes/`` section of the meeting archive (`meetings.archive.add_section`): each
    closed vote's result; a named vote's choices with the voters' names, a secret vote's counts
    only (its ballots hold no voter to name)."""
    closed = session.scalars(
        sa.select(Poll)
        .where(Poll.meeting_id == meeting.id, Poll.status != PollStatus.OPEN)
        .order_by(Poll.opened_at, Poll.id)
    ).all()
    described = []
    for poll in closed:
        found = polls.result(session, poll)
        described.append(
            {
                "vote": poll.id,
                "item_id": poll.item_id,
                "question": poll.question,
                "kind": poll.kind.value,
                "secret": poll.secret,
                "status": poll.status.value,
                "rule": _rule_text(poll),
                "opened_at": poll.opened_at.isoformat(),
                "closed_at": poll.closed_at.isoformat() if poll.closed_at else None,
                "published_at": poll.published_at.isoformat() if poll.published_at else None,
                "entitled": found.entitled,
                "cast": found.cast,
                "counts": [{"choice": c.label, "ballots": c.ballots} for c in found.counts],
                "passed": found.passed,
                "ballots": None
                if poll.secret
                else [
                    {
                        "member_id": b.member_id,
                        "name": b.name,
                        "cast_by_id": b.cast_by_id,
                        "choice": b.choice,
                    }
                    for b in _named_ballots(session, poll)
                ],
            }
        )
    body = {"meeting": meeting.id, "votes": described}
    text = json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return [("votes.json", text.encode("utf-8"))]
