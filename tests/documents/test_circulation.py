"""Circulation: who receives a document, what cannot be sent, recalling it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from documents import circulation, errors, inbox
from documents.decree30 import Confidentiality
from documents.models import Delivery, Status, UnitReceipt
from tests.documents.office_testkit import build_people, draft, issued, open_as


@pytest.fixture
def office(make):
    return build_people(make)


def test_circulation_delivers_to_unit_members_and_named_people_once(db, blobs, office):
    _, home, finance, people = office
    document = issued(db, blobs, people["clerk"])
    result = circulation.circulate(
        db,
        people["clerk"],
        document,
        unit_ids=[home.id],
        user_ids=[people["finance_a"].id, people["home_a"].id],
    )
    db.commit()
    assert result.delivered == 4  # three in Sở Nội vụ (incl. its clerk) + one named
    again = circulation.circulate(db, people["clerk"], document, unit_ids=[home.id, finance.id])
    db.commit()
    deliveries = db.scalars(sa.select(Delivery).where(Delivery.document_id == document.id)).all()
    assert len(deliveries) == 4 + 0 and again.delivered >= 1
    assert {r.unit_id for r in db.scalars(sa.select(UnitReceipt))} == {home.id, finance.id}
    entries = inbox.inbox(db, people["home_a"])
    assert [e.document.id for e in entries] == [document.id] and entries[0].unread


@pytest.mark.parametrize("bad", ["unit", "user"])
def test_circulating_to_someone_unknown_stores_nothing(db, blobs, office, bad):
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    before = db.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    with pytest.raises(errors.RecipientNotFound):
        circulation.circulate(
            db,
            people["clerk"],
            document,
            unit_ids=[home.id, 9999] if bad == "unit" else [home.id],
            user_ids=[9999] if bad == "user" else [],
        )
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
    assert db.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before


def test_a_draft_cannot_be_sent(db, blobs, office):
    _, home, _, people = office
    document = draft(db, blobs, people["clerk"])
    with pytest.raises(errors.WrongState):
        circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])


def test_confidential_documents_go_to_named_people_only(db, blobs, office):
    _, home, _, people = office
    secret = issued(db, blobs, people["clerk"], confidentiality=Confidentiality.MAT)
    with pytest.raises(errors.InvalidDocument):
        circulation.circulate(db, people["clerk"], secret, unit_ids=[home.id])


def test_recall_freezes_and_notifies(db, blobs, office):
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
    db.commit()
    assert circulation.recall(db, people["clerk"], document, "Sai sót về nội dung") == 3
    db.commit()
    assert document.status is Status.RECALLED
    assert len(inbox.notifications_for(db, people["home_a"])) == 1
    with pytest.raises(errors.DocumentRecalled):
        open_as(db, people["home_a"], document, document.versions[-1])
