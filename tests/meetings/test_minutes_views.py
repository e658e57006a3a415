"""The minutes panel and its forms: participants read the conclusions, only the chair and the
secretary write them and handle the minutes; a bad file is answered clearly, nothing stored."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core.storage import StagedBlobs
from documents.models import DocumentVersion
from meetings import conclusions, meetings, minutes
from meetings.conclusions import ConclusionData
from meetings.models import MeetingStatus, Recurrence
from meetings.room.models import MeetingMinutes, MinutesKind
from tests.conftest import login
from tests.documents.conftest import build_pdf
from tests.factories import documents_settings
from tests.meetings.conftest import START, add_item, invite, new_meeting, publish

#: The chair's and secretary's routes of the panel: (method, path).
MANAGING = [
    ("POST", "/meetings/{m}/items/{i}/conclusion"),
    ("POST", "/meetings/{m}/minutes/minutes/draft"),
    ("GET", "/meetings/{m}/minutes/minutes/file"),
    ("POST", "/meetings/{m}/minutes/minutes/upload"),
    ("POST", "/meetings/{m}/minutes/minutes/submit"),
]
PANEL = ("GET", "/meetings/{m}/room/minutes")


@pytest.fixture
def running(db, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    item = add_item(db, office, meeting, "Báo cáo tình hình")
    publish(db, office, meeting)
    meetings.change_status(db, office.clerk, meeting, MeetingStatus.IN_PROGRESS)
    db.commit()
    with StagedBlobs(office.blobs) as staged:
        minutes.draft(db, staged, office.clerk, meeting, MinutesKind.MINUTES, documents_settings())
        db.commit()
    return meeting, item


def _ids(running):
    meeting, item = running
    return {"m": meeting.id, "i": item.id}


@pytest.mark.parametrize(("method", "path"), MANAGING)
def test_a_member_may_not_write_conclusions_or_handle_the_minutes(
    client, db, office, running, method, path
):
    meeting, _ = running
    versions = sa.select(sa.func.count()).select_from(DocumentVersion)
    before = db.scalar(versions)
    login(client, office.home_a)
    response = client.open(path.format(**_ids(running)), method=method)
    assert response.status_code == 403
    db.expire_all()
    assert conclusions.of_meeting(db, meeting) == {}
    assert db.scalar(versions) == before
    assert db.scalar(sa.select(MeetingMinutes.id)) is not None


@pytest.mark.parametrize(("method", "path"), [*MANAGING, PANEL])
def test_someone_not_invited_is_told_the_meeting_does_not_exist(
    client, db, office, running, method, path
):
    login(client, office.outsider)
    response = client.open(path.format(**_ids(running)), method=method)
    assert response.status_code == 404
    denied = db.scalars(sa.select(AuditEvent).where(AuditEvent.actor_id == office.outsider.id))
    assert any("denied" in event.action or "not_found" in event.action for event in denied)


def test_the_secretary_writes_a_conclusion_and_the_member_reads_it(client, db, office, running):
    meeting, item = running
    login(client, office.clerk)
    prefix = f"c{item.id}-"
    form = {
        prefix + "version": "0",
        prefix + "text": "Thống nhất báo cáo.",
        prefix + "owner_unit_id": str(office.finance.id),
        prefix + "due_on": "2027-01-15",
    }
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/conclusion", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}/room")
    fragment = client.post(
        f"/meetings/{meeting.id}/items/{item.id}/conclusion",
        data={**form, prefix + "version": "1", prefix + "text": "Thống nhất, bổ sung."},
        headers={"X-Requested-With": "fetch"},
    )
    assert fragment.status_code == 200
    assert 'data-testid="save-conclusion"' in fragment.get_data(as_text=True)
    stale = client.post(f"/meetings/{meeting.id}/items/{item.id}/conclusion", data=form)
    assert stale.status_code == 409

    login(client, office.home_a)
    page = client.get(f"/meetings/{meeting.id}/room/minutes")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Thống nhất, bổ sung." in text and "15/01/2027" in text
    assert 'data-testid="save-conclusion"' not in text and 'data-testid="minutes"' not in text


def test_the_secretary_downloads_the_word_file_and_a_receipt_is_kept(client, db, office, running):
    meeting, _ = running
    login(client, office.clerk)
    response = client.get(f"/meetings/{meeting.id}/minutes/minutes/file")
    assert response.status_code == 200
    assert response.data[:2] == b"PK"
    assert "attachment" in response.headers["Content-Disposition"]
    assert db.scalar(
        sa.select(sa.func.count()).where(AuditEvent.action == "documents:version:open")
    )


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (build_pdf("Bien ban"), "bien-ban.pdf", "Word (.docx)"),
        (b"not a file at all", "bien-ban.docx", ""),
    ],
)
def test_a_bad_upload_is_answered_clearly_and_nothing_is_stored(
    client, db, office, running, data, name, says
):
    meeting, _ = running
    row = db.scalar(sa.select(MeetingMinutes))
    login(client, office.clerk)
    response = client.post(
        f"/meetings/{meeting.id}/minutes/minutes/upload",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)
    count = db.scalar(
        sa.select(sa.func.count()).where(DocumentVersion.document_id == row.document_id)
    )
    assert count == 1


def test_an_unknown_kind_of_minutes_is_a_clear_400(client, office, running):
    meeting, _ = running
    login(client, office.clerk)
    assert client.post(f"/meetings/{meeting.id}/minutes/nonsense/draft").status_code == 400


def test_overdue_conclusions_show_on_the_next_meeting_page_and_pack(
    client, db, office, monkeypatch
):
    data = meetings.MeetingData(
        title="Giao ban tuần",
        kind=meetings.MeetingKind.DEPARTMENT,
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        chair_id=office.chairman.id,
        secretary_id=office.clerk.id,
    )
    week1, week2 = meetings.create(db, office.clerk, data, repeat=Recurrence.WEEKLY, occurrences=2)
    db.commit()
    invite(db, office, week1, "home_a")
    invite(db, office, week2, "home_a")
    item = add_item(db, office, week1, "Tiến độ giải ngân")
    publish(db, office, week1)
    publish(db, office, week2)
    meetings.change_status(db, office.clerk, week1, MeetingStatus.IN_PROGRESS)
    due = (week1.starts_at + timedelta(days=3)).date()
    conclusions.conclude(
        db, office.clerk, week1, item.id,
        ConclusionData("Báo cáo tiến độ.", owner_user_id=office.home_a.id, due_on=due),
        expected_version=0,
    )  # fmt: skip
    db.commit()
    later = due + timedelta(days=30)
    for page in ("participant", "secretary"):
        monkeypatch.setattr(f"meetings.views.{page}.today_local", lambda: later)
    login(client, office.clerk)
    assert 'data-testid="overdue-conclusions"' in client.get(
        f"/meetings/{week2.id}/manage"
    ).get_data(as_text=True)
    login(client, office.home_a)
    page = client.get(f"/meetings/{week2.id}").get_data(as_text=True)
    assert 'data-testid="overdue-conclusions"' in page and "Báo cáo tiến độ." in page
