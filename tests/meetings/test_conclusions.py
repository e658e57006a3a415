"""Conclusions of a meeting's items: versioned, audited and announced; refused, with nothing
stored, when a member writes one or when it is bad."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from meetings import conclusions
from meetings.conclusions import ConclusionData
from meetings.errors import BadConclusion, NotAllowed, StaleConclusion
from meetings.room import events
from tests.meetings.conftest import SIGNING_CONFIG, conclude


@pytest.fixture
def app_config():
    return dict(SIGNING_CONFIG)


def test_a_conclusion_is_versioned_audited_and_announced(db, office, held):
    meeting, first, _ = held
    row = conclude(db, office, meeting, first, "Thống nhất báo cáo.")
    assert row.version == 1
    row = conclude(db, office, meeting, first, "Thống nhất báo cáo, bổ sung số liệu.", version=1)
    assert (row.version, row.text) == (2, "Thống nhất báo cáo, bổ sung số liệu.")
    with pytest.raises(StaleConclusion):
        conclude(db, office, meeting, first, "Bản cũ ghi đè", version=1)
    db.rollback()
    assert conclusions.of_meeting(db, meeting)[first.id].text.endswith("bổ sung số liệu.")
    kinds = [e.kind for e in events.events_after(db, meeting.id, 0)]
    assert kinds.count("minutes.changed") == 2
    audited = db.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action == "meetings:conclusion:update")
    ).all()
    assert len(audited) == 2


def test_a_member_cannot_write_a_conclusion(db, office, held):
    meeting, first, _ = held
    with pytest.raises(NotAllowed):
        conclusions.conclude(
            db, office.home_a, meeting, first.id, ConclusionData("Tự kết luận"), expected_version=0
        )
    db.rollback()
    assert conclusions.of_meeting(db, meeting) == {}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (ConclusionData(""), "Write the conclusion"),
        (ConclusionData("x" * 4001), "too long"),
        (ConclusionData("Giao", owner_user_id=1, owner_unit_id=1), "not both"),
        (ConclusionData("Hạn", due_on=date(2027, 1, 5)), "needs someone"),
        (ConclusionData("Giao", owner_user_id=999_999), "does not exist"),
    ],
)
def test_a_bad_conclusion_is_refused_and_nothing_stored(db, office, held, data, message):
    meeting, first, _ = held
    with pytest.raises(BadConclusion, match=message):
        conclusions.conclude(db, office.clerk, meeting, first.id, data, expected_version=0)
    db.rollback()
    assert conclusions.of_meeting(db, meeting) == {}
    assert events.events_after(db, meeting.id, 0) == []


def test_a_due_date_before_the_meeting_is_refused(db, office, held):
    meeting, first, _ = held
    data = ConclusionData("Giao", owner_unit_id=office.finance.id, due_on=date(2026, 12, 9))
    with pytest.raises(BadConclusion, match="before the meeting"):
        conclusions.conclude(db, office.clerk, meeting, first.id, data, expected_version=0)
