"""Incoming documents: acknowledging receipt, registering from outside, duplicates."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.storage import StagedBlobs
from documents import circulation, errors, incoming, registers
from documents.decree30 import DocType
from documents.models import Document
from tests.documents.office_testkit import TODAY, build_people, issued
from tests.factories import documents_settings


@pytest.fixture
def office(make):
    return build_people(make)


def test_acknowledging_gives_an_incoming_number(db, blobs, office):
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
    db.commit()
    with pytest.raises(errors.NotAllowed):
        incoming.acknowledge(db, people["home_a"], document, TODAY)
    receipt = incoming.acknowledge(db, people["home_clerk"], document, TODAY)
    db.commit()
    assert receipt.incoming_number == 1
    with pytest.raises(errors.WrongState):
        incoming.acknowledge(db, people["home_clerk"], document, TODAY)
    register = registers.incoming_register(db, people["home_clerk"], home.id, TODAY.year)
    assert [r.entry.document_id for r in register] == [document.id]


def test_incoming_documents_warn_about_duplicates(db, blobs, office, pdf_of):
    _, _home, _, people = office
    data = incoming.IncomingData(
        issuer_name="Bộ Nội vụ",
        number_symbol="Số: 12/BNV-CCHC",
        issued_on=TODAY,
        doc_type=DocType.CONG_VAN,
        subject="Về việc báo cáo CCHC",
    )
    with StagedBlobs(blobs) as staged:
        first = incoming.register_incoming(
            db,
            staged,
            people["home_clerk"],
            data,
            pdf_of("x"),
            "cv.pdf",
            documents_settings(),
            today=TODAY,
        )
        db.commit()
    assert first.incoming_number == 1 and first.document.number_symbol == "12/BNV-CCHC"
    again = incoming.IncomingData(
        issuer_name="bộ nội vụ",
        number_symbol="12/BNV-CCHC",
        issued_on=TODAY,
        doc_type=DocType.CONG_VAN,
        subject="Trùng",
    )
    with pytest.raises(errors.PossibleDuplicate), StagedBlobs(blobs) as staged:
        incoming.register_incoming(
            db,
            staged,
            people["home_clerk"],
            again,
            pdf_of("y"),
            "cv.pdf",
            documents_settings(),
            today=TODAY,
        )
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(Document)) == 1
    with StagedBlobs(blobs) as staged:
        second = incoming.register_incoming(
            db,
            staged,
            people["home_clerk"],
            again,
            pdf_of("y"),
            "cv.pdf",
            documents_settings(),
            today=TODAY,
            accept_duplicate=True,
        )
        db.commit()
    assert second.incoming_number == 2
