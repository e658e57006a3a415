"""Numbering: numbers and symbols, their series, void numbers, uniqueness under load."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from core.storage import StagedBlobs
from documents import errors, numbering, registers
from documents.decree30 import Confidentiality, DocType
from documents.models import Document, IssuedNumber, NumberState, Status
from tests.documents.office_testkit import (
    TODAY,
    build_people,
    draft,
    issue_as_sealed,
    issued,
    table_cells,
)


@pytest.fixture
def office(make):
    return build_people(make)


def test_issuing_numbers_and_lays_out_the_number(db, blobs, office):
    _, _, _, people = office
    document = issued(db, blobs, people["clerk"])
    assert (document.number, document.number_symbol) == (1, "01/UBND-VP")
    assert document.status is Status.ISSUED and document.issued_on == TODAY
    assert len(document.versions) == 2
    cells = table_cells(blobs.get(document.versions[-1].sha256))
    assert ["Số: 01/UBND-VP", "V/v cải cách hành chính"] in cells
    second = issued(db, blobs, people["clerk"], doc_type=DocType.QUYET_DINH)
    assert second.number_symbol == "02/QĐ-UBND"


def test_confidential_documents_have_their_own_series(db, blobs, office):
    _, _, _, people = office
    issued(db, blobs, people["clerk"])
    secret = issued(
        db,
        blobs,
        people["clerk"],
        confidentiality=Confidentiality.MAT,
        named_user_ids=[people["chairman"].id],
    )
    assert secret.number == 1
    assert (
        db.scalar(sa.select(IssuedNumber.series).where(IssuedNumber.document_id == secret.id)).value
        == "confidential"
    )


def test_a_void_number_is_kept_and_never_reused(db, blobs, office):
    _, _, _, people = office
    document = draft(db, blobs, people["clerk"])
    numbering.reserve_number(db, people["clerk"], document, TODAY)
    db.commit()
    with pytest.raises(errors.InvalidDocument):
        numbering.void_number(db, people["clerk"], document, "   ")
    numbering.void_number(db, people["clerk"], document, "Văn bản không ban hành")
    db.commit()
    assert document.number is None
    with StagedBlobs(blobs) as staged:
        issue_as_sealed(db, staged, people["clerk"], document)
        db.commit()
    assert document.number == 2
    register = registers.outgoing_register(db, people["clerk"], document.unit_id, TODAY.year)
    assert [(r.entry.number, r.entry.state) for r in register] == [
        (1, NumberState.VOID),
        (2, NumberState.USED),
    ]


def test_numbers_are_unique_under_concurrency(app, db, blobs, office):
    """Eight clerks numbering at the same moment get eight different, consecutive numbers."""
    _, _, _, people = office
    from sqlalchemy.orm import Session

    from core.db import get_engine

    ids = [draft(db, blobs, people["clerk"]).id for _ in range(8)]
    barrier = threading.Barrier(len(ids))
    failures = []

    def number(document_id):
        with Session(get_engine(app), expire_on_commit=False) as session:
            try:
                clerk = session.get(type(people["clerk"]), people["clerk"].id)
                document = session.get(Document, document_id)
                barrier.wait()
                with StagedBlobs(blobs) as staged:
                    issue_as_sealed(session, staged, clerk, document)
                    session.commit()
            except Exception as error:  # reported below; a thread cannot raise into pytest
                failures.append(error)

    threads = [threading.Thread(target=number, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    numbers = sorted(db.scalars(sa.select(Document.number).where(Document.id.in_(ids))))
    assert numbers == list(range(1, 9))
