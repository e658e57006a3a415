"""Assignment to a lead unit and cooperating units, under the document's own due date, and the
reminder before the deadline passes (a periodic job, once per assignment and threshold)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from accounts.models import OutgoingMail, Role, UserNotification
from audit.models import AuditEvent
from core import jobs
from documents import access, assignments, circulation, deadlines, errors, returns
from documents.models import Assignment, AssignmentReminder, AssignmentState
from tests.conftest import login
from tests.documents.office_testkit import TODAY, build_people, issued

DUE = date(2026, 12, 10)
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
DAYS = (3, 1)


@pytest.fixture
def office(make):
    province, home, finance, people = build_people(make)
    people["leader"] = make.user("chutich.ubnd", roles=[Role.OFFICIAL, Role.LEADER], unit=province)
    people["finance_clerk"] = make.user(
        "vanthu.stc", roles=[Role.CLERK], unit=finance, email="vanthu.stc@example.test"
    )
    people["home_leader"] = make.user(
        "giamdoc.snv", roles=[Role.OFFICIAL, Role.LEADER], unit=home, email="gd.snv@example.test"
    )
    people["health"] = make.unit("Sở Y tế", parent=province, abbreviation="SYT")
    return province, home, finance, people


def received_and_passed_on(db, blobs, people, home, finance):
    """The province's clerk issues a document due DUE and sends it to two departments."""
    document = issued(db, blobs, people["clerk"], due_on=DUE)
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id, finance.id])
    db.commit()
    return document


def to_units(db, people, document, home, finance, **changes):
    fields = {
        "lead_unit_id": home.id,
        "cooperating_unit_ids": [finance.id],
        "today": TODAY,
        **changes,
    }
    return assignments.assign(db, people["home_clerk"], document, **fields)


def test_a_lead_unit_and_cooperating_units_with_the_documents_due_date(db, blobs, office):
    _, home, finance, people = office
    document = received_and_passed_on(db, blobs, people, home, finance)
    assignment = to_units(db, people, document, home, finance)
    db.commit()
    assert assignment.lead_id is None and assignment.lead_unit_id == home.id
    assert [u.unit_id for u in assignment.cooperating_units] == [finance.id]
    assert assignment.deadline == DUE  # the document's own due date
    event = db.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "documents:assignment:create")
    )
    assert event is not None
    assert event.details["lead_unit"] == home.id
    assert event.details["cooperating_units"] == [finance.id]
    # The units' clerks and leaders follow it on their tasks page; the lead unit reports.
    for person in ("home_leader", "finance_clerk"):
        assert [a.id for a in assignments.assignments_for(db, people[person])] == [assignment.id]
    assert assignments.assignments_for(db, people["home_a"]) == []
    with pytest.raises(errors.NotAllowed):
        assignments.report_progress(
            db, people["finance_clerk"], assignment, AssignmentState.DONE, ""
        )
    assignments.report_progress(
        db, people["home_leader"], assignment, AssignmentState.IN_PROGRESS, "Đang tổng hợp"
    )
    db.commit()


def test_a_deadline_after_the_documents_own_is_refused(db, blobs, office):
    _, home, finance, people = office
    document = received_and_passed_on(db, blobs, people, home, finance)
    with pytest.raises(errors.InvalidDocument):
        to_units(db, people, document, home, finance, deadline=DUE + timedelta(days=1))
    db.rollback()
    earlier = to_units(db, people, document, home, finance, deadline=DUE - timedelta(days=2))
    assert earlier.deadline == DUE - timedelta(days=2)


@pytest.mark.parametrize(
    "case", ["no_lead", "two_leads", "unit_not_sent", "unit_returned", "unknown_unit"]
)
def test_units_that_do_not_hold_the_document_cannot_be_assigned_it(db, blobs, office, case):
    _, home, finance, people = office
    document = issued(db, blobs, people["clerk"], due_on=DUE)
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id, finance.id])
    db.commit()
    changes: dict[str, object] = {}
    expected: type[Exception] = errors.NotAllowed
    if case == "no_lead":
        changes, expected = {"lead_unit_id": None}, errors.InvalidDocument
    elif case == "two_leads":
        changes, expected = {"lead_id": people["home_a"].id}, errors.InvalidDocument
    elif case == "unit_not_sent":
        changes = {"cooperating_unit_ids": [people["health"].id]}
    elif case == "unit_returned":
        returns.return_to_sender(db, people["finance_clerk"], document, "Sai địa chỉ nhận")
        db.commit()
    else:
        changes, expected = {"cooperating_unit_ids": [9999]}, errors.RecipientNotFound
    health_clerk_sees = access.can_view(db, people["outsider"], document)
    with pytest.raises(expected):
        to_units(db, people, document, home, finance, **changes)
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0
    assert access.can_view(db, people["outsider"], document) is health_clerk_sees


def test_only_a_clerk_or_leader_of_a_receiving_unit_assigns_to_units(db, blobs, office):
    _, home, finance, people = office
    document = received_and_passed_on(db, blobs, people, home, finance)
    for actor in ("home_a", "clerk", "leader"):  # an official; the sender's clerk and leader
        with pytest.raises(errors.NotAllowed):
            assignments.assign(db, people[actor], document, lead_unit_id=home.id, today=TODAY)
        db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0


def remind(db, now, today):
    sent = deadlines.send_due(db, today, DAYS, now=now, email=True, site_url="https://vanthu.test")
    db.commit()
    return sent


def reminded(db):
    return sorted(
        db.execute(
            sa.select(AssignmentReminder.assignment_id, AssignmentReminder.days_before)
        ).all()
    )


def test_a_reminder_goes_once_per_threshold_before_the_deadline(db, blobs, office):
    _, home, finance, people = office
    document = received_and_passed_on(db, blobs, people, home, finance)
    by_unit = to_units(db, people, document, home, finance)
    by_person = assignments.assign(
        db,
        people["home_clerk"],
        document,
        lead_id=people["home_a"].id,
        cooperator_ids=[people["home_b"].id],
        deadline=date(2026, 12, 8),
        today=TODAY,
    )
    db.commit()
    assert remind(db, NOW, date(2026, 12, 1)) == deadlines.Sent(0, 0)  # nothing within 3 days
    sent = remind(db, NOW, date(2026, 12, 5))  # the person's task: 3 days left
    assert sent.assignments == 1
    assert reminded(db) == [(by_person.id, 3)]
    assert remind(db, NOW, date(2026, 12, 5)) == deadlines.Sent(0, 0)  # idempotent
    assert remind(db, NOW, date(2026, 12, 6)) == deadlines.Sent(0, 0)
    remind(db, NOW, date(2026, 12, 7))  # one day left for the person; three for the units
    remind(db, NOW, date(2026, 12, 7))
    assert reminded(db) == sorted([(by_person.id, 1), (by_person.id, 3), (by_unit.id, 3)])
    # The units' clerks and leaders are told, the person's task its lead and cooperator;
    # in VanThu and by e-mail to those with an address. The second reminder of the person's
    # task refreshes the first, still live, instead of adding another.
    notes = db.execute(
        sa.select(UserNotification.user_id, UserNotification.params).where(
            UserNotification.kind == "assignment_due"
        )
    ).all()
    assert sorted(uid for uid, _ in notes) == sorted(
        [people[name].id for name in ("home_a", "home_b", "home_clerk", "home_leader")]
        + [people["finance_clerk"].id]
    )
    assert all(params["subject"] and params["number"] is not None for _, params in notes)
    mails = db.scalars(
        sa.select(OutgoingMail.user_id).where(OutgoingMail.kind == "assignment_due")
    ).all()
    assert sorted(mails) == sorted([people["home_leader"].id, people["finance_clerk"].id])
    events = db.scalars(
        sa.select(AuditEvent.details).where(AuditEvent.action == "documents:assignment:remind")
    ).all()
    assert len(events) == 3


def test_late_assignments_get_only_the_nearest_reminder_and_done_ones_none(db, blobs, office):
    _, home, finance, people = office
    document = received_and_passed_on(db, blobs, people, home, finance)
    late = to_units(db, people, document, home, finance, today=date(2026, 12, 9))
    finished = assignments.assign(
        db, people["home_clerk"], document, lead_id=people["home_a"].id, today=TODAY
    )
    assignments.report_progress(db, people["home_a"], finished, AssignmentState.DONE, "Xong")
    db.commit()
    remind(db, NOW, date(2026, 12, 9))
    assert reminded(db) == [(late.id, 1)]
    remind(db, NOW, date(2026, 12, 11))  # passed: no reminder after the deadline
    assert reminded(db) == [(late.id, 1)]


def test_the_reminder_job_is_a_periodic_task_of_the_queue(app):
    huey = jobs._queue(app).huey
    due = {t.name for t in huey.read_periodic(datetime(2026, 12, 4, 7, 0))}
    assert "vanthu.periodic.assignment_reminders" in due
    assert "vanthu.periodic.assignment_reminders" not in {
        t.name for t in huey.read_periodic(datetime(2026, 12, 4, 7, 1))
    }


def test_the_assign_page_takes_units_and_refuses_others(client, db, blobs, office):
    _, home, finance, people = office
    document = received_and_passed_on(db, blobs, people, home, finance)
    form = {"lead_unit": str(home.id), "cooperating_units": [str(finance.id)]}
    login(client, people["home_a"])
    assert client.post(f"/documents/{document.id}/assign", data=form).status_code == 403
    login(client, people["home_clerk"])
    neither = client.post(f"/documents/{document.id}/assign", data={"lead_unit": ""})
    assert neither.status_code == 400 and "chủ trì" in neither.get_data(as_text=True)
    assert client.post(f"/documents/{document.id}/assign", data=form).status_code == 302
    page = client.get("/tasks").get_data(as_text=True)
    assert home.name in page and finance.name in page


def test_the_lead_units_leader_passes_it_on_to_a_person_of_the_unit(db, blobs, office):
    _, home, finance, people = office
    document = received_and_passed_on(db, blobs, people, home, finance)
    to_units(db, people, document, home, finance)
    db.commit()
    mine = assignments.assign(
        db, people["home_leader"], document, lead_id=people["home_a"].id, today=TODAY
    )
    db.commit()
    assert mine.unit_id == home.id and mine.deadline == DUE
    assert [a.id for a in assignments.assignments_for(db, people["home_a"])] == [mine.id]
    with pytest.raises(errors.NotAllowed):  # a cooperating unit's clerk cannot pick home's staff
        assignments.assign(
            db, people["finance_clerk"], document, lead_id=people["home_b"].id, today=TODAY
        )


def live_reminders(db, user):
    db.expire_all()
    return db.scalars(
        sa.select(UserNotification).where(
            UserNotification.user_id == user.id,
            UserNotification.action == "handle",
            UserNotification.done_at.is_(None),
        )
    ).all()


def test_a_reminder_is_done_when_the_task_is_and_moot_when_the_document_is_recalled(
    db, blobs, office
):
    _, home, finance, people = office
    document = received_and_passed_on(db, blobs, people, home, finance)
    mine = assignments.assign(
        db, people["home_clerk"], document, lead_id=people["home_a"].id,
        deadline=date(2026, 12, 8), today=TODAY,
    )  # fmt: skip
    theirs = to_units(db, people, document, home, finance, deadline=date(2026, 12, 8))
    db.commit()
    remind(db, NOW, date(2026, 12, 7))
    [note] = live_reminders(db, people["home_a"])
    assert (note.subject_kind, note.subject_id) == ("assignment", mine.id)
    assert note.params["number"] == document.number_symbol
    assert len(live_reminders(db, people["finance_clerk"])) == 1

    assignments.report_progress(db, people["home_a"], mine, AssignmentState.DONE, "Xong")
    db.commit()
    assert live_reminders(db, people["home_a"]) == []
    assert db.get(UserNotification, note.id).done_at is not None
    assert len(live_reminders(db, people["finance_clerk"])) == 1  # another task, still open

    circulation.recall(db, people["clerk"], document, "Ban hành nhầm")
    db.commit()
    assert live_reminders(db, people["finance_clerk"]) == []
    assert theirs.state is not AssignmentState.DONE
