"""Votes in the room: frozen voters, one ballot each (also at once), counted by the rule,
secret ballots that no table or event links to their voter, and their part of the minutes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from audit.models import AuditEvent
from core.db import Base, get_engine
from meetings.errors import AlreadyVoted, BadPoll, NotAllowed, NotEntitled, PollNotOpen
from meetings.room import attendance, polls, votes
from meetings.room.attendance import Voter
from meetings.room.models import (
    PassBase,
    Poll,
    PollBallot,
    PollKind,
    PollOption,
    PollStatus,
    PollVoter,
    RoomEvent,
)
from meetings.room.record import record_parts
from tests.conftest import count_statements
from tests.meetings.conftest import add_item, invite, new_meeting, publish
from tests.meetings.room.attend_kit import seated

#: When the votes are cast in these tests: fixed, never the clock.
AT = datetime(2026, 12, 10, 2, 30, tzinfo=UTC)
YES_NO = polls.Question("Thông qua Tờ trình số 12/TTr-SNV?", PollKind.YES_NO_ABSTAIN)
SECRET = polls.Question("Giới thiệu nhân sự", PollKind.CHOICE, ("Ông A", "Bà B"), secret=True)
MEMBERS = ("home_a", "home_b", "finance_a")


@pytest.fixture
def meeting(db, office):
    found = new_meeting(db, office)
    invite(db, office, found, *MEMBERS)
    publish(db, office, found)
    seated(db, office, found, *MEMBERS)
    return found


@pytest.fixture
def item(db, office, meeting):
    return add_item(db, office, meeting, "Tờ trình về biên chế")


def opened(db, office, meeting, question=YES_NO, item=None):
    poll = votes.open_vote(
        db, office.chairman, meeting, question, item.id if item else None, now=AT
    )
    db.commit()
    return poll


def option(poll, position):
    return poll.options[position].id


def cast(db, office, meeting, poll, name, position, **options):
    count = votes.cast_ballot(
        db, office.people[name], meeting, poll.id, option(poll, position), now=AT, **options
    )
    db.commit()
    return count


def test_opening_freezes_the_entitled_voters(db, office, meeting, item):
    poll = opened(db, office, meeting, item=item)
    invite(db, office, meeting, "outsider")
    frozen = set(db.scalars(sa.select(PollVoter.user_id).where(PollVoter.poll_id == poll.id)))
    assert frozen == {office.people[n].id for n in MEMBERS}
    with pytest.raises(NotEntitled):
        votes.cast_ballot(db, office.outsider, meeting, poll.id, option(poll, 0), now=AT)


def test_a_named_vote_is_counted_and_passes_by_more_than_half_of_the_entitled(db, office, meeting):
    poll = opened(db, office, meeting)
    assert cast(db, office, meeting, poll, "home_a", 0) == 1
    assert cast(db, office, meeting, poll, "home_b", 0) == 2
    result = votes.close_vote(db, office.clerk, meeting, poll.id, now=AT)
    db.commit()
    assert [c.ballots for c in result.counts] == [2, 0, 0]
    assert (result.entitled, result.cast, result.passed) == (3, 2, True)
    assert db.get(Poll, poll.id).passed is True


def test_the_rule_is_data_one_yes_of_three_entitled_fails_but_passes_of_one_cast(
    db, office, meeting
):
    strict = opened(db, office, meeting)
    cast(db, office, meeting, strict, "home_a", 0)
    assert votes.close_vote(db, office.clerk, meeting, strict.id, now=AT).passed is False
    lenient = opened(
        db,
        office,
        meeting,
        polls.Question("Hoãn nội dung 2?", PollKind.YES_NO_ABSTAIN, rule=polls.RULES["half_cast"]),
    )
    assert lenient.pass_base is PassBase.CAST
    cast(db, office, meeting, lenient, "home_a", 0)
    assert votes.close_vote(db, office.clerk, meeting, lenient.id, now=AT).passed is True


def test_a_tied_choice_has_no_leader_and_does_not_pass(db, office, meeting):
    poll = opened(db, office, meeting, SECRET)
    cast(db, office, meeting, poll, "home_a", 0)
    cast(db, office, meeting, poll, "home_b", 1)
    result = votes.close_vote(db, office.clerk, meeting, poll.id, now=AT)
    assert (result.leading, result.passed) == (None, False)


def test_a_second_ballot_is_refused_and_counted_once(db, office, meeting):
    poll = opened(db, office, meeting)
    cast(db, office, meeting, poll, "home_a", 0)
    with pytest.raises(AlreadyVoted):
        votes.cast_ballot(db, office.home_a, meeting, poll.id, option(poll, 1), now=AT)
    db.rollback()
    tallies = db.scalars(
        sa.select(PollOption.tally).where(PollOption.poll_id == poll.id).order_by("position")
    )
    assert list(tallies) == [1, 0, 0]


def test_a_ballot_after_the_close_is_refused_and_nothing_is_stored(db, office, meeting):
    poll = opened(db, office, meeting)
    votes.close_vote(db, office.chairman, meeting, poll.id, now=AT)
    db.commit()
    db.refresh(poll)
    with pytest.raises(PollNotOpen):
        votes.cast_ballot(db, office.home_a, meeting, poll.id, option(poll, 0), now=AT)
    db.rollback()
    assert polls.ballots_cast(db, poll.id) == 0


def test_voting_for_someone_else_or_with_a_foreign_option_is_refused(db, office, meeting):
    poll = opened(db, office, meeting)
    with pytest.raises(NotEntitled, match="on behalf"):
        votes.cast_ballot(
            db,
            office.home_a,
            meeting,
            poll.id,
            option(poll, 0),
            member_id=office.home_b.id,
            now=AT,
        )
    other = opened(db, office, meeting)
    with pytest.raises(BadPoll):
        votes.cast_ballot(db, office.home_a, meeting, poll.id, option(other, 0), now=AT)
    db.rollback()
    assert polls.ballots_cast(db, poll.id) == 0


def test_a_representative_votes_for_the_member_only_when_entitled(db, office, meeting, monkeypatch):
    """The attendance rule names the allowed representatives; anyone else is refused."""
    member, representative = office.home_b, office.outsider

    def represented(_session, _meeting, _item):
        return [Voter(office.home_a.id), Voter(representative.id, on_behalf_of=member.id)]

    monkeypatch.setattr(attendance, "entitled_voters", represented)
    poll = opened(db, office, meeting)
    count = votes.cast_ballot(
        db, representative, meeting, poll.id, option(poll, 1), member_id=member.id, now=AT
    )
    db.commit()
    assert count == 1
    with pytest.raises(NotEntitled):
        votes.cast_ballot(db, member, meeting, poll.id, option(poll, 0), now=AT)
    with pytest.raises(NotEntitled):
        votes.cast_ballot(db, office.finance_a, meeting, poll.id, option(poll, 0), now=AT)


def test_only_the_chair_and_secretary_open_and_close(db, office, meeting):
    with pytest.raises(NotAllowed):
        votes.open_vote(db, office.home_a, meeting, YES_NO, None, now=AT)
    poll = opened(db, office, meeting)
    with pytest.raises(NotAllowed):
        votes.close_vote(db, office.home_a, meeting, poll.id, now=AT)
    db.rollback()
    assert db.get(Poll, poll.id).status is PollStatus.OPEN


def test_bad_questions_open_nothing(db, office, meeting):
    bad = [
        polls.Question("  ", PollKind.YES_NO_ABSTAIN),
        polls.Question("Chọn?", PollKind.CHOICE, ("Một",)),
        polls.Question("Chọn?", PollKind.CHOICE, ("Một", "Một")),
    ]
    for question in bad:
        with pytest.raises(BadPoll):
            votes.open_vote(db, office.chairman, meeting, question, None, now=AT)
        db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(Poll)) == 0
    vote_events = sa.select(sa.func.count()).where(RoomEvent.kind.like("vote.%"))
    assert db.scalar(vote_events) == 0


def test_every_step_is_announced_and_audited_without_the_secret_choice(db, office, meeting):
    poll = opened(db, office, meeting, SECRET)
    cast(db, office, meeting, poll, "home_a", 1)
    votes.close_vote(db, office.chairman, meeting, poll.id, now=AT)
    votes.publish_vote(db, office.chairman, meeting, poll.id, now=AT)
    db.commit()
    kinds = db.execute(
        sa.select(RoomEvent.kind, RoomEvent.data, RoomEvent.actor_id)
        .where(RoomEvent.kind.like("vote.%"))
        .order_by(RoomEvent.id)
    ).all()
    assert [k for k, _d, _a in kinds] == [
        "vote.opened",
        "vote.ballot",
        "vote.closed",
        "vote.published",
    ]
    ballot = kinds[1]
    assert ballot.data == {"vote": poll.id, "cast": 1} and ballot.actor_id is None
    actions = dict(
        db.execute(
            sa.select(AuditEvent.action, AuditEvent.details).where(
                AuditEvent.action.like("meetings:vote:%")
            )
        ).all()
    )
    assert set(actions) == {
        "meetings:vote:open",
        "meetings:vote:cast",
        "meetings:vote:close",
        "meetings:vote:publish",
    }
    assert actions["meetings:vote:cast"] == {"secret": True}


def test_no_table_or_event_links_a_secret_voter_to_a_choice(db, office, meeting):
    """Read every row of every table after a secret vote: no row naming the voter (in any column
    pointing at an account) also names the chosen option or its text, and no ballot row holds a
    choice or a time."""
    poll = opened(db, office, meeting, SECRET)
    chosen = poll.options[1]
    cast(db, office, meeting, poll, "home_a", 1)
    votes.close_vote(db, office.chairman, meeting, poll.id, now=AT)
    db.commit()
    assert db.execute(sa.select(PollBallot.option_id, PollBallot.cast_at)).all() == [(None, None)]
    voter = office.home_a.id
    linked = []
    for table in Base.metadata.sorted_tables:
        people = [
            c for c in table.columns if any(f.column.table.name == "users" for f in c.foreign_keys)
        ]
        if table.name == "audit_events":
            people.append(table.c.actor_id)
        if not people:
            continue
        rows = db.execute(sa.select(table).where(sa.or_(*(c == voter for c in people)))).mappings()
        for row in rows:
            refs = [
                row[c.name]
                for c in table.columns
                if any(f.column.table.name == "room_poll_options" for f in c.foreign_keys)
            ]
            if chosen.id in refs or chosen.label in str(dict(row)):
                linked.append((table.name, dict(row)))
            if table.name in ("audit_events", "meeting_room_events"):
                payload = str(row.get("details", "")) + str(row.get("data", ""))
                if "option" in payload:
                    linked.append((table.name, dict(row)))
    assert linked == []
    (ballot_event,) = db.scalars(sa.select(RoomEvent).where(RoomEvent.kind == "vote.ballot"))
    assert ballot_event.actor_id is None


def test_two_ballots_of_one_voter_at_the_same_moment_count_once(app, db, office, meeting):
    """Two connections cast the same voter's ballot at once: the unique constraint keeps one."""
    poll = opened(db, office, meeting)
    choices = [o.id for o in poll.options]
    start = threading.Barrier(2, timeout=60)
    outcomes: list[str] = []

    def click(position: int) -> None:
        with Session(get_engine(app), expire_on_commit=False) as session:
            from meetings.models import Meeting

            mine = session.get(Meeting, meeting.id)
            start.wait()
            try:
                votes.cast_ballot(
                    session,
                    session.get(type(office.home_a), office.home_a.id),
                    mine,
                    poll.id,
                    choices[position],
                    now=AT,
                )
                session.commit()
                outcomes.append("counted")
            except AlreadyVoted:
                session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=click, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["counted", "refused"]
    assert polls.ballots_cast(db, poll.id) == 1
    assert sum(db.scalars(sa.select(PollOption.tally).where(PollOption.poll_id == poll.id))) == 1


def test_the_minutes_list_named_voters_and_only_counts_of_a_secret_vote(db, office, meeting, item):
    named = opened(db, office, meeting, item=item)
    cast(db, office, meeting, named, "home_a", 0)
    secret = opened(db, office, meeting, SECRET, item=item)
    cast(db, office, meeting, secret, "home_b", 0)
    for poll in (named, secret):
        votes.close_vote(db, office.chairman, meeting, poll.id, now=AT)
    db.commit()
    parts = [p for p in record_parts(db, meeting) if p.heading == "Biểu quyết"]
    assert [p.item_id for p in parts] == [item.id, item.id]
    named_part, secret_part = parts
    assert [office.home_a.full_name, "Tán thành"] in [list(r) for r in named_part.table]
    assert [office.home_b.full_name, "Không bỏ phiếu"] in [list(r) for r in named_part.table]
    assert secret_part.table == ()
    assert "Ông A: 1; Bà B: 0" in " ".join(secret_part.paragraphs)
    assert office.home_b.full_name not in str(secret_part)


def test_the_panel_shows_only_the_count_until_published(db, office, meeting):
    poll = opened(db, office, meeting, SECRET)
    cast(db, office, meeting, poll, "home_a", 0)
    (state,) = votes.votes_in(db, office.home_b, meeting)
    assert (state.cast, state.entitled, state.result, state.has_voted) == (1, 3, None, False)
    assert state.may_cast_for == [office.home_b.id]
    votes.close_vote(db, office.chairman, meeting, poll.id, now=AT)
    db.commit()
    assert votes.votes_in(db, office.home_b, meeting)[0].result is None
    assert votes.votes_in(db, office.clerk, meeting)[0].result is not None
    votes.publish_vote(db, office.chairman, meeting, poll.id, now=AT)
    db.commit()
    assert votes.votes_in(db, office.home_b, meeting)[0].result.cast == 1


def test_the_panel_reads_any_number_of_votes_in_the_same_number_of_statements(
    app, db, office, meeting
):
    def statements_for_panel():
        db.expire_all()
        with count_statements(app) as statements:
            states = votes.votes_in(db, office.clerk, meeting)
        assert all(state.result is not None for state in states)
        return len(statements)

    def closed_vote():
        poll = opened(db, office, meeting)
        cast(db, office, meeting, poll, "home_a", 0)
        votes.close_vote(db, office.clerk, meeting, poll.id, now=AT)
        db.commit()

    closed_vote()
    one = statements_for_panel()
    closed_vote()
    closed_vote()
    assert statements_for_panel() == one


def test_the_archive_holds_each_result_with_names_only_for_a_named_vote(
    app, db, office, meeting, item
):
    import json

    from meetings import archive

    named = opened(db, office, meeting, item=item)
    cast(db, office, meeting, named, "home_a", 0)
    secret = opened(db, office, meeting, SECRET, item=item)
    cast(db, office, meeting, secret, "home_b", 1)
    still_open = opened(db, office, meeting)
    for poll in (named, secret):
        votes.close_vote(db, office.chairman, meeting, poll.id, now=AT)
    votes.publish_vote(db, office.chairman, meeting, secret.id, now=AT)
    db.commit()

    assert archive._SECTIONS["votes"] is votes.archive_section  # wired by the app
    [(path, data)] = votes.archive_section(db, meeting)
    assert path == "votes.json"
    described = json.loads(data)["votes"]
    assert [v["vote"] for v in described] == [named.id, secret.id]  # never an open vote
    assert still_open.id not in [v["vote"] for v in described]
    first, second = described
    assert (first["secret"], first["status"], first["entitled"], first["cast"]) == (
        False, "closed", 3, 1,
    )  # fmt: skip
    assert {"choice": "Tán thành", "ballots": 1} in first["counts"]
    chosen = {b["name"]: b["choice"] for b in first["ballots"]}
    assert chosen[office.home_a.full_name] == "Tán thành"
    assert chosen[office.home_b.full_name] is None
    assert (second["secret"], second["status"], second["ballots"]) == (True, "published", None)
    assert second["counts"] == [
        {"choice": "Ông A", "ballots": 0},
        {"choice": "Bà B", "ballots": 1},
    ]
    assert office.home_b.full_name not in json.dumps(second, ensure_ascii=False)
