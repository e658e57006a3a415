"""Opening an item's document: a receipt of that exact version and an audit event, each time."""

from __future__ import annotations

import sqlalchemy as sa

from audit.models import AuditEvent
from documents.models import ReadReceipt
from meetings import participants
from meetings.models import MaterialReceipt, Participant
from tests.conftest import login
from tests.documents.office_testkit import draft
from tests.meetings.conftest import add_item, attach, invite, new_meeting, publish, upload


def test_opening_a_document_version_is_a_read_receipt_of_it(app, client, db, blobs, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    item = add_item(db, office, meeting, "item")
    document = draft(db, blobs, office.clerk)
    attachment = attach(db, office, meeting, item, document)
    publish(db, office, meeting)
    login(client, office.home_a)
    url = f"/meetings/{meeting.id}/items/{item.id}/documents/{attachment.id}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    receipt = db.scalars(sa.select(ReadReceipt)).one()
    assert (receipt.user_id, receipt.version_id) == (office.home_a.id, document.current_version_id)
    event = db.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "documents:version:open")
    ).one()
    assert event.details == {"how": "file", "meeting": meeting.id, "item": item.id}
    assert client.head(url).status_code == 200  # a HEAD sends nothing and counts nothing
    db.expire_all()
    assert db.scalars(sa.select(ReadReceipt)).one().times_opened == 1


def test_opening_a_material_has_its_own_receipt_and_event(app, client, db, blobs, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    item = add_item(db, office, meeting, "item")
    attachment = upload(db, blobs, office, meeting, item, "hello")
    publish(db, office, meeting)
    login(client, office.home_a)
    url = f"/meetings/{meeting.id}/items/{item.id}/documents/{attachment.id}"
    first = client.get(url)
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    client.get(url + "?download=1")
    receipt = db.scalars(sa.select(MaterialReceipt)).one()
    assert (receipt.user_id, receipt.material_version_id, receipt.times_opened) == (
        office.home_a.id,
        attachment.material_version_id,
        2,
    )
    hows = db.scalars(
        sa.select(AuditEvent.details)
        .where(AuditEvent.action == "meetings:material:open")
        .order_by(AuditEvent.id)
    ).all()
    assert [h["how"] for h in hows] == ["file", "download"]


def test_someone_removed_cannot_open_but_their_receipts_stay(app, client, db, blobs, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    item = add_item(db, office, meeting, "item")
    document = draft(db, blobs, office.clerk)
    attachment = attach(db, office, meeting, item, document)
    material = upload(db, blobs, office, meeting, item)
    publish(db, office, meeting)
    login(client, office.home_a)
    base = f"/meetings/{meeting.id}/items/{item.id}/documents/"
    assert client.get(base + str(attachment.id)).status_code == 200
    assert client.get(base + str(material.id)).status_code == 200
    row = db.scalar(sa.select(Participant).where(Participant.user_id == office.home_a.id))
    participants.remove(db, office.clerk, meeting, row.id)
    db.commit()
    for url in (base + str(attachment.id), base + str(material.id), f"/meetings/{meeting.id}"):
        assert client.get(url).status_code == 404, url
    direct = f"/documents/{document.id}/v/{document.versions[-1].number}/file"
    assert client.get(direct).status_code in (403, 404)
    assert db.scalar(sa.select(sa.func.count(ReadReceipt.id))) == 1
    assert db.scalar(sa.select(sa.func.count(MaterialReceipt.id))) == 1


def test_a_document_of_another_item_cannot_be_opened_through_this_one(
    app, client, db, blobs, office
):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    shown = add_item(db, office, meeting, "shown")
    other = add_item(db, office, meeting, "other")
    attachment = upload(db, blobs, office, meeting, other)
    publish(db, office, meeting)
    login(client, office.home_a)
    url = f"/meetings/{meeting.id}/items/{shown.id}/documents/{attachment.id}"
    assert client.get(url).status_code == 404


def test_the_file_fast_path_honours_the_meetings_grant(app, client, db, blobs, office):
    """The documents rule asked below Flask (documents/views/fast_file.py) includes the grant a
    meeting gives its participants, and loses it when they are removed."""
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    item = add_item(db, office, meeting, "item")
    document = draft(db, blobs, office.clerk)
    attach(db, office, meeting, item, document)
    publish(db, office, meeting)
    login(client, office.home_a)
    fast_path = app.extensions["vanthu.file_fast_path"]
    direct = f"/documents/{document.id}/v/{document.versions[-1].number}/file"
    before = fast_path.served
    assert client.get(direct).status_code == 200
    assert fast_path.served == before + 1
    row = db.scalar(sa.select(Participant).where(Participant.user_id == office.home_a.id))
    participants.remove(db, office.clerk, meeting, row.id)
    db.commit()
    assert client.get(direct).status_code in (403, 404)
    assert fast_path.served == before + 1
