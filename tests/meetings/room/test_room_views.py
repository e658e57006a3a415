"""The attendance and speakers panels over HTTP: who sees them, who may do what (and the
refusals), bad input answered in words a clerk understands, nothing stored half-way."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from meetings.room.models import Attendance, ConflictOfInterest, SpeakerRequest
from tests.conftest import login
from tests.meetings.room.attend_kit import kinds, running_room


@pytest.fixture
def room(db, office, make):
    return running_room(db, office, make)


def panel(room, name, **query):
    suffix = "".join(f"?{k}={v}" for k, v in query.items())
    return f"/meetings/{room.meeting.id}/room/{name}{suffix}"


def count(db, model):
    return db.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "attendance"),
        ("post", "attendance/check-in"),
        ("get", "speakers"),
        ("post", "speakers"),
        ("post", "conflicts"),
    ],
)
def test_someone_not_invited_finds_no_room(client, db, office, room, method, path):
    login(client, office.outsider)
    response = getattr(client, method)(panel(room, path), data={"item_id": room.item.id})
    assert response.status_code == 404
    assert kinds(db, room.meeting) == []


def test_the_attendance_panel_shows_the_quorum_in_vietnamese(client, db, office, room):
    login(client, office.home_a)
    participant = room.participant(db, office.home_a)
    response = client.post(
        panel(room, "attendance/check-in"), data={"participant_id": participant.id}
    )
    assert response.status_code == 302
    page = client.get(panel(room, "attendance")).get_data(as_text=True)
    assert "có mặt 1/4 thành viên — chưa đủ số lượng (cần 3)" in page
    assert 'data-testid="leave"' in page and "mark-" not in page


def test_checking_in_for_another_participant_is_forbidden(client, db, office, room):
    login(client, office.home_a)
    other = room.participant(db, office.finance_a)
    response = client.post(panel(room, "attendance/check-in"), data={"participant_id": other.id})
    assert response.status_code == 403
    assert count(db, Attendance) == 0


def test_a_participant_cannot_mark_others(client, db, office, room):
    login(client, office.home_a)
    other = room.participant(db, office.finance_a)
    response = client.post(
        panel(room, f"attendance/{other.id}"), data={"status": "absent", "reason": "ốm"}
    )
    assert response.status_code == 403
    assert count(db, Attendance) == 0


def test_the_secretary_marks_an_absence_and_needs_its_reason(client, db, office, room):
    login(client, office.clerk)
    other = room.participant(db, office.finance_a)
    refused = client.post(panel(room, f"attendance/{other.id}"), data={"status": "absent"})
    assert refused.status_code == 400
    assert "Cho biết lý do vắng mặt" in refused.get_data(as_text=True)
    assert count(db, Attendance) == 0
    done = client.post(
        panel(room, f"attendance/{other.id}"),
        data={"status": "absent", "reason": "Đi công tác"},
        headers={"X-Requested-With": "fetch"},
    )
    assert done.status_code == 302 and done.location.endswith(panel(room, "attendance"))
    page = client.get(panel(room, "attendance")).get_data(as_text=True)
    assert "Đi công tác" in page and f"mark-{other.id}" in page


def test_arrival_typed_in_vietnam_time_is_stored_in_utc(client, db, office, room):
    login(client, office.clerk)
    other = room.participant(db, office.finance_a)
    client.post(
        panel(room, f"attendance/{other.id}"),
        data={"status": "present", "arrived_at": "2026-12-10T08:20"},
    )
    row = db.scalar(sa.select(Attendance))
    assert row.arrived_at.isoformat() == "2026-12-10T01:20:00+00:00"
    page = client.get(panel(room, "attendance")).get_data(as_text=True)
    assert "10/12/2026 08:20" in page


def test_a_participant_asks_to_speak_on_the_item(client, db, office, room):
    login(client, office.home_a)
    response = client.post(panel(room, "speakers"), data={"item_id": room.item.id, "kind": "pro"})
    assert response.status_code == 302
    page = client.get(panel(room, "speakers", item=room.item.id)).get_data(as_text=True)
    assert office.home_a.full_name in page and "start-" not in page


def test_a_bad_kind_of_speech_is_refused(client, db, office, room):
    login(client, office.home_a)
    response = client.post(panel(room, "speakers"), data={"item_id": room.item.id, "kind": "shout"})
    assert response.status_code == 400
    assert count(db, SpeakerRequest) == 0


@pytest.mark.parametrize("action", ["start", "stop", "up", "down"])
def test_chair_actions_by_a_participant_are_forbidden(client, db, office, room, action):
    login(client, office.home_a)
    client.post(panel(room, "speakers"), data={"item_id": room.item.id, "kind": "normal"})
    request_id = db.scalar(sa.select(SpeakerRequest.id))
    response = client.post(panel(room, f"speakers/{request_id}/{action}"))
    assert response.status_code == 403
    assert client.post(panel(room, "speaking-time"), data={"minutes": 3}).status_code == 403
    db.expire_all()
    assert db.scalar(sa.select(SpeakerRequest.started_at)) is None


def test_the_chair_gives_the_floor_and_the_timer_shows(client, db, office, room):
    login(client, office.home_a)
    client.post(panel(room, "speakers"), data={"item_id": room.item.id, "kind": "normal"})
    request_id = db.scalar(sa.select(SpeakerRequest.id))
    login(client, office.chairman)
    assert client.post(panel(room, f"speakers/{request_id}/start")).status_code == 302
    page = client.get(panel(room, "speakers", item=room.item.id)).get_data(as_text=True)
    assert "data-room-timer" in page and 'data-limit="300"' in page


def test_speaking_time_out_of_bounds_is_refused(client, db, office, room):
    login(client, office.chairman)
    response = client.post(panel(room, "speaking-time"), data={"minutes": 90})
    assert response.status_code == 400
    assert "1 đến 60 phút" in response.get_data(as_text=True)


def test_a_conflict_is_declared_and_shown_to_the_chair(client, db, office, room):
    login(client, office.home_a)
    response = client.post(
        panel(room, "conflicts"), data={"item_id": room.item.id, "reason": "Người nhà dự thầu"}
    )
    assert response.status_code == 302
    assert client.post(panel(room, "conflicts"), data={"item_id": room.item.id}).status_code == 409
    assert count(db, ConflictOfInterest) == 1
    login(client, office.chairman)
    page = client.get(panel(room, "speakers", item=room.item.id)).get_data(as_text=True)
    assert "Người nhà dự thầu" in page


def test_without_a_current_item_the_panel_says_so(client, office, room):
    login(client, office.home_a)
    page = client.get(panel(room, "speakers")).get_data(as_text=True)
    assert 'data-testid="no-current-item"' in page


def test_a_speaker_withdraws_and_an_unknown_action_is_not_found(client, db, office, room):
    login(client, office.home_a)
    client.post(panel(room, "speakers"), data={"item_id": room.item.id, "kind": "normal"})
    request_id = db.scalar(sa.select(SpeakerRequest.id))
    assert client.post(panel(room, f"speakers/{request_id}/shout")).status_code == 404
    assert client.post(panel(room, f"speakers/{request_id}/withdraw")).status_code == 302
    db.expire_all()
    assert db.scalar(sa.select(SpeakerRequest.withdrawn_at)) is not None
