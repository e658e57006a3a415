"""The quorum: how many members attend now against what the meeting kind's rule needs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from meetings.models import Meeting, Participant, ParticipantRole
from meetings.room.models import Attendance, Presence
from meetings.room.rules import KindRules, rules_for


@dataclass(frozen=True)
class Quorum:
    #: Members attending now (and, where the rule lets them, representatives in their place).
    present: int
    #: Members invited (not removed).
    members: int
    #: The fewest attending that make the quorum.
    needed: int
    rule: KindRules

    @property
    def reached(self) -> bool:
        return self.members > 0 and self.present >= self.needed

    def as_data(self) -> dict[str, object]:
        return {
            "present": self.present,
            "members": self.members,
            "needed": self.needed,
            "reached": self.reached,
        }


def attends_now(attendance: Attendance | None, rule: KindRules) -> bool:
    """Whether the attendance counts at this moment: in the room or online, or represented
    where the rule lets representatives stand in; not after leaving early."""
    if attendance is None or attendance.left_at is not None:
        return False
    if attendance.status in (Presence.PRESENT, Presence.ONLINE):
        return True
    return attendance.status is Presence.REPRESENTED and rule.representatives_vote


def count(meeting: Meeting, rows: Iterable[tuple[Participant, Attendance | None]]) -> Quorum:
    """The quorum of ``meeting`` from its current participants and their attendance."""
    rule = rules_for(meeting.kind)
    members = present = 0
    for participant, attendance in rows:
        if participant.role is not ParticipantRole.MEMBER or participant.removed_at is not None:
            continue
        members += 1
        present += attends_now(attendance, rule)
    return Quorum(present=present, members=members, needed=rule.needed(members), rule=rule)
