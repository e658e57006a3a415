"""The meeting pages: who is refused what, the secretary's forms, a conflict answered clearly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from meetings.models import AgendaItem, Meeting, MeetingStatus, Participant
from tests.conftest import login
from tests.meetings.conftest import add_item, invite, new_meeting, publish, upload

#: Every page that changes a meeting: (method, path); ids filled in by `_urls`.
MANAGING = [
    ("GET", "/meetings/{m}/manage"),
    ("GET", "/meetings/{m}/edit"),
    ("POST", "/meetings/{m}/edit"),
    ("POST", "/meetings/{m}/status"),
    ("POST", "/meetings/{m}/items"),
    ("GET", "/meetings/{m}/items/{i}/manage"),
    ("POST", "/meetings/{m}/items/{i}/edit"),
    ("POST", "/meetings/{m}/items/{i}/move"),
    ("POST", "/meetings/{m}/items/{i}/delete"),
    ("POST", "/meetings/{m}/items/{i}/access"),
    ("POST", "/meetings/{m}/items/{i}/documents"),
    ("POST", "/meetings/{m}/items/{i}/materials"),
    ("POST", "/meetings/{m}/attachments/{a}/replace"),
    ("POST", "/meetings/{m}/attachments/{a}/remove"),
    ("POST", "/meetings/{m}/participants"),
    ("POST", "/meetings/{m}/guests"),
    ("POST", "/meetings/{m}/participants/{p}/remove"),
    ("POST", "/meetings/{m}/cancel"),
]
#: Pages every participant may open.
READING = [
    ("GET", "/meetings/{m}"),
    ("GET", "/meetings/{m}/items/{i}"),
    ("GET", "/meetings/{m}/items/{i}/documents/{a}"),
    ("GET", "/meetings/{m}/participants/{p}/representative"),
    ("POST", "/meetings/{m}/participants/{p}/representative"),
    ("GET", "/meetings/{m}.ics"),
]


@pytest.fixture
def published(db, blobs, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    item = add_item(db, office, meeting, "item")
    attachment = upload(db, blobs, office, meeting, item)
    publish(db, office, meeting)
    participant = db.scalar(sa.select(Participant).where(Participant.user_id == office.home_a.id))
    return {"m": meeting.id, "i": item.id, "a": attachment.id, "p": participant.id}


def _url(path, ids):
    return path.format(**ids)


@pytest.mark.parametrize(("method", "path"), MANAGING)
def test_a_participant_may_not_manage_the_meeting(client, office, published, method, path):
    login(client, office.home_a)
    assert client.open(_url(path, published), method=method).status_code == 403


@pytest.mark.parametrize(("method", "path"), MANAGING + READING)
def test_someone_not_invited_is_told_the_meeting_does_not_exist(
    client, office, published, method, path
):
    login(client, office.outsider)
    response = client.open(_url(path, published), method=method)
    assert response.status_code == 404
    assert "không được xem" in response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path"), MANAGING + READING)
def test_refusals_are_audited(client, db, office, published, method, path):
    login(client, office.outsider)
    client.open(_url(path, published), method=method)
    denied = db.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "accounts:access:denied")
    ).all()
    assert [d.actor_id for d in denied] == [office.outsider.id]


@pytest.mark.parametrize(("method", "path"), [("GET", "/meetings/new"), ("POST", "/meetings/new")])
def test_only_clerks_open_the_new_meeting_form(client, office, method, path):
    login(client, office.home_a)
    assert client.open(path, method=method).status_code == 403


def test_a_secretary_builds_and_publishes_a_meeting_through_the_pages(
    client, db, office, monkeypatch
):
    # The home page lists coming meetings: look from the day before it, whatever today is.
    monkeypatch.setattr(
        "meetings.views.participant.utcnow", lambda: datetime(2026, 12, 9, 1, 0, tzinfo=UTC)
    )
    login(client, office.clerk)
    response = client.post(
        "/meetings/new",
        data={
            "title": "Họp giao ban",
            "kind": "department",
            "starts_at": "2026-12-10T08:00",
            "ends_at": "2026-12-10T11:00",
            "chair_id": str(office.chairman.id),
            "secretary_id": str(office.clerk.id),
            "confidentiality": "thuong",
            "repeat": "",
            "occurrences": "1",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    meeting = db.scalars(sa.select(Meeting)).one()
    assert meeting.starts_at.hour == 1  # 08:00 in Vietnam is 01:00 UTC
    version = str(meeting.version)
    added = client.post(
        f"/meetings/{meeting.id}/items",
        data={"title": "Khai mạc", "kind": "normal", "duration_minutes": "10", "version": version},
    )
    assert added.status_code == 302
    invited = client.post(
        f"/meetings/{meeting.id}/participants",
        data={"unit_ids": [str(office.home.id)], "role": "member"},
    )
    assert invited.status_code == 302
    assert (
        client.post(f"/meetings/{meeting.id}/status", data={"to": "published"}).status_code == 302
    )
    db.expire_all()
    assert db.get(Meeting, meeting.id).status is MeetingStatus.PUBLISHED
    manage = client.get(f"/meetings/{meeting.id}/manage").get_data(as_text=True)
    assert "Khai mạc" in manage
    login(client, office.home_b)
    assert "Khai mạc" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Họp giao ban" in client.get("/").get_data(as_text=True)


def test_a_meeting_ending_before_it_starts_is_a_clear_400(client, db, office):
    login(client, office.clerk)
    response = client.post(
        "/meetings/new",
        data={
            "title": "Họp",
            "kind": "department",
            "starts_at": "2026-12-10T08:00",
            "ends_at": "2026-12-10T07:00",
            "chair_id": str(office.chairman.id),
            "secretary_id": str(office.clerk.id),
            "confidentiality": "thuong",
            "repeat": "",
        },
    )
    assert response.status_code == 400
    assert "phải kết thúc sau khi bắt đầu" in response.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count(Meeting.id))) == 0


def test_two_secretaries_reordering_at_once_the_second_gets_a_409(client, db, office):
    meeting = new_meeting(db, office)
    first = add_item(db, office, meeting, "first")
    second = add_item(db, office, meeting, "second")
    seen = str(meeting.version)
    login(client, office.clerk)
    moved = client.post(
        f"/meetings/{meeting.id}/items/{second.id}/move",
        data={"parent_id": "", "position": "0", "version": seen},
    )
    assert moved.status_code == 302
    login(client, office.chairman)
    stale = client.post(
        f"/meetings/{meeting.id}/items/{first.id}/move",
        data={"parent_id": str(second.id), "position": "0", "version": seen},
    )
    assert stale.status_code == 409
    assert "Có người khác vừa thay đổi cuộc họp này" in stale.get_data(as_text=True)
    db.expire_all()
    assert db.get(AgendaItem, first.id).parent_id is None
    assert [i.title for i in db.scalars(sa.select(AgendaItem).order_by(AgendaItem.position))] == [
        "second",
        "first",
    ]


def test_a_participant_names_a_representative_on_a_page_of_its_own(client, db, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a", "home_b")
    publish(db, office, meeting)
    own = db.scalar(sa.select(Participant).where(Participant.user_id == office.home_a.id))
    url = f"/meetings/{meeting.id}/participants/{own.id}/representative"
    login(client, office.home_a)
    pack = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert url in pack and "<select" not in pack  # the pack lists nobody
    page = client.get(url).get_data(as_text=True)
    assert f'<option value="{office.finance_a.id}">' in page
    saved = client.post(url, data={"representative_id": str(office.finance_a.id)})
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/meetings/{meeting.id}")
    db.expire_all()
    assert db.get(Participant, own.id).representative_id == office.finance_a.id
    assert office.finance_a.full_name in client.get(f"/meetings/{meeting.id}").get_data(
        as_text=True
    )
    login(client, office.home_b)  # invited too, but this invitation is not theirs
    assert client.get(url).status_code == 403
