"""The whole pack in one zip: exactly what the participant may open, each file a receipt, built
by a background job and downloadable by the person who asked only."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core.jobs import Job, JobState
from documents.decree30 import Confidentiality
from documents.models import DocumentVersion, ReadReceipt
from meetings import pack_download, participants
from meetings.bundles import MANIFEST, SUMS
from meetings.errors import EmptyPack
from meetings.models import ItemKind, MaterialReceipt, ParticipantRole
from tests.conftest import login
from tests.documents.office_testkit import draft
from tests.meetings.conftest import add_item, attach, invite, new_meeting, publish, upload
from tests.meetings.jobs_testkit import consumer, finished  # noqa: F401 - a fixture

REST = {MANIFEST, SUMS}


@pytest.fixture
def meeting(db, blobs, office):
    """Item 1 for everyone (a draft, a material, a confidential draft), item 2 members only,
    item 3 hidden; home_a and home_b members, finance_a a guest."""
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a", "home_b")
    invite(db, office, meeting, "finance_a", role=ParticipantRole.GUEST)
    first = add_item(db, office, meeting, "Ngân sách")
    internal = add_item(db, office, meeting, "Nhân sự", kind=ItemKind.INTERNAL)
    hidden = add_item(db, office, meeting, "Chuẩn bị", kind=ItemKind.HIDDEN)
    attach(db, office, meeting, first, draft(db, blobs, office.clerk, subject="Dự toán"))
    upload(db, blobs, office, meeting, first, "Bao cao tai chinh")
    secret = draft(db, blobs, office.clerk, subject="Bí mật", confidentiality=Confidentiality.MAT)
    attach(db, office, meeting, first, secret)
    attach(db, office, meeting, internal, draft(db, blobs, office.clerk, subject="Biên chế"))
    attach(db, office, meeting, hidden, draft(db, blobs, office.clerk, subject="Kịch bản"))
    publish(db, office, meeting)
    return meeting


def open_zip(blobs, sha256: str) -> zipfile.ZipFile:
    data = blobs.get(sha256)
    return zipfile.ZipFile(io.BytesIO(data))


def test_the_zip_holds_exactly_what_the_participant_may_open_with_a_manifest(
    db, blobs, office, meeting
):
    steps: list[tuple[int, int]] = []
    result = pack_download.build(
        db, blobs, office.finance_a, meeting.id, lambda d, t: steps.append((d, t))
    )
    assert steps == [(0, 2), (1, 2), (2, 2)]
    archive = open_zip(blobs, result["sha256"])
    files = set(archive.namelist()) - REST
    assert len(files) == 2 and all(name.startswith("1 Ngân sách/") for name in files)
    manifest = json.loads(archive.read(MANIFEST))
    assert {d["title"] for d in manifest["documents"]} == {"Dự toán", "Báo cáo"}
    assert manifest["withheld"] == [{"item": "1", "item_title": "Ngân sách", "documents": 1}]
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert set(listed) == files
    for name in files:
        assert hashlib.sha256(archive.read(name)).hexdigest() == listed[name]
    draft_version = db.scalars(
        sa.select(DocumentVersion).where(DocumentVersion.sha256.in_(listed.values()))
    ).one()  # the draft, as stored; the other file is the material
    sums = archive.read(SUMS).decode()
    assert f"{draft_version.sha256}  " in sums and f"  {MANIFEST}\n" in sums
    assert result["documents"] == 2 and result["size"] == len(blobs.get(result["sha256"]))


def test_each_file_put_in_the_zip_is_a_receipt_of_that_version(db, blobs, office, meeting):
    pack_download.build(db, blobs, office.home_a, meeting.id, lambda d, t: None)
    receipts = db.scalars(sa.select(ReadReceipt).where(ReadReceipt.user_id == office.home_a.id))
    assert len(list(receipts)) == 2  # "Dự toán" and "Biên chế"; not the secret, not the hidden
    assert db.scalars(sa.select(MaterialReceipt.user_id)).all() == [office.home_a.id]
    hows = db.scalars(
        sa.select(AuditEvent.details).where(
            AuditEvent.action.in_(["documents:version:open", "meetings:material:open"])
        )
    ).all()
    assert len(hows) == 3 and {h["how"] for h in hows} == {"pack"}


def test_an_empty_pack_is_refused_before_anything_is_queued(client, db, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    add_item(db, office, meeting, "Nothing attached")
    publish(db, office, meeting)
    with pytest.raises(EmptyPack):
        pack_download.payload(db, office.home_a, meeting)
    login(client, office.home_a)
    response = client.post(f"/meetings/{meeting.id}/download")
    assert response.status_code == 409
    assert db.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


@pytest.mark.usefixtures("consumer")
def test_a_real_worker_builds_the_zip_only_its_owner_downloads(
    app, client, db, blobs, office, meeting
):
    login(client, office.home_a)
    response = client.post(f"/meetings/{meeting.id}/download")
    assert response.status_code == 302
    page_url = response.headers["Location"]
    job_id = int(page_url.rstrip("/").split("/")[-1])
    job = finished(app, job_id)
    assert (job.state, job.done, job.total, job.owner_id) == (
        JobState.DONE,
        3,
        3,
        office.home_a.id,
    )
    page = client.get(page_url).get_data(as_text=True)
    assert 'data-testid="download-zip"' in page and "js/meetings-job.mjs" in page
    status = client.get(page_url + "/status").get_json()
    assert status == {"state": "done", "done": 3, "total": 3, "ready": True, "error": None}
    download = client.get(page_url + "/file")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert hashlib.sha256(download.data).hexdigest() == job.result["sha256"]
    assert len(set(zipfile.ZipFile(io.BytesIO(download.data)).namelist()) - REST) == 3

    login(client, office.home_b)  # another participant: not theirs
    for path in ("", "/status", "/file"):
        assert client.get(page_url + path).status_code == 404
    login(client, office.outsider)
    assert client.get(page_url + "/file").status_code == 404

    # Removed from the meeting: the zip goes with the rest of the pack.
    invitation = next(p for p in participants.listing(db, meeting) if p.user_id == office.home_a.id)
    participants.remove(db, office.clerk, meeting, invitation.id)
    db.commit()
    login(client, office.home_a)
    assert client.get(page_url + "/file").status_code == 404
