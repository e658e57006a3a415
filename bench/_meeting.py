"""A meeting office for the meeting benchmarks: a city, one unit of members, its clerk (the
secretary) and its chair, all signing in with one throw-away password."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import _setup  # noqa: F401 - puts the project on the path first
import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import Role, Unit, UnitKind, User, UserRole
from accounts.passwords import hash_password
from core.clock import VIETNAM
from meetings import meetings, participants
from meetings.models import Meeting, MeetingKind

PASSWORD = "benchmark password"  # noqa: S105 - throw-away accounts of a temporary database
#: A fixed day: the benchmarks never depend on today.
STARTS = datetime(2026, 12, 10, 8, 0, tzinfo=VIETNAM)


@dataclass
class MeetingOffice:
    province: Unit
    members: Unit
    clerk: User
    chair: User


def office(session: Session, people: int, *, chair_signs_in: bool = True) -> MeetingOffice:
    """The city, a unit of ``people`` members (member0000...), "clerk" and "chair"."""
    password_hash = hash_password(PASSWORD, "fast")
    province = Unit(code="CT", name="UBND thành phố", abbreviation="UBND", kind=UnitKind.PROVINCE)
    members = Unit(code="SNV", name="Sở Nội vụ", abbreviation="SNV", kind=UnitKind.DEPARTMENT)
    members.parent = province
    clerk = User(
        username="clerk",
        full_name="Văn thư",
        unit=province,
        password_hash=password_hash,
        role_rows=[UserRole(role=Role.CLERK)],
    )
    chair = User(
        username="chair",
        full_name="Chủ tịch",
        unit=province,
        password_hash=password_hash if chair_signs_in else "",
        role_rows=[UserRole(role=Role.OFFICIAL)],
    )
    session.add_all([province, members, clerk, chair])
    session.flush()
    session.execute(
        sa.insert(User),
        [
            {
                "username": f"member{i:04d}",
                "full_name": f"Thành viên {i}",
                "title": "Ủy viên",
                "unit_id": members.id,
                "password_hash": password_hash,
            }
            for i in range(people)
        ],
    )
    return MeetingOffice(province, members, clerk, chair)


def meeting_of(session: Session, at: MeetingOffice, title: str, **details: str) -> Meeting:
    """A four-hour People's Committee meeting on `STARTS`, its members invited."""
    (meeting,) = meetings.create(
        session,
        at.clerk,
        meetings.MeetingData(
            title=title,
            kind=MeetingKind.PEOPLES_COMMITTEE,
            starts_at=STARTS,
            ends_at=STARTS + timedelta(hours=4),
            chair_id=at.chair.id,
            secretary_id=at.clerk.id,
            **details,  # type: ignore[arg-type]
        ),
    )
    participants.add_people(session, at.clerk, meeting, unit_ids=[at.members.id])
    return meeting
