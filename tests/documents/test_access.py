"""The access rule in its SQL forms agrees with the rule for a loaded document."""

from __future__ import annotations

import pytest

from core.direct import DirectStatements
from documents import circulation, incoming
from documents.decree30 import Confidentiality
from tests.documents.office_testkit import TODAY, build_people, issued


@pytest.fixture
def office(make):
    return build_people(make)


def test_the_access_rule_in_sql_agrees_with_the_rule_for_a_loaded_document(app, db, blobs, office):
    """open_version and OPENABLE_VERSION decide in SQL what can_view decides for a loaded
    document: for every person and every kind of document (own unit, received, acknowledged,
    confidential)."""
    from core.db import get_engine
    from documents import access

    _, home, finance, people = office
    ordinary = issued(db, blobs, people["clerk"])
    received = issued(db, blobs, people["clerk"], subject="Gửi Sở Nội vụ")
    circulation.circulate(db, people["clerk"], received, unit_ids=[home.id])
    to_finance = issued(db, blobs, people["clerk"], subject="Gửi Sở Tài chính")
    circulation.circulate(db, people["clerk"], to_finance, unit_ids=[finance.id])
    db.commit()
    incoming.acknowledge(db, people["home_clerk"], received, TODAY)
    secret = issued(
        db,
        blobs,
        people["clerk"],
        subject="Mật",
        confidentiality=Confidentiality.MAT,
        named_user_ids=[people["home_a"].id],
    )
    db.commit()
    statements = DirectStatements(get_engine(app))
    allowed = set()
    for document in (ordinary, received, to_finance, secret):
        number = document.versions[-1].number
        for name, person in people.items():
            opened = access.open_version(statements, person.id, document.id, number)
            assert (opened is not None) == access.can_view(db, person, document), (name, document)
            values = {"user_id": person.id, "document_id": document.id, "number": number}
            openable = statements.first(access.OPENABLE_VERSION, values)
            assert (openable is not None) == (opened is not None), (name, document)
            if opened is not None:
                allowed.add((name, document.subject))
        assert access.open_version(statements, people["clerk"].id, document.id, 99) is None
    assert ("outsider", ordinary.subject) not in allowed
    assert ("auditor", ordinary.subject) in allowed and ("auditor", "Mật") not in allowed
    assert ("home_b", "Gửi Sở Nội vụ") in allowed and ("home_b", "Gửi Sở Tài chính") not in allowed
    assert ("home_a", "Mật") in allowed and ("home_b", "Mật") not in allowed
