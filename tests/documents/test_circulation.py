"""Circulation: who receives a document, what cannot be sent, recalling it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from accounts import notifications
from audit.models import AuditEvent
from core.storage import StagedBlobs
from documents import circulation, drafting, errors, inbox, numbering
from documents.decree30 import Confidentiality
from documents.models import Delivery, Status, UnitReceipt
from tests.documents.office_testkit import TODAY, build_people, draft, issued, open_as


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


def test_an_unsigned_document_is_neither_issued_nor_sent(db, blobs, office):
    """Art. 5: without the official's signature and the seal it has no legal value."""
    _, home, _, people = office
    document = draft(db, blobs, people["clerk"])
    with pytest.raises(errors.NotSealed), StagedBlobs(blobs) as staged:
        numbering.issue(db, staged, people["clerk"], document, TODAY)
    db.rollback()
    assert document.status is Status.DRAFT and document.number is None
    with pytest.raises(errors.NotSealed):
        circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
    assert db.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0


def test_a_seal_on_another_version_does_not_issue(db, blobs, office):
    _, _, _, people = office
    document = draft(db, blobs, people["clerk"])
    first = document.current_version_id
    with StagedBlobs(blobs) as staged:
        numbering.reserve_number(db, people["clerk"], document, TODAY)
        drafting.render_numbered_version(db, staged, people["clerk"], document)
        with pytest.raises(errors.NotSealed):
            numbering.issue(db, staged, people["clerk"], document, TODAY, sealed_version_id=first)
    db.rollback()


def test_an_issued_document_without_a_seal_from_before_the_rule_is_not_sent(db, blobs, office):
    """Documents numbered and registered unsigned before the rule stay in the register only."""
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    document.sealed_version_id = None  # as migration 0015_rules leaves them
    db.commit()
    with pytest.raises(errors.NotSealed):
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
    assert notifications.unread_count(db, people["home_a"]) == 1
    with pytest.raises(errors.DocumentRecalled):
        open_as(db, people["home_a"], document, document.versions[-1])
