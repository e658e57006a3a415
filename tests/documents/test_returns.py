"""Returning a failing document to its sender (Decree 30, Art. 21): per unit, with a reason."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from accounts.models import Role, UserNotification
from audit.models import AuditEvent
from documents import assignments, circulation, errors, inbox, incoming, returns
from documents.models import ReceiptReturn, UnitReceipt
from tests.conftest import login
from tests.documents.office_testkit import TODAY, build_people, issued

REASON = "Thiếu chữ ký số của cơ quan ban hành"


@pytest.fixture
def office(make):
    province, home, finance, people = build_people(make)
    people["finance_clerk"] = make.user("vanthu.stc", roles=[Role.CLERK], unit=finance)
    return province, home, finance, people


def sent(db, blobs, people, *units):
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[u.id for u in units])
    db.commit()
    return document


def test_a_receiving_clerk_returns_a_document_for_the_unit_and_the_sender_is_told(
    db, blobs, office
):
    _, home, finance, people = office
    document = sent(db, blobs, people, home, finance)
    returns.return_to_sender(db, people["home_clerk"], document, f"  {REASON} ")
    db.commit()

    # Recorded for the one unit that returned it; the other unit's receipt is untouched.
    assert [(r.unit_id, r.reason, r.returned_by_id) for r in returns.returns_of(db, document)] == [
        (home.id, REASON, people["home_clerk"].id)
    ]
    assert [r.document_id for r in inbox.unit_receipts_pending(db, people["finance_clerk"])] == [
        document.id
    ]
    # The sender is told, in VanThu, with the reason and a link to the document.
    notes = db.scalars(
        sa.select(UserNotification).where(UserNotification.kind == "document_returned")
    ).all()
    assert [n.user_id for n in notes] == [people["clerk"].id]
    assert notes[0].params["reason"] == REASON and notes[0].link == f"/documents/{document.id}"
    event = db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "documents:receipt:return"))
    assert event is not None and event.subject == {"document": document.id, "unit": home.id}

    # Not accepted by the unit: not waiting for its clerk, not in its people's inboxes, no
    # incoming number, and nobody there can be assigned it.
    assert inbox.unit_receipts_pending(db, people["home_clerk"]) == []
    assert inbox.inbox(db, people["home_a"]) == []
    with pytest.raises(errors.WrongState):
        incoming.acknowledge(db, people["home_clerk"], document, TODAY)
    db.rollback()
    receipt = db.scalar(sa.select(UnitReceipt).where(UnitReceipt.unit_id == home.id))
    assert receipt is not None and receipt.incoming_number is None
    with pytest.raises(errors.NotAllowed):
        assignments.assign(
            db, people["home_clerk"], document, lead_id=people["home_a"].id, today=TODAY
        )


def test_a_person_named_on_the_circulation_keeps_it_in_their_inbox(db, blobs, office):
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(
        db, people["clerk"], document, unit_ids=[home.id], user_ids=[people["home_b"].id]
    )
    db.commit()
    returns.return_to_sender(db, people["home_clerk"], document, REASON)
    db.commit()
    assert [e.document.id for e in inbox.inbox(db, people["home_b"])] == [document.id]
    assert inbox.inbox(db, people["home_a"]) == []


@pytest.mark.parametrize(
    ("actor", "why"),
    [
        ("home_a", errors.NotAllowed),  # not a clerk
        ("clerk", errors.NotAllowed),  # the sender's own clerk: the document was not sent to them
        ("finance_clerk", errors.NotAllowed),  # a unit it was never sent to
    ],
)
def test_only_a_clerk_of_a_receiving_unit_returns_it(db, blobs, office, actor, why):
    _, home, _, people = office
    document = sent(db, blobs, people, home)
    with pytest.raises(why):
        returns.return_to_sender(db, people[actor], document, REASON)
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(ReceiptReturn)) == 0


def test_a_return_needs_a_reason_and_comes_before_registering(db, blobs, office):
    _, home, _, people = office
    document = sent(db, blobs, people, home)
    with pytest.raises(errors.InvalidDocument):
        returns.return_to_sender(db, people["home_clerk"], document, "   ")
    db.rollback()
    incoming.acknowledge(db, people["home_clerk"], document, TODAY)
    db.commit()
    with pytest.raises(errors.WrongState):
        returns.return_to_sender(db, people["home_clerk"], document, REASON)
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(ReceiptReturn)) == 0


def test_returning_twice_is_refused(db, blobs, office):
    _, home, _, people = office
    document = sent(db, blobs, people, home)
    returns.return_to_sender(db, people["home_clerk"], document, REASON)
    db.commit()
    with pytest.raises(errors.WrongState):
        returns.return_to_sender(db, people["home_clerk"], document, REASON)


def test_the_return_page_records_it_and_the_sender_sees_the_reason(client, db, blobs, office):
    _, home, _, people = office
    document = sent(db, blobs, people, home)
    login(client, people["home_a"])
    assert (
        client.post(f"/documents/{document.id}/return", data={"reason": REASON}).status_code == 403
    )
    login(client, people["home_clerk"])
    assert 'data-testid="return"' in client.get(f"/documents/{document.id}").get_data(as_text=True)
    empty = client.post(f"/documents/{document.id}/return", data={"reason": ""})
    assert empty.status_code == 400 and "lý do" in empty.get_data(as_text=True)
    response = client.post(f"/documents/{document.id}/return", data={"reason": REASON})
    assert response.status_code == 302
    login(client, people["clerk"])
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert REASON in page and home.name in page
    assert REASON in client.get(f"/documents/{document.id}/receipts").get_data(as_text=True)
    login(client, people["home_clerk"])
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="acknowledge"' not in page and 'data-testid="return"' not in page
