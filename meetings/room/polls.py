"""A question put to a frozen list of voters, one ballot each, counted by the rule it opened with.

Votes in the meeting room (`votes`) and written consultations (`consultation`) are both polls;
this module holds what they share: freezing the voters, casting, closing and the result.

How a secret poll keeps no link between a person and a choice:

- a voter's "has voted" row (`PollBallot`) holds neither the choice nor a time;
- the choice only raises its option's counter (`PollOption.tally`) in place, in the same
  transaction: there is no row per choice whose id, position or time could be matched against
  the order in which people voted;
- the audit event and the room event say that a ballot was cast, never what it chose (the room
  event does not even say by whom); every choice takes the same statements, so the answer's
  timing says nothing either;
- on closing, every counter and "has voted" row of the poll is written again in the closing
  transaction, so that PostgreSQL's row versions (``xmin``) no longer tie the last ballot of
  each choice to its voter's transaction.

What it cannot hide: someone reading the database while the vote runs (or its dead row versions
before they are vacuumed) sees a counter move as a ballot comes in, as someone watching a ballot
box would. The result (counts, passed or not) comes from the counters at once on closing.

One ballot per voter is the database's unique constraint on ``PollBallot.voter_id``, not a check
in Python: two clicks at the same moment insert twice and the second insert fails.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.models import User
from core.errors import N_
from meetings.errors import AlreadyVoted, BadPoll, NotEntitled, PollNotOpen
from meetings.room.attendance import Voter
from meetings.room.models import (
    PassBase,
    Poll,
    PollBallot,
    PollKind,
    PollOption,
    PollStatus,
    PollVoter,
)

#: The options of a yes / no / abstain poll, as the minutes print them, "yes" first.
YES_NO_ABSTAIN = ("Tán thành", "Không tán thành", "Không biểu quyết")
MAX_OPTIONS = 20


@dataclass(frozen=True)
class Rule:
    """Passed when the leading choice has more than ``share`` of the ``base``."""

    share: Fraction
    base: PassBase

    @classmethod
    def of(cls, poll: Poll) -> Rule:
        return cls(Fraction(poll.pass_numerator, poll.pass_denominator), poll.pass_base)


#: The rules a chair picks from (the meeting kind's regulation decides which applies).
RULES = {
    "half_entitled": Rule(Fraction(1, 2), PassBase.ENTITLED),
    "half_cast": Rule(Fraction(1, 2), PassBase.CAST),
    "two_thirds_entitled": Rule(Fraction(2, 3), PassBase.ENTITLED),
}


@dataclass(frozen=True)
class Question:
    """What a poll asks, before it opens."""

    question: str
    kind: PollKind
    #: The choices of a `PollKind.CHOICE` poll (ignored for yes / no / abstain).
    options: Sequence[str] = ()
    secret: bool = False
    rule: Rule = RULES["half_entitled"]


@dataclass(frozen=True)
class Count:
    label: str
    position: int
    ballots: int


@dataclass(frozen=True)
class Result:
    """A closed poll's outcome, from its counters."""

    entitled: int
    cast: int
    counts: Sequence[Count]
    #: The choice with the most ballots; None when nobody voted or two lead together.
    leading: Count | None
    passed: bool


def _labels(question: Question) -> list[str]:
    if question.kind is PollKind.YES_NO_ABSTAIN:
        return list(YES_NO_ABSTAIN)
    labels = [label.strip() for label in question.options if label.strip()]
    if len(labels) < 2 or len(labels) > MAX_OPTIONS:
        raise BadPoll(N_("A choice needs between 2 and 20 options, one per line."))
    if len(set(labels)) != len(labels):
        raise BadPoll(N_("Two options have the same text."))
    if any(len(label) > 500 for label in labels):
        raise BadPoll(N_("An option is longer than 500 characters."))
    return labels


def open_poll(
    session: Session,
    question: Question,
    voters: Sequence[Voter],
    *,
    opened_by: User,
    now: datetime,
    meeting_id: int | None = None,
    item_id: int | None = None,
) -> Poll:
    """Store the poll, its options and its voters as they are now (the list never changes)."""
    text = question.question.strip()
    if not text or len(text) > 1000:
        raise BadPoll(N_("Please write the question (at most 1000 characters)."))
    labels = _labels(question)
    members = {voter.on_behalf_of or voter.user_id: voter.user_id for voter in voters}
    if not members:
        raise BadPoll(N_("Nobody is entitled to vote on this now: nothing was opened."))
    share = question.rule.share
    if not 0 <= share < 1:
        raise BadPoll(N_("This voting rule is not known."))
    poll = Poll(
        meeting_id=meeting_id,
        item_id=item_id,
        question=text,
        kind=question.kind,
        secret=question.secret,
        pass_numerator=share.numerator,
        pass_denominator=share.denominator,
        pass_base=question.rule.base,
        status=PollStatus.OPEN,
        opened_by_id=opened_by.id,
        opened_at=now,
    )
    session.add(poll)
    session.flush()
    session.execute(
        sa.insert(PollOption),
        [{"poll_id": poll.id, "position": n, "label": label} for n, label in enumerate(labels)],
    )
    session.execute(
        sa.insert(PollVoter),
        [
            {"poll_id": poll.id, "member_id": member, "user_id": user}
            for member, user in sorted(members.items())
        ],
    )
    session.expire(poll, ["options"])
    return poll


def voter_of(session: Session, poll: Poll, user: User, member_id: int | None) -> PollVoter:
    """The frozen voter row ``user`` casts for: their own, or the member named (whom they must
    represent in this poll); refused otherwise."""
    rows = session.scalars(
        sa.select(PollVoter)
        .where(PollVoter.poll_id == poll.id, PollVoter.user_id == user.id)
        .order_by(PollVoter.id)
    ).all()
    wanted = member_id if member_id is not None else user.id
    found = next((row for row in rows if row.member_id == wanted), None)
    if found is None and member_id is None and len(rows) == 1:
        found = rows[0]
    if found is None:
        if member_id is not None and member_id != user.id:
            raise NotEntitled(
                N_("You may not vote on behalf of this member."), poll=poll.id, member=member_id
            )
        raise NotEntitled(N_("You are not entitled to vote on this."), poll=poll.id)
    return found


def cast(
    session: Session,
    poll: Poll,
    user: User,
    option_id: int,
    *,
    now: datetime,
    member_id: int | None = None,
    before_counting: Callable[[PollBallot], None] | None = None,
) -> PollBallot:
    """Cast ``user``'s ballot (for ``member_id`` when they represent that member).

    The "has voted" row is inserted first, in a savepoint: a second ballot for the same voter
    fails on the unique constraint, however close together the two arrive. The poll's row is
    then read under a share lock, so that a close waits for the ballots already being cast and
    a ballot after the close is refused. ``before_counting`` (the caller's events) runs next,
    and the option's counter is raised last: every ballot for that option waits for its row
    lock, so it is held only from there to the commit.
    """
    if poll.status is not PollStatus.OPEN:
        raise PollNotOpen(N_("This vote is closed; your ballot was not counted."), poll=poll.id)
    if option_id not in {option.id for option in poll.options}:
        raise BadPoll(N_("Please choose one of the options."))
    voter = voter_of(session, poll, user, member_id)
    ballot = PollBallot(
        poll_id=poll.id,
        voter_id=voter.id,
        option_id=None if poll.secret else option_id,
        cast_at=None if poll.secret else now,
    )
    try:
        with session.begin_nested():
            session.add(ballot)
    except IntegrityError:
        raise AlreadyVoted(
            N_("This ballot has already been cast; it was counted once."), poll=poll.id
        ) from None
    status = session.scalar(
        sa.select(Poll.status).where(Poll.id == poll.id).with_for_update(read=True)
    )
    if status is not PollStatus.OPEN:
        raise PollNotOpen(N_("This vote is closed; your ballot was not counted."), poll=poll.id)
    if before_counting is not None:
        before_counting(ballot)
    session.execute(
        sa.update(PollOption)
        .where(PollOption.id == option_id, PollOption.poll_id == poll.id)
        .values(tally=PollOption.tally + 1)
        .execution_options(synchronize_session=False)
    )
    return ballot


def ballots_cast(session: Session, poll_id: int) -> int:
    """How many ballots are in: the only count shown while a poll is open."""
    return int(
        session.scalar(
            sa.select(sa.func.count()).select_from(PollBallot).where(PollBallot.poll_id == poll_id)
        )
        or 0
    )


def entitled_count(session: Session, poll_id: int) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count()).select_from(PollVoter).where(PollVoter.poll_id == poll_id)
        )
        or 0
    )


def close(session: Session, poll: Poll, actor: User | None, now: datetime) -> Result:
    """Close the poll and count it: from here no ballot is taken, and the result is known."""
    closed = session.execute(
        sa.update(Poll)
        .where(Poll.id == poll.id, Poll.status == PollStatus.OPEN)
        .values(status=PollStatus.CLOSED, closed_at=now, closed_by_id=actor.id if actor else None)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        raise PollNotOpen(N_("This vote is already closed."), poll=poll.id)
    if poll.secret:
        # Rewritten in this transaction: no row version of a counter or of a "has voted" row
        # keeps the transaction of the ballot that last touched it.
        session.execute(
            sa.update(PollOption)
            .where(PollOption.poll_id == poll.id)
            .values(tally=PollOption.tally)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            sa.update(PollBallot)
            .where(PollBallot.poll_id == poll.id)
            .values(voter_id=PollBallot.voter_id)
            .execution_options(synchronize_session=False)
        )
    session.expire(poll)
    found = result(session, poll)
    poll.passed = found.passed
    session.flush()
    return found


def publish(session: Session, poll: Poll, now: datetime) -> None:
    if poll.status is not PollStatus.CLOSED:
        raise PollNotOpen(N_("Only a closed vote can be published."), poll=poll.id)
    poll.status = PollStatus.PUBLISHED
    poll.published_at = now
    session.flush()


def result(session: Session, poll: Poll) -> Result:
    """The counts and the outcome by the poll's rule; for a closed poll only."""
    session.refresh(poll, ["options"])
    return result_of(poll, entitled_count(session, poll.id), ballots_cast(session, poll.id))


def result_of(poll: Poll, entitled: int, cast_total: int) -> Result:
    """`result` from the poll's loaded options and its counts (many polls in a few statements)."""
    if poll.status is PollStatus.OPEN:
        raise PollNotOpen(N_("The result is known once the vote is closed."), poll=poll.id)
    counts = [Count(o.label, o.position, o.tally) for o in poll.options]
    return Result(entitled, cast_total, counts, *_outcome(poll, counts, entitled, cast_total))


def _outcome(
    poll: Poll, counts: Sequence[Count], entitled: int, cast_total: int
) -> tuple[Count | None, bool]:
    if poll.kind is PollKind.YES_NO_ABSTAIN:
        leading: Count | None = counts[0]
    else:
        top = max((c.ballots for c in counts), default=0)
        leaders = [c for c in counts if c.ballots == top]
        leading = leaders[0] if top > 0 and len(leaders) == 1 else None
    rule = Rule.of(poll)
    base = entitled if rule.base is PassBase.ENTITLED else cast_total
    passed = leading is not None and base > 0 and Fraction(leading.ballots, base) > rule.share
    return leading, passed
