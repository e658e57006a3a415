"""Incoming documents: acknowledging receipt, registering from outside, duplicates."""

from __future__ import annotations

import itertools

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


_files = itertools.count()


def _register(db, blobs, clerk, pdf_of, issuer, number_symbol, *, accept=False):
    data = incoming.IncomingData(
        issuer_name=issuer,
        number_symbol=number_symbol,
        issued_on=TODAY,
        doc_type=DocType.QUYET_DINH,
        subject="Về việc kiện toàn Ban chỉ đạo",
    )
    with StagedBlobs(blobs) as staged:
        receipt = incoming.register_incoming(
            db,
            staged,
            clerk,
            data,
            pdf_of(f"received {next(_files)}"),
            "qd.pdf",
            documents_settings(),
            today=TODAY,
            accept_duplicate=accept,
        )
        db.commit()
    return receipt


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("Bộ Nội vụ", "05/QĐ-BNV"), ("Bộ Nội vụ", "05/QĐ-BNV")),
        (("Bộ Nội vụ", "05/QĐ-BNV"), ("BỘ NỘI VỤ", "05/qđ-bnv")),
        (("Bộ Nội vụ", "05/HĐ-BNV"), ("Bộ  Nội   vụ ", "05/HĐ-BNV")),
        (("Ủy ban nhân dân tỉnh", "7/ĐA-UBND"), ("Ủy ban nhân dân tỉnh", "07 / ĐA - UBND")),
        (("Chính phủ", "15/2020/NĐ-CP"), ("Chi\u0301nh phu\u0309", "15/2020/nđ-cp")),
    ],
    ids=["same", "case", "double-spaces", "zero-and-spaces", "decomposed"],
)
def test_duplicates_with_d_and_spacing_are_caught(db, blobs, office, pdf_of, first, second):
    """SQL lower() leaves Đ alone on SQLite: the key is normalised in Python and stored."""
    clerk = office[3]["home_clerk"]
    _register(db, blobs, clerk, pdf_of, *first)
    with pytest.raises(errors.PossibleDuplicate):
        _register(db, blobs, clerk, pdf_of, *second)
    db.rollback()
    assert _register(db, blobs, clerk, pdf_of, *second, accept=True).incoming_number == 2


def test_other_issuer_or_number_is_not_a_duplicate(db, blobs, office, pdf_of):
    clerk = office[3]["home_clerk"]
    _register(db, blobs, clerk, pdf_of, "Bộ Nội vụ", "05/QĐ-BNV")
    assert _register(db, blobs, clerk, pdf_of, "Bộ Tài chính", "05/QĐ-BNV").incoming_number == 2
    assert _register(db, blobs, clerk, pdf_of, "Bộ Nội vụ", "06/QĐ-BNV").incoming_number == 3


def test_duplicate_key_folds_d_case_spaces_and_composition():
    key = incoming.duplicate_key
    assert key("05/QĐ-BNV", "Bộ  Nội vụ") == key("05/qđ-bnv", " BỘ NỘI VỤ")
    assert key("05/QĐ-BNV", "Bộ Nội vụ") == key("05/Q\u00d0-BNV", "Bo\u0323\u0302 Nội vụ")
    assert key("05/QĐ-BNV", "Bộ Nội vụ") != key("05/QD-BNV", "Bộ Nội vụ")
