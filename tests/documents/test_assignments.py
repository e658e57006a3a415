"""Assignments: a receiving unit's clerk gives a document to its people; it grants nothing."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from accounts.models import Role
from documents import access, assignments, circulation, errors
from documents.assignment_models import Assignment, AssignmentState
from tests.documents.office_testkit import TODAY, build_people, issued


@pytest.fixture
def office(make):
    return build_people(make)


def sent_to_home(db, blobs, people):
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[people["home_a"].unit_id])
    db.commit()
    return document


def test_a_receiving_clerk_assigns_within_the_unit_and_overdue_tasks_show(db, blobs, office):
    _, _home, _, people = office
    document = sent_to_home(db, blobs, people)
    assignment = assignments.assign(
        db,
        people["home_clerk"],
        document,
        lead_id=people["home_a"].id,
        cooperator_ids=[people["home_b"].id],
        deadline=TODAY,
        today=TODAY,
    )
    db.commit()
    later = date(2026, 12, 1)
    overdue = assignments.assignments_for(db, people["home_a"], overdue_on=later)
    assert [a.id for a in overdue] == [assignment.id]
    with pytest.raises(errors.NotAllowed):
        assignments.report_progress(db, people["home_b"], assignment, AssignmentState.DONE, "")
    assignments.report_progress(
        db, people["home_a"], assignment, AssignmentState.DONE, "Đã báo cáo"
    )
    db.commit()
    assert assignments.assignments_for(db, people["home_a"], overdue_on=later) == []
    with pytest.raises(errors.InvalidDocument):
        assignments.assign(
            db,
            people["home_clerk"],
            document,
            lead_id=people["home_a"].id,
            deadline=date(2020, 1, 1),
            today=TODAY,
        )


@pytest.mark.parametrize(
    ("actor", "lead"),
    [
        ("home_a", "home_b"),  # a recipient official is not the unit's clerk
        ("home_clerk", "finance_a"),  # a person of another unit
        ("finance_a", "finance_a"),  # a unit the document was never sent to
        ("clerk", "chairman"),  # the issuing unit gave it away, it did not receive it
    ],
)
def test_assignment_outside_the_receiving_unit_is_refused_and_grants_nothing(
    db, blobs, office, actor, lead
):
    _, _, _, people = office
    document = sent_to_home(db, blobs, people)
    could_see = access.can_view(db, people[lead], document)
    with pytest.raises(errors.NotAllowed):
        assignments.assign(db, people[actor], document, lead_id=people[lead].id, today=TODAY)
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0
    assert access.can_view(db, people[lead], document) is could_see


def test_people_who_may_not_open_the_document_cannot_be_assigned_it(db, blobs, office, make):
    _, home, _, people = office
    document = sent_to_home(db, blobs, people)
    newcomer = make.user("moi.snv", unit=home)  # joined after the document was sent
    with pytest.raises(errors.NotAllowed):
        assignments.assign(db, people["home_clerk"], document, lead_id=newcomer.id, today=TODAY)
    db.rollback()
    assert not access.can_view(db, newcomer, document)
    assert db.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0


def test_a_receiving_units_leader_assigns_and_follows_the_units_tasks(db, blobs, office, make):
    _, home, finance, people = office
    leader = make.user("giamdoc.snv", roles=[Role.OFFICIAL, Role.LEADER], unit=home)
    other_leader = make.user("giamdoc.stc", roles=[Role.OFFICIAL, Role.LEADER], unit=finance)
    document = sent_to_home(db, blobs, people)
    with pytest.raises(errors.NotAllowed):
        assignments.assign(db, other_leader, document, lead_id=people["home_a"].id, today=TODAY)
    db.rollback()
    by_leader = assignments.assign(db, leader, document, lead_id=people["home_a"].id, today=TODAY)
    by_clerk = assignments.assign(
        db, people["home_clerk"], document, lead_id=people["home_b"].id, today=TODAY
    )
    db.commit()
    assert [a.id for a in assignments.assignments_for(db, leader)] == [by_leader.id, by_clerk.id]
    assert assignments.assignments_for(db, other_leader) == []
