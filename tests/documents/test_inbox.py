"""The inbox: what was sent to a person, newest first with unread marked, and receipts owed."""

from __future__ import annotations

import pytest

from documents import circulation, inbox, incoming
from tests.documents.office_testkit import TODAY, build_people, issued, open_as


@pytest.fixture
def office(make):
    return build_people(make)


def test_the_inbox_lists_what_was_sent_newest_first_and_marks_unread(db, blobs, office):
    _, _, _, people = office
    reader = people["home_a"]
    first = issued(db, blobs, people["clerk"], subject="Về việc thứ nhất")
    second = issued(db, blobs, people["clerk"], subject="Về việc thứ hai")
    for document in (first, second):
        circulation.circulate(db, people["clerk"], document, user_ids=[reader.id])
        db.commit()
    open_as(db, reader, first, first.versions[-1])
    entries = inbox.inbox(db, reader)
    assert [(e.document.id, e.unread) for e in entries] == [(second.id, True), (first.id, False)]
    assert [e.document.id for e in inbox.inbox(db, reader, unread_only=True)] == [second.id]
    assert inbox.inbox(db, people["home_b"]) == []


def test_a_units_clerk_sees_what_waits_for_acknowledgement_until_acknowledged(db, blobs, office):
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
    db.commit()
    pending = inbox.unit_receipts_pending(db, people["home_clerk"])
    assert [r.document_id for r in pending] == [document.id]
    assert inbox.unit_receipts_pending(db, people["clerk"]) == []  # not sent to the province
    incoming.acknowledge(db, people["home_clerk"], document, TODAY)
    db.commit()
    assert inbox.unit_receipts_pending(db, people["home_clerk"]) == []


def test_acknowledging_is_offered_only_to_a_receiving_unit_that_has_not_yet(db, blobs, office):
    """Issue 14 §9: the button showed on the unit's own outgoing document."""
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
    db.commit()
    assert incoming.awaits_acknowledgement(db, people["clerk"], document) is False  # its own
    assert incoming.awaits_acknowledgement(db, people["home_a"], document) is False  # not a clerk
    assert incoming.awaits_acknowledgement(db, people["home_clerk"], document) is True
    incoming.acknowledge(db, people["home_clerk"], document, TODAY)
    db.commit()
    assert incoming.awaits_acknowledgement(db, people["home_clerk"], document) is False
