"""The registers: each series of numbers in order, and acknowledged receipts by incoming number."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from documents import assignments, circulation, incoming, registers
from documents.assignment_models import AssignmentState
from documents.decree30 import Confidentiality, DocType
from documents.models import NumberSeries
from tests.documents.office_testkit import TODAY, build_people, issued, open_as


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


def test_the_outgoing_register_has_date_sent_and_each_receivers_acknowledgement(db, blobs, office):
    _, home, finance, people = office
    letter = issued(db, blobs, people["clerk"], subject="Về việc tuyển dụng")
    kept = issued(db, blobs, people["clerk"], subject="Về việc chưa gửi")
    circulation.circulate(db, people["clerk"], letter, unit_ids=[home.id, finance.id])
    db.commit()
    incoming.acknowledge(db, people["home_clerk"], letter, TODAY)
    db.commit()
    rows = registers.outgoing_register(db, people["clerk"], letter.unit_id, TODAY.year)
    by_document = {row.entry.document_id: row.dispatch for row in rows}
    sent = by_document[letter.id]
    assert sent.sent_on is not None
    assert [a.unit_name for a in sent.acknowledged] == ["Sở Nội vụ"]  # finance has not yet
    assert by_document[kept.id].sent_on is None and by_document[kept.id].acknowledged == ()


def test_the_incoming_register_names_the_handler_not_the_acknowledging_clerk(db, blobs, office):
    _, home, _, people = office
    # The assignment's deadline may not pass the document's own due date (documents.assignments).
    deadline = TODAY.replace(day=30)
    letter = issued(db, blobs, people["clerk"], subject="Về việc tuyển dụng", due_on=deadline)
    circulation.circulate(db, people["clerk"], letter, unit_ids=[home.id])
    db.commit()
    incoming.acknowledge(db, people["home_clerk"], letter, TODAY)
    assignments.assign(
        db,
        people["home_clerk"],
        letter,
        lead_id=people["home_a"].id,
        deadline=deadline,
        today=TODAY,
    )
    db.commit()
    (row,) = registers.incoming_register(db, people["home_clerk"], home.id, TODAY.year)
    tracking = row.tracking
    assert tracking.handler == people["home_a"].full_name != people["home_clerk"].full_name
    assert tracking.passed_on is not None and tracking.deadline == deadline
    assert tracking.state is AssignmentState.PENDING and tracking.handler_opened is None
    open_as(db, people["home_a"], letter, letter.latest_version)
    db.commit()
    (row,) = registers.incoming_register(db, people["home_clerk"], home.id, TODAY.year)
    assert row.tracking.handler_opened is not None


def test_an_unassigned_incoming_document_is_tracked_by_its_own_due_date(db, blobs, office):
    _, home, _, people = office
    letter = issued(db, blobs, people["clerk"], subject="Về việc tuyển dụng", due_on=TODAY)
    circulation.circulate(db, people["clerk"], letter, unit_ids=[home.id])
    db.commit()
    incoming.acknowledge(db, people["home_clerk"], letter, TODAY)
    db.commit()
    (row,) = registers.incoming_register(db, people["home_clerk"], home.id, TODAY.year)
    assert (row.tracking.handler, row.tracking.deadline, row.tracking.state) == ("", TODAY, None)


def test_a_register_costs_the_same_number_of_queries_for_one_row_or_many(db, blobs, office):
    _, home, _, people = office

    def queries_for(count):
        for n in range(count):
            document = issued(db, blobs, people["clerk"], subject=f"Về việc số {n}")
            circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
            db.commit()
            incoming.acknowledge(db, people["home_clerk"], document, TODAY)
            db.commit()
        db.expunge_all()
        viewer = db.get(type(people["clerk"]), people["home_clerk"].id)
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(db.get_bind(), "before_cursor_execute", listener)
        try:
            registers.incoming_register(db, viewer, home.id, TODAY.year)
            registers.outgoing_register(db, viewer, people["clerk"].unit_id, TODAY.year)
        finally:
            sa.event.remove(db.get_bind(), "before_cursor_execute", listener)
        return len(statements)

    assert queries_for(1) == queries_for(3)
