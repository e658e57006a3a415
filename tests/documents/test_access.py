"""The access rule's decisions: who opens which version of a document."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from documents import access, circulation
from documents.decree30 import Confidentiality
from documents.models import Document, DocumentVersion
from tests.documents.office_testkit import build_people, issued


@pytest.fixture
def office(make):
    return build_people(make)


def opens(db, person, document):
    """The numbers of the versions of ``document`` the rule lets ``person`` open."""
    return set(
        db.scalars(
            sa.select(DocumentVersion.number)
            .join(Document, Document.id == DocumentVersion.document_id)
            .where(Document.id == document.id, access.may_open(person))
        )
    )


def test_recipients_open_the_version_sent_to_them_and_not_the_drafts(db, blobs, office):
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])  # v1 the template, v2 numbered
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
    db.commit()
    assert opens(db, people["home_a"], document) == {2}
    assert opens(db, people["home_clerk"], document) == {2}
    assert opens(db, people["chairman"], document) == {1, 2}  # the issuing unit
    assert opens(db, people["auditor"], document) == {1, 2}
    assert opens(db, people["finance_a"], document) == set()


def test_a_unit_clerk_who_arrives_later_opens_what_was_sent_to_the_unit(db, blobs, office, make):
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
    db.commit()
    from accounts.models import Role

    clerk = make.user("vanthu2.snv", roles=[Role.CLERK], unit=home)
    official = make.user("c.snv", unit=home)
    assert opens(db, clerk, document) == {2}
    assert opens(db, official, document) == set()


def test_a_confidential_document_opens_to_its_named_people_only(db, blobs, office):
    _, _, _, people = office
    secret = issued(
        db,
        blobs,
        people["clerk"],
        confidentiality=Confidentiality.MAT,
        named_user_ids=[people["home_a"].id],
    )
    circulation.circulate(db, people["clerk"], secret, user_ids=[people["finance_a"].id])
    db.commit()
    assert opens(db, people["clerk"], secret) == {1, 2}  # the drafter
    assert opens(db, people["home_a"], secret) == {1, 2}  # named on it
    assert opens(db, people["finance_a"], secret) == {2}  # sent the numbered version
    for name in ("chairman", "auditor", "home_b", "home_clerk"):
        assert opens(db, people[name], secret) == set(), name
    assert not access.can_view(db, people["auditor"], secret)


def test_can_open_asks_the_rule_about_one_stored_version(db, blobs, office):
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
    db.commit()
    versions = db.scalars(
        sa.select(DocumentVersion)
        .where(DocumentVersion.document_id == document.id)
        .order_by(DocumentVersion.number)
    ).all()
    for person in people.values():
        allowed = {v.number for v in versions if access.can_open(db, person, v)}
        assert allowed == opens(db, person, document), person.username
    assert not access.can_open(db, people["home_a"], versions[0])  # a draft before the sent one
