"""The archive of a closed meeting: built by a job when it closes, a manifest whose hashes match
its files, its own hash in the audit log, for the chair, the secretary and auditors only."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core.jobs import JobState
from documents import reading
from documents.decree30 import Confidentiality
from meetings import archive, meetings, note_text, notes, opening
from meetings.bundles import MANIFEST, SUMS
from meetings.models import (
    ItemDocument,
    MaterialVersion,
    Meeting,
    MeetingArchive,
    MeetingStatus,
    NoteKind,
)
from tests.conftest import login
from tests.documents.office_testkit import draft
from tests.meetings.conftest import add_item, attach, invite, new_meeting, publish, upload
from tests.meetings.jobs_testkit import consumer, finished  # noqa: F401 - a fixture


@pytest.fixture
def meeting(db, blobs, office) -> Meeting:
    """An agenda with a draft, a material and a confidential draft; home_a read the draft."""
    meeting = new_meeting(db, office, title="Họp giao ban tháng 12")
    invite(db, office, meeting, "home_a", "home_b")
    first = add_item(db, office, meeting, "Ngân sách")
    sub = add_item(db, office, meeting, "Chi thường xuyên", parent=first)
    budget = attach(db, office, meeting, first, draft(db, blobs, office.clerk, subject="Dự toán"))
    upload(db, blobs, office, meeting, sub, "Bao cao chi")
    secret = draft(db, blobs, office.clerk, subject="Bí mật", confidentiality=Confidentiality.MAT)
    attach(db, office, meeting, first, secret)
    publish(db, office, meeting)
    opening.open_attachment(
        db,
        office.home_a,
        meeting.id,
        first.id,
        budget.id,
        how=reading.How.FILE,
        prepare_document=lambda _d, _v: None,
        prepare_material=lambda _v: None,
    )
    db.commit()
    meetings.change_status(db, office.clerk, meeting, MeetingStatus.IN_PROGRESS)
    db.commit()
    return meeting


def close(client, meeting: Meeting):
    return client.post(f"/meetings/{meeting.id}/status", data={"to": "closed"})


@pytest.mark.usefixtures("consumer")
def test_closing_archives_the_meeting_with_a_real_worker(app, client, db, blobs, office, meeting):
    login(client, office.clerk)
    assert close(client, meeting).status_code == 302
    row = db.scalars(sa.select(MeetingArchive)).one()
    assert row.job_id is not None
    job = finished(app, row.job_id)
    assert job.state is JobState.DONE, job.error
    db.expire_all()
    row = db.scalars(sa.select(MeetingArchive)).one()
    assert db.get(Meeting, meeting.id).status is MeetingStatus.ARCHIVED
    data = blobs.get(row.sha256)
    assert hashlib.sha256(data).hexdigest() == row.sha256 == job.result["sha256"]
    [event] = db.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "meetings:meeting:archived")
    ).all()
    assert event.subject == {"meeting": meeting.id}
    assert event.details["sha256"] == row.sha256 and event.details["size"] == len(data)

    zipped = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(zipped.read(MANIFEST))
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert set(zipped.namelist()) == {*listed, MANIFEST, SUMS}
    for path, digest in listed.items():
        assert hashlib.sha256(zipped.read(path)).hexdigest() == digest
    sums = dict(reversed(line.split("  ", 1)) for line in zipped.read(SUMS).decode().splitlines())
    assert sums[MANIFEST] == hashlib.sha256(zipped.read(MANIFEST)).hexdigest()
    assert row.files == len(zipped.namelist())

    documents = [name for name in listed if name.startswith("documents/")]
    assert len(documents) == 2  # the draft and the material; the confidential one stays out
    [left_out] = manifest["left_out"]
    assert left_out["why"] == "confidential" and len(left_out["sha256"]) == 64
    agenda = json.loads(zipped.read("agenda.json"))
    assert [(i["number"], i["title"]) for i in agenda["items"]] == [
        ("1", "Ngân sách"),
        ("1.1", "Chi thường xuyên"),
    ]
    assert "Họp giao ban tháng 12" in zipped.read("agenda.html").decode()
    receipts = list(csv.DictReader(io.StringIO(zipped.read("receipts.csv").decode("utf-8-sig"))))
    assert [(r["username"], r["title"], r["kind"]) for r in receipts] == [
        (office.home_a.username, "Dự toán", "document")
    ]
    people = zipped.read("participants.csv").decode("utf-8-sig")
    assert office.home_a.full_name in people and office.home_b.full_name in people


class TestWithoutAWorker:
    """Jobs run at once inside the request (Huey's immediate mode): the pages and the rules."""

    @pytest.fixture
    def app_config(self):
        return {"JOBS_IMMEDIATE": True}

    def test_the_chair_the_secretary_and_auditors_download_it_others_do_not(
        self, client, db, office, meeting
    ):
        login(client, office.clerk)
        url = f"/meetings/{meeting.id}/archive"
        assert client.get(url + "/file").status_code == 404  # not built yet
        close(client, meeting)
        digest = db.scalars(sa.select(MeetingArchive.sha256)).one()
        assert digest is not None
        for keeper in (office.clerk, office.chairman, office.auditor):
            login(client, keeper)
            page = client.get(url)
            assert page.status_code == 200 and digest in page.get_data(as_text=True)
            response = client.get(url + "/file")
            assert response.status_code == 200
            assert hashlib.sha256(response.data).hexdigest() == digest
            assert client.get(url + "/status").get_json()["ready"] is True
        downloads = db.scalars(
            sa.select(AuditEvent.actor_id).where(AuditEvent.action == "meetings:archive:download")
        ).all()
        assert sorted(downloads) == sorted([office.clerk.id, office.chairman.id, office.auditor.id])
        login(client, office.home_a)  # a participant
        assert client.get(url + "/file").status_code == 403
        assert client.get(url).status_code == 403
        login(client, office.outsider)
        assert client.get(url + "/file").status_code == 404
        assert client.post(url).status_code == 404

    def test_only_a_closed_meeting_is_archived_and_only_once(self, client, db, office, meeting):
        login(client, office.clerk)
        url = f"/meetings/{meeting.id}/archive"
        assert client.post(url).status_code == 409  # in progress
        assert (
            client.post(f"/meetings/{meeting.id}/status", data={"to": "archived"}).status_code
            == 409
        )
        assert db.scalar(sa.select(sa.func.count()).select_from(MeetingArchive)) == 0
        close(client, meeting)
        db.expire_all()
        assert db.get(Meeting, meeting.id).status is MeetingStatus.ARCHIVED
        assert client.post(url).status_code == 409  # archived already
        login(client, office.home_a)
        assert client.post(url).status_code == 403

    def test_sections_added_by_other_modules_go_in_the_archive(
        self, client, db, office, meeting, monkeypatch
    ):
        monkeypatch.setattr(archive, "_SECTIONS", {})
        archive.add_section("notes", lambda _s, m: [("shared.json", b'{"meeting": %d}' % m.id)])
        login(client, office.clerk)
        close(client, meeting)
        digest = db.scalars(sa.select(MeetingArchive.sha256)).one()
        zipped = zipfile.ZipFile(
            io.BytesIO(client.get(f"/meetings/{meeting.id}/archive/file").data)
        )
        assert zipped.read("notes/shared.json") == b'{"meeting": %d}' % meeting.id
        assert json.loads(zipped.read(MANIFEST))["sections"] == ["notes"]
        assert digest


class TestSharedNotes:
    """Notes shared with the meeting go in under notes/, listed in the manifest by hash."""

    @pytest.fixture
    def app_config(self):
        return {"JOBS_IMMEDIATE": True}

    def _note(self, db, blobs, user, meeting, text):
        attachment = db.scalars(
            sa.select(ItemDocument).where(ItemDocument.material_id.is_not(None))
        ).one()
        note = notes.write(
            db,
            blobs,
            user,
            meeting,
            attachment.item_id,
            attachment.id,
            version=1,
            selection=note_text.Selection(page=1, quote="Bao cao"),
            kind=NoteKind.NOTE,
            text=text,
        )
        db.commit()
        return note

    def test_shared_notes_go_in_and_private_ones_stay_out(self, client, db, blobs, office, meeting):
        shared = self._note(db, blobs, office.home_a, meeting, "Góp ý: bổ sung số liệu")
        notes.share(db, office.home_a, meeting, shared.id, shared=True)
        db.commit()
        self._note(db, blobs, office.home_b, meeting, "Ghi chú riêng của tôi")
        login(client, office.clerk)
        close(client, meeting)
        digest = db.scalars(sa.select(MeetingArchive.sha256)).one()
        zipped = zipfile.ZipFile(io.BytesIO(blobs.get(digest)))
        raw = zipped.read("notes/shared.json")
        section = json.loads(raw)
        assert section["meeting"] == meeting.id
        (note,) = section["notes"]
        assert note["text"] == "Góp ý: bổ sung số liệu" and note["quote"] == "Bao cao"
        assert note["author"] == {"id": office.home_a.id, "name": office.home_a.full_name}
        assert note["item"] == "1.1"
        material = db.get(MaterialVersion, shared.material_version_id)
        assert note["written_on"]["sha256"] == material.sha256
        assert note["placed_on"]["sha256"] == material.sha256
        assert "Ghi chú riêng" not in raw.decode()
        manifest = json.loads(zipped.read(MANIFEST))
        assert "notes" in manifest["sections"]
        listed = {f["path"]: f["sha256"] for f in manifest["files"]}
        assert listed["notes/shared.json"] == hashlib.sha256(raw).hexdigest()
