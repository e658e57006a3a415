"""The votes panel and its forms: who is refused what, clear errors, two requests at once."""

from __future__ import annotations

import threading
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from meetings.room import polls
from meetings.room.models import Poll, PollBallot, PollOption, PollStatus
from tests.conftest import login
from tests.meetings.conftest import add_item, invite, new_meeting, publish
from tests.meetings.room.attend_kit import seated


@pytest.fixture
def meeting(db, office):
    found = new_meeting(db, office)
    invite(db, office, found, "home_a", "home_b")
    publish(db, office, found)
    seated(db, office, found, "home_a", "home_b")
    return found


def open_by_form(client, meeting, **fields):
    data = {"question": "Thông qua kế hoạch?", "kind": "yes_no", "rule": "half_entitled"}
    return client.post(f"/meetings/{meeting.id}/room/votes", data={**data, **fields})


def the_poll(db):
    db.expire_all()
    return db.scalars(sa.select(Poll).order_by(Poll.id.desc())).first()


@pytest.fixture
def poll(client, db, office, meeting):
    login(client, office.chairman)
    assert open_by_form(client, meeting).status_code == 302
    return the_poll(db)


def ballot(client, meeting, poll, position=0, **fields):
    data = {"option": str(poll.options[position].id), **fields}
    return client.post(f"/meetings/{meeting.id}/room/votes/{poll.id}/ballot", data=data)


def test_a_participant_sees_the_panel_and_an_outsider_does_not(client, office, meeting, poll):
    login(client, office.home_a)
    page = client.get(f"/meetings/{meeting.id}/room/votes")
    assert page.status_code == 200
    assert "Thông qua kế hoạch?" in page.get_data(as_text=True)
    login(client, office.outsider)
    assert client.get(f"/meetings/{meeting.id}/room/votes").status_code == 404
    assert ballot(client, meeting, poll).status_code == 404


def test_a_vote_on_a_hidden_item_stays_hidden_from_participants(client, db, office, meeting):
    from meetings.models import ItemKind

    hidden = add_item(db, office, meeting, "Nhân sự", kind=ItemKind.HIDDEN)
    login(client, office.chairman)
    assert open_by_form(client, meeting, item=str(hidden.id)).status_code == 302
    login(client, office.home_a)
    page = client.get(f"/meetings/{meeting.id}/room/votes").get_data(as_text=True)
    assert "Thông qua kế hoạch?" not in page


@pytest.mark.parametrize("action", ["close", "publish"])
def test_a_participant_may_not_open_close_or_publish(client, db, office, meeting, poll, action):
    login(client, office.home_a)
    assert open_by_form(client, meeting).status_code == 403
    assert client.post(f"/meetings/{meeting.id}/room/votes/{poll.id}/{action}").status_code == 403
    assert the_poll(db).status is PollStatus.OPEN
    assert db.scalar(sa.select(sa.func.count()).select_from(Poll)) == 1


def test_casting_closing_and_publishing_through_the_forms(client, db, office, meeting, poll):
    login(client, office.home_a)
    assert ballot(client, meeting, poll).headers["Location"] == f"/meetings/{meeting.id}/room"
    fragment = client.get(f"/meetings/{meeting.id}/room/votes").get_data(as_text=True)
    assert 'data-testid="voted"' in fragment
    login(client, office.clerk)
    closed = client.post(
        f"/meetings/{meeting.id}/room/votes/{poll.id}/close",
        headers={"X-Requested-With": "fetch"},
    )
    assert closed.status_code == 200 and 'data-testid="vote-result"' in closed.get_data(True)
    login(client, office.home_b)
    assert 'data-testid="vote-result"' not in client.get(
        f"/meetings/{meeting.id}/room/votes"
    ).get_data(True)
    login(client, office.clerk)
    client.post(f"/meetings/{meeting.id}/room/votes/{poll.id}/publish")
    login(client, office.home_b)
    shown = client.get(f"/meetings/{meeting.id}/room/votes").get_data(True)
    assert 'data-testid="vote-result"' in shown


def test_bad_input_answers_clearly_and_stores_nothing(client, db, office, meeting, poll):
    login(client, office.chairman)
    refused = open_by_form(client, meeting, kind="choice", options="Chỉ một")
    assert refused.status_code == 400
    assert open_by_form(client, meeting, rule="everyone").status_code == 400
    login(client, office.home_a)
    assert client.post(f"/meetings/{meeting.id}/room/votes/{poll.id}/ballot").status_code == 400
    forged = ballot(client, meeting, poll, member=str(office.home_b.id))
    assert forged.status_code == 403
    assert db.scalar(sa.select(sa.func.count()).select_from(Poll)) == 1
    assert polls.ballots_cast(db, poll.id) == 0


def test_a_ballot_after_the_close_is_a_conflict(client, db, office, meeting, poll):
    client.post(f"/meetings/{meeting.id}/room/votes/{poll.id}/close")
    login(client, office.home_a)
    late = ballot(client, meeting, poll)
    assert late.status_code == 409
    assert polls.ballots_cast(db, poll.id) == 0


def test_two_requests_of_one_voter_at_once_count_once(app, db, office, meeting, poll):
    """Two devices of the same member press at the same moment (SQLite and PostgreSQL)."""
    clients = [app.test_client(), app.test_client()]
    for each in clients:
        login(each, office.home_a)
    start = threading.Barrier(2, timeout=60)
    statuses: list[int] = []

    def press(each, position):
        start.wait()
        statuses.append(ballot(each, meeting, poll, position).status_code)

    threads = [threading.Thread(target=press, args=(c, n)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 409]
    assert db.scalar(sa.select(sa.func.count()).select_from(PollBallot)) == 1
    assert sum(db.scalars(sa.select(PollOption.tally).where(PollOption.poll_id == poll.id))) == 1


class _BallotForms(HTMLParser):
    """The fields a browser posts from each ballot form of the panel: its inputs in order, and
    the buttons that each add their name and value when pressed."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "form" and found.get("data-testid") == "ballot-form":
            self.forms.append({"action": found["action"], "fields": [], "buttons": []})
        elif self.forms and tag == "input" and found.get("name"):
            self.forms[-1]["fields"].append((found["name"], found.get("value") or ""))
        elif self.forms and tag == "button" and found.get("name"):
            self.forms[-1]["buttons"].append((found["name"], found["value"]))


def test_the_ballot_form_as_a_browser_posts_it_is_counted(client, db, office, meeting, poll):
    login(client, office.home_a)
    forms = _BallotForms()
    forms.feed(client.get(f"/meetings/{meeting.id}/room/votes").get_data(as_text=True))
    [form] = forms.forms
    names = [name for name, _value in form["fields"]]
    assert names.count("member") == 1 and "option" not in names  # nothing hides the choice
    pressed = form["buttons"][0]
    response = client.post(form["action"], data=MultiDict([*form["fields"], pressed]))
    assert response.status_code == 302
    assert polls.ballots_cast(db, poll.id) == 1
