"""The agenda: numbering and times, moves, concurrent edits, documents as exact versions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core.storage import StagedBlobs, sha256_hex
from documents import circulation
from documents.errors import DocumentNotFound, DocumentRecalled, NotAllowed, UnsupportedFile
from documents.models import DocumentVersion
from meetings import agenda, attachments
from meetings.errors import BadMove, StaleAgenda
from meetings.models import ItemDocument, ItemKind, Material, MaterialVersion
from tests.documents.office_testkit import draft
from tests.meetings.conftest import (
    START,
    add_item,
    attach,
    invite,
    issued_document,
    new_meeting,
    new_version,
    publish,
    upload,
)


def numbers(db, meeting):
    return [
        (p.number, p.item.title, p.starts_at - START)
        for p in agenda.layout(meeting, agenda.items_of(db, meeting))
    ]


def test_items_are_numbered_as_a_tree_and_timed_from_the_meeting_start(db, office):
    meeting = new_meeting(db, office)
    opening = add_item(db, office, meeting, "Khai mạc", duration_minutes=10)
    report = add_item(db, office, meeting, "Báo cáo", duration_minutes=5)
    add_item(db, office, meeting, "Ngân sách", parent=report, duration_minutes=20)
    add_item(db, office, meeting, "Đầu tư", parent=report, duration_minutes=15)
    add_item(db, office, meeting, "Chủ tọa", kind=ItemKind.HIDDEN, duration_minutes=10)
    add_item(db, office, meeting, "Bế mạc", duration_minutes=5)
    assert opening.position == 0
    assert numbers(db, meeting) == [
        ("1", "Khai mạc", timedelta(0)),
        ("2", "Báo cáo", timedelta(minutes=10)),
        ("2.1", "Ngân sách", timedelta(minutes=15)),
        ("2.2", "Đầu tư", timedelta(minutes=35)),
        ("", "Chủ tọa", timedelta(minutes=50)),  # hidden: out of the shared numbering
        ("3", "Bế mạc", timedelta(minutes=60)),
    ]


def test_an_item_cannot_move_under_itself_or_its_own_sub_item(db, office):
    meeting = new_meeting(db, office)
    top = add_item(db, office, meeting, "top")
    child = add_item(db, office, meeting, "child", parent=top)
    grandchild = add_item(db, office, meeting, "grandchild", parent=child)
    for parent in (top, child, grandchild):
        with pytest.raises(BadMove, match="under itself"):
            agenda.move_item(
                db,
                office.clerk,
                meeting,
                top.id,
                parent_id=parent.id,
                position=0,
                expected_version=meeting.version,
            )
        db.rollback()
    assert [n for n, *_ in numbers(db, meeting)] == ["1", "1.1", "1.1.1"]


def test_the_agenda_goes_three_levels_deep_at_most(db, office):
    meeting = new_meeting(db, office)
    top = add_item(db, office, meeting, "top")
    child = add_item(db, office, meeting, "child", parent=top)
    grandchild = add_item(db, office, meeting, "grandchild", parent=child)
    with pytest.raises(BadMove, match="3 levels"):
        add_item(db, office, meeting, "too deep", parent=grandchild)
    db.rollback()
    other = add_item(db, office, meeting, "other")
    with pytest.raises(BadMove, match="3 levels"):
        agenda.move_item(
            db,
            office.clerk,
            meeting,
            top.id,
            parent_id=other.id,
            position=0,
            expected_version=meeting.version,
        )


def test_moving_an_item_renumbers_both_places(db, office):
    meeting = new_meeting(db, office)
    a = add_item(db, office, meeting, "a")
    b = add_item(db, office, meeting, "b")
    add_item(db, office, meeting, "b1", parent=b)
    add_item(db, office, meeting, "c")
    agenda.move_item(
        db,
        office.clerk,
        meeting,
        a.id,
        parent_id=b.id,
        position=0,
        expected_version=meeting.version,
    )
    db.commit()
    assert [(n, t) for n, t, _ in numbers(db, meeting)] == [
        ("1", "b"),
        ("1.1", "a"),
        ("1.2", "b1"),
        ("2", "c"),
    ]
    move = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "meetings:item:move")).one()
    assert move.subject == {"meeting": meeting.id, "item": a.id}


def test_a_second_secretary_reordering_from_the_same_version_gets_a_conflict(db, office):
    meeting = new_meeting(db, office)
    a = add_item(db, office, meeting, "a")
    b = add_item(db, office, meeting, "b")
    seen = meeting.version
    agenda.move_item(
        db, office.clerk, meeting, b.id, parent_id=None, position=0, expected_version=seen
    )
    db.commit()
    with pytest.raises(StaleAgenda, match="Someone else changed"):
        agenda.move_item(
            db, office.chairman, meeting, a.id, parent_id=b.id, position=0, expected_version=seen
        )
    db.rollback()
    assert [(n, t) for n, t, _ in numbers(db, meeting)] == [("1", "b"), ("2", "a")]


def test_items_added_after_publishing_are_late(db, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    before = add_item(db, office, meeting, "planned")
    publish(db, office, meeting)
    after = add_item(db, office, meeting, "late")
    assert (before.late, after.late) == (False, True)


def test_the_secretary_attaches_only_versions_they_may_open(db, blobs, office):
    meeting = new_meeting(db, office)
    item = add_item(db, office, meeting, "item")
    others = draft(db, blobs, office.home_clerk)  # a draft of another unit
    with pytest.raises((DocumentNotFound, NotAllowed)):
        attach(db, office, meeting, item, others)
    db.rollback()
    assert db.scalar(sa.select(sa.func.count(ItemDocument.id))) == 0


def test_a_recalled_document_cannot_be_attached(db, blobs, office):
    meeting = new_meeting(db, office)
    item = add_item(db, office, meeting, "item")
    document = issued_document(db, blobs, office)
    circulation.circulate(db, office.clerk, document, user_ids=[office.home_a.id])
    circulation.recall(db, office.clerk, document, "Sai sót")
    db.commit()
    with pytest.raises(DocumentRecalled):
        attach(db, office, meeting, item, document)


def test_replacing_the_version_after_publishing_marks_the_item_changed(db, blobs, office):
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    item = add_item(db, office, meeting, "item")
    document = draft(db, blobs, office.clerk)
    attachment = attach(db, office, meeting, item, document, number=1)
    publish(db, office, meeting)
    changed_before = item.changed_at
    second = new_version(db, blobs, office, document, "corrected")
    attachments.replace_document_version(
        db,
        office.clerk,
        meeting,
        attachment.id,
        None,
        expected_version=meeting.version,
        store=blobs,
    )
    db.commit()
    assert db.get(ItemDocument, attachment.id).version_id == second.id
    assert item.changed_at > changed_before
    event = db.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "meetings:attachment:replace")
    ).one()
    assert (event.details["from_version"], event.details["version"]) == (1, 2)
    first = db.scalar(
        sa.select(DocumentVersion).where(
            DocumentVersion.document_id == document.id, DocumentVersion.number == 1
        )
    )
    from documents import access as document_access

    assert not document_access.can_open(db, office.home_a, first)
    assert document_access.can_open(db, office.home_a, second)


def test_a_refused_material_leaves_no_file_and_no_row(db, blobs, office):
    meeting = new_meeting(db, office)
    item = add_item(db, office, meeting, "item")
    with pytest.raises(UnsupportedFile), StagedBlobs(blobs) as staged:
        attachments.add_material(
            db,
            staged,
            office.clerk,
            meeting,
            item.id,
            title="x",
            data=b"MZ\x90\x00 not a document",
            file_name="virus.exe",
            max_bytes=1 << 20,
            expected_version=meeting.version,
        )
    db.rollback()
    assert db.scalar(sa.select(sa.func.count(Material.id))) == 0
    assert not blobs.exists(sha256_hex(b"MZ\x90\x00 not a document"))


def test_a_material_whose_transaction_fails_leaves_no_orphan_file(db, blobs, office):
    from tests.documents.conftest import build_pdf

    meeting = new_meeting(db, office)
    item = add_item(db, office, meeting, "item")
    data = build_pdf("never committed")
    with pytest.raises(RuntimeError), StagedBlobs(blobs) as staged:
        attachments.add_material(
            db,
            staged,
            office.clerk,
            meeting,
            item.id,
            title="x",
            data=data,
            file_name="x.pdf",
            max_bytes=1 << 20,
            expected_version=meeting.version,
        )
        assert blobs.exists(sha256_hex(data))
        raise RuntimeError("the commit failed")
    db.rollback()
    assert not blobs.exists(sha256_hex(data))
    assert db.scalar(sa.select(sa.func.count(MaterialVersion.id))) == 0


def test_a_material_gets_new_versions_and_each_is_kept(db, blobs, office):
    meeting = new_meeting(db, office)
    item = add_item(db, office, meeting, "item")
    attachment = upload(db, blobs, office, meeting, item, "first")
    from tests.documents.conftest import build_pdf

    with StagedBlobs(blobs) as staged:
        attachments.replace_material(
            db,
            staged,
            office.clerk,
            meeting,
            attachment.id,
            data=build_pdf("second"),
            file_name="b.pdf",
            max_bytes=1 << 20,
            expected_version=meeting.version,
        )
        db.commit()
    versions = db.scalars(sa.select(MaterialVersion).order_by(MaterialVersion.number)).all()
    assert [v.number for v in versions] == [1, 2]
    assert db.get(ItemDocument, attachment.id).material_version_id == versions[1].id
    assert all(blobs.exists(v.sha256) for v in versions)
