"""When the room is open: a meeting's attendance, speakers and declarations are taken while it
is published or under way, never once it is closed or cancelled."""

from __future__ import annotations

from core.errors import N_
from meetings.errors import WrongState
from meetings.meetings import refuse_if_cancelled
from meetings.models import Meeting, MeetingStatus

RUNNING = (MeetingStatus.PUBLISHED, MeetingStatus.IN_PROGRESS)


def refuse_unless_running(meeting: Meeting) -> None:
    refuse_if_cancelled(meeting)
    if meeting.status not in RUNNING:
        raise WrongState(N_("This meeting is not under way: its room takes no changes now."))
