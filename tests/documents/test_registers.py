"""The registers: each series of numbers in order, and acknowledged receipts by incoming number."""

from __future__ import annotations

import pytest

from documents import circulation, incoming, registers
from documents.decree30 import Confidentiality, DocType
from documents.models import NumberSeries
from tests.documents.office_testkit import TODAY, build_people, issued


@pytest.fixture
def office(make):
    return build_people(make)


def test_the_outgoing_register_lists_one_series_in_number_order_with_its_filters(db, blobs, office):
    _, _, _, people = office
    clerk = people["clerk"]
    letter = issued(db, blobs, clerk, subject="Về việc cải cách hành chính")
    decision = issued(db, blobs, clerk, doc_type=DocType.QUYET_DINH, subject="Ban hành quy chế")
    secret = issued(
        db,
        blobs,
        clerk,
        subject="Về việc nhân sự",
        confidentiality=Confidentiality.MAT,
        named_user_ids=[people["chairman"].id],
    )

    def numbers(year=TODAY.year, **filters):
        rows = registers.outgoing_register(db, clerk, letter.unit_id, year, **filters)
        return [row.entry.document_id for row in rows]

    assert numbers() == [letter.id, decision.id]
    assert numbers(doc_type=DocType.QUYET_DINH) == [decision.id]
    assert numbers(text="cai cach") == [letter.id]
    assert numbers(series=NumberSeries.CONFIDENTIAL) == [secret.id]
    assert numbers(year=TODAY.year + 1) == []


def test_the_incoming_register_lists_acknowledged_documents_by_incoming_number(db, blobs, office):
    _, home, _, people = office
    first = issued(db, blobs, people["clerk"], subject="Về việc tuyển dụng")
    second = issued(db, blobs, people["clerk"], subject="Về việc cải cách hành chính")
    waiting = issued(db, blobs, people["clerk"], subject="Về việc chưa nhận")
    for document in (first, second, waiting):
        circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
    db.commit()
    incoming.acknowledge(db, people["home_clerk"], second, TODAY)
    incoming.acknowledge(db, people["home_clerk"], first, TODAY)
    db.commit()
    keeper = people["home_clerk"]
    rows = registers.incoming_register(db, keeper, home.id, TODAY.year)
    assert [(r.entry.incoming_number, r.entry.document_id) for r in rows] == [
        (1, second.id),
        (2, first.id),
    ]
    found = registers.incoming_register(db, keeper, home.id, TODAY.year, text="tuyen dung")
    assert [r.entry.document_id for r in found] == [first.id]
    assert registers.incoming_register(db, keeper, home.id, TODAY.year + 1) == []
