"""Reading: receipts per person and per version, and no receipt lost under load."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core.direct import DirectStatements
from core.groupcommit import GroupCommitter
from core.storage import StagedBlobs
from documents import circulation, drafting, inbox, reading
from documents.models import ReadReceipt
from tests.documents.office_testkit import build_people, issued, open_as


@pytest.fixture
def office(make):
    return build_people(make)


def test_receipts_are_per_person_per_version(db, blobs, office, pdf_of):
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
    db.commit()
    v2 = document.versions[-1]
    for _ in range(3):
        open_as(db, people["home_a"], document, v2)
    # A later version of a sent document: uploads refuse it now, older documents may have one.
    with StagedBlobs(blobs) as staged:
        v3 = drafting.add_version(
            db, staged, people["clerk"], document, pdf_of("Ban chinh thuc"), "chinh-thuc.pdf", ""
        )
        db.commit()
    open_as(db, people["home_b"], document, v3)
    report = reading.receipt_report(db, document)
    by_user = {r.user.username: r for r in report.recipients}
    assert by_user["a.snv"].opened[2].times_opened == 3
    assert by_user["a.snv"].opened[3] is None
    assert by_user["b.snv"].opened[2] is None and by_user["b.snv"].opened[3] is not None
    assert report.opened_count(3) == 1
    # A new version makes the document unread again for those who read the old one.
    assert inbox.inbox(db, people["home_a"])[0].unread
    assert not inbox.inbox(db, people["home_b"])[0].unread


def test_concurrent_opens_lose_no_receipt(app, db, blobs, office):
    _, _home, _, people = office
    document = issued(db, blobs, people["clerk"])
    version = document.versions[-1]
    version_id = version.id
    # Threads sharing one committer, as a server process's request threads do, and a second
    # committer, as another process: opening the same version at once.
    statements = DirectStatements(db.get_bind())
    shared, other = GroupCommitter(statements), GroupCommitter(statements)
    barrier = threading.Barrier(6)
    failures = []

    def open_many(writer):
        barrier.wait()
        try:
            for _ in range(5):
                open_as(db, people["home_a"], document, version, writer)
        except Exception as error:
            failures.append(error)

    threads = [
        threading.Thread(target=open_many, args=(shared if i % 3 else other,)) for i in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    receipt = db.scalar(sa.select(ReadReceipt).where(ReadReceipt.version_id == version_id))
    db.refresh(receipt)
    assert receipt.times_opened == 30
    opens = db.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "documents:version:open")
    )
    assert opens == 30
