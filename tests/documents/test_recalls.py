"""A recall is confirmed back to the sender by each recipient unit, and both registers show it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from accounts.models import Role, UserNotification
from accounts.notification_subjects import render
from audit.models import AuditEvent
from documents import circulation, errors, incoming, recalls, registers
from documents.models import RecallConfirmation
from tests.conftest import login
from tests.documents.office_testkit import TODAY, build_people, issued


@pytest.fixture
def office(make):
    province, home, finance, people = build_people(make)
    people["finance_clerk"] = make.user("vanthu.stc", roles=[Role.CLERK], unit=finance)
    return province, home, finance, people


def recalled(db, blobs, people, *units):
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[u.id for u in units])
    db.commit()
    incoming.acknowledge(db, people["home_clerk"], document, TODAY)
    db.commit()
    circulation.recall(db, people["clerk"], document, "Sai sót về thể thức")
    db.commit()
    return document


def test_each_recipient_unit_confirms_and_the_sender_sees_who_has_not(db, blobs, office):
    _, home, finance, people = office
    document = recalled(db, blobs, people, home, finance)
    assert [(s.unit.id, s.confirmation) for s in recalls.recall_status(db, document)] == [
        (home.id, None),
        (finance.id, None),
    ]
    recalls.confirm(db, people["home_clerk"], document)
    db.commit()
    status = recalls.recall_status(db, document)
    assert [(s.unit.id, s.confirmed) for s in status] == [(home.id, True), (finance.id, False)]
    assert status[0].confirmation is not None
    assert status[0].confirmation.confirmed_by_id == people["home_clerk"].id
    notes = db.scalars(
        sa.select(UserNotification).where(UserNotification.kind == "recall_confirmed")
    ).all()
    assert [n.user_id for n in notes] == [people["clerk"].id]
    event = db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "documents:recall:confirm"))
    assert event is not None and event.subject == {"document": document.id, "unit": home.id}
    with pytest.raises(errors.WrongState):
        recalls.confirm(db, people["home_clerk"], document)


def test_the_registers_show_the_recall_and_its_confirmations(db, blobs, office):
    _, home, finance, people = office
    document = recalled(db, blobs, people, home, finance)
    recalls.confirm(db, people["home_clerk"], document)
    db.commit()
    outgoing = registers.outgoing_register(db, people["clerk"], document.unit_id, TODAY.year)
    marks = recalls.register_marks(db, [row.document for row in outgoing if row.document])
    mark = marks[document.id]
    assert [u.id for u in mark.confirmed_units] == [home.id]
    assert [u.id for u in mark.waiting_units] == [finance.id]
    rows = registers.incoming_register(db, people["home_clerk"], home.id, TODAY.year)
    marks = recalls.register_marks(db, [row.document for row in rows if row.document])
    assert [u.id for u in marks[document.id].confirmed_units] == [home.id]


@pytest.mark.parametrize("actor", ["home_a", "clerk", "outsider"])
def test_only_a_recipient_units_clerk_confirms(db, blobs, office, actor):
    _, home, _, people = office
    document = recalled(db, blobs, people, home)
    with pytest.raises(errors.NotAllowed):
        recalls.confirm(db, people[actor], document)
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(RecallConfirmation)) == 0


def test_a_document_not_recalled_cannot_be_confirmed(db, blobs, office):
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
    db.commit()
    with pytest.raises(errors.WrongState):
        recalls.confirm(db, people["home_clerk"], document)


def test_the_confirm_page_and_both_register_pages(client, db, blobs, office):
    _, home, finance, people = office
    document = recalled(db, blobs, people, home, finance)
    login(client, people["home_a"])
    assert client.post(f"/documents/{document.id}/confirm-recall").status_code == 403
    login(client, people["home_clerk"])
    assert client.post(f"/documents/{document.id}/confirm-recall").status_code == 302
    assert client.post(f"/documents/{document.id}/confirm-recall").status_code == 409
    page = client.get(f"/registers/incoming?year={TODAY.year}").get_data(as_text=True)
    assert 'data-testid="recall-confirmed"' in page
    login(client, people["clerk"])
    page = client.get(f"/registers/outgoing?year={TODAY.year}").get_data(as_text=True)
    assert 'data-testid="recall-marks"' in page
    assert home.name in page and finance.name in page
    show = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="recall-status"' in show


def test_those_who_received_it_are_told_which_document_was_recalled(db, blobs, office):
    _, home, _, people = office
    document = recalled(db, blobs, people, home)
    notes = db.scalars(sa.select(UserNotification).where(UserNotification.kind == "recalled")).all()
    assert notes and {n.subject_id for n in notes} == {document.id}
    assert people["home_clerk"].id in {n.user_id for n in notes}
    note = notes[0]
    title, body = render(note, "vi")
    assert title == f"Văn bản bị nơi ban hành thu hồi: {document.number_symbol}"
    assert document.subject in body and "Sai sót về thể thức" in body
