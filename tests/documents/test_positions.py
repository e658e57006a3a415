"""Reading positions: remembered per person and exact version, only for who may open it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from documents import circulation, errors, positions
from documents.models import ReadingPosition
from tests.documents.office_testkit import build_people, issued


@pytest.fixture
def office(make):
    return build_people(make)


@pytest.fixture
def sent(db, blobs, office):
    """An issued document (v1 the draft, v2 numbered) sent to the Sở Nội vụ."""
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
    db.commit()
    return document


def stored(db):
    return db.scalars(sa.select(ReadingPosition)).all()


def test_the_page_reached_is_remembered_per_person_and_per_version(db, office, sent):
    people = office[3]
    reader, colleague, clerk = people["home_a"], people["home_b"], people["clerk"]
    assert positions.remembered_page(db, reader, sent.id, 2) is None
    positions.remember_page(db, reader, sent.id, 2, 3)
    positions.remember_page(db, reader, sent.id, 2, 5)  # the last page turned wins
    positions.remember_page(db, clerk, sent.id, 1, 2)
    db.commit()
    assert positions.remembered_page(db, reader, sent.id, 2) == 5
    assert positions.remembered_page(db, colleague, sent.id, 2) is None
    assert positions.remembered_page(db, clerk, sent.id, 1) == 2
    assert positions.remembered_page(db, clerk, sent.id, 2) is None
    assert len(stored(db)) == 2


@pytest.mark.parametrize("page", [0, -1, positions.MAX_PAGE + 1, "2", 2.0, True, None])
def test_a_page_that_is_not_a_page_number_is_refused_and_nothing_stored(db, office, sent, page):
    with pytest.raises(errors.BadPage):
        positions.remember_page(db, office[3]["home_a"], sent.id, 2, page)
    assert stored(db) == []


@pytest.mark.parametrize(
    ("person", "number", "refusal"),
    [
        ("finance_a", 2, errors.NotAllowed),  # never sent this document
        ("home_a", 1, errors.NotAllowed),  # the draft before the version sent to them
        ("home_a", 9, errors.DocumentNotFound),
    ],
    ids=["outsider", "draft-not-sent", "no-such-version"],
)
def test_who_may_not_open_a_version_neither_stores_nor_reads_a_position_in_it(
    db, office, sent, person, number, refusal
):
    people = office[3]
    positions.remember_page(db, people["clerk"], sent.id, number if number < 9 else 1, 4)
    db.commit()
    with pytest.raises(refusal):
        positions.remember_page(db, people[person], sent.id, number, 2)
    with pytest.raises(refusal):
        positions.remembered_page(db, people[person], sent.id, number)
    assert [(p.user_id, p.page) for p in stored(db)] == [(people["clerk"].id, 4)]


def test_a_recalled_document_keeps_no_new_position(db, office, sent):
    people = office[3]
    positions.remember_page(db, people["home_a"], sent.id, 2, 3)
    circulation.recall(db, people["clerk"], sent, "Sai số liệu")
    db.commit()
    with pytest.raises(errors.DocumentRecalled):
        positions.remember_page(db, people["home_a"], sent.id, 2, 4)
    with pytest.raises(errors.DocumentRecalled):
        positions.remembered_page(db, people["home_a"], sent.id, 2)
    assert [p.page for p in stored(db)] == [3]
