"""Reading: receipts per person and per version, and no receipt lost under load."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from audit.models import AuditEvent
from core.db import make_engine
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
        document.sealed_version_id = v3.id  # only a signed and sealed version is sent
        db.commit()
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])  # v3 is sent too
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
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
    db.commit()
    version = document.versions[-1]
    version_id, reader_id = version.id, people["home_a"].id
    # Threads of one process share its engine (and group commit); a second engine on the same
    # database stands for another server process: all open the same version at once.
    engines = [db.get_bind(), make_engine(str(db.get_bind().url.render_as_string(False)))]
    barrier = threading.Barrier(6)
    failures = []

    def open_many(engine):
        barrier.wait()
        try:
            with Session(engine) as session:
                reader = session.get(User, reader_id)
                for _ in range(5):
                    reading.open_version(
                        session,
                        reader,
                        document.id,
                        version.number,
                        how=reading.How.FILE,
                        prepare=lambda *_: None,
                    )
        except Exception as error:
            failures.append(error)

    threads = [threading.Thread(target=open_many, args=(engines[i % 2],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engines[1].dispose()
    assert failures == []
    receipt = db.scalar(sa.select(ReadReceipt).where(ReadReceipt.version_id == version_id))
    db.refresh(receipt)
    assert receipt.times_opened == 30
    opens = db.scalars(
        sa.select(AuditEvent.details).where(AuditEvent.action == "documents:version:open")
    ).all()
    assert opens == [{"how": "file"}] * 30
