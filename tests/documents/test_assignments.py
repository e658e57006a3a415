"""Assignments: delivered to the people assigned, overdue tasks, progress."""

from __future__ import annotations

from datetime import date

import pytest

from documents import assignments, errors, inbox
from documents.models import AssignmentState
from tests.documents.office_testkit import TODAY, build_people, issued


@pytest.fixture
def office(make):
    return build_people(make)


def test_assignment_delivers_and_shows_overdue(db, blobs, office):
    _, _home, _, people = office
    document = issued(db, blobs, people["clerk"])
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
    assert {e.document.id for e in inbox.inbox(db, people["home_b"])} == {document.id}
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
