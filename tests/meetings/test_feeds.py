"""The private calendar feed: made, shown once, fetched without a session, made again, revoked."""

from __future__ import annotations

import hashlib
import re

import icalendar
import sqlalchemy as sa

from audit.models import AuditEvent
from meetings import calendar, feeds
from meetings.models import CalendarFeed
from tests.conftest import login
from tests.meetings.conftest import NOW, invite, new_meeting, publish


def _meetings(db, office):
    seen = new_meeting(db, office, title="Họp có mời")
    invite(db, office, seen, "home_a")
    publish(db, office, seen)
    other = new_meeting(db, office, title="Họp không mời")
    invite(db, office, other, "home_b")
    publish(db, office, other)
    draft = new_meeting(db, office, title="Họp dự thảo")
    invite(db, office, draft, "home_a")
    return seen


def _titles(body: bytes) -> list[str]:
    return [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")]


def test_the_feed_lists_what_its_owner_may_see_and_only_its_hash_is_stored(db, office):
    _meetings(db, office)
    token = feeds.create(db, office.home_a)
    db.commit()
    (row,) = db.scalars(sa.select(CalendarFeed)).all()
    assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.token_sha256
    owner = feeds.owner(db, token)
    assert owner.id == office.home_a.id
    body = calendar.feed_file(
        feeds.meetings_for(db, owner, NOW), calendar.Site("x.test"), NOW, "VanThu"
    )
    assert _titles(body) == ["Họp có mời"]


def test_a_new_address_revokes_the_old_and_a_revoked_one_opens_nothing(db, office):
    first = feeds.create(db, office.home_a)
    second = feeds.create(db, office.home_a)
    db.commit()
    assert feeds.owner(db, first) is None
    assert feeds.owner(db, second).id == office.home_a.id
    assert feeds.revoke(db, office.home_a) == 1
    db.commit()
    assert feeds.owner(db, second) is None
    assert feeds.owner(db, "not a token") is None
    actions = db.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.action.like("meetings:calendar_feed:%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "meetings:calendar_feed:create",
        "meetings:calendar_feed:create",
        "meetings:calendar_feed:revoke",
    ]


def test_the_pages_show_the_address_once_and_the_feed_needs_no_session(client, db, office):
    _meetings(db, office)
    login(client, office.home_a)
    assert 'data-testid="feed-none"' in client.get("/meetings/calendar").get_data(as_text=True)
    made = client.post("/meetings/calendar/feed")
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    address = re.search(r'value="(http[^"]+\.ics)"', made.get_data(as_text=True)).group(1)
    path = address.split("localhost", 1)[1]
    again = client.get("/meetings/calendar").get_data(as_text=True)
    assert 'data-testid="feed-active"' in again and path not in again
    client.post("/logout")
    fetched = client.get(path)
    assert fetched.status_code == 200
    assert fetched.mimetype == "text/calendar"
    assert _titles(fetched.data) == ["Họp có mời"]
    assert "Set-Cookie" not in fetched.headers
    login(client, office.home_a)
    assert client.post("/meetings/calendar/feed/revoke").status_code == 200
    client.post("/logout")
    assert client.get(path).status_code == 404
