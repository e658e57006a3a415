"""Reading a room's live stream in tests: the Flask test client's streamed response, frame by
frame, and a meeting ready to run."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from meetings.models import Meeting, MeetingStatus
from tests.meetings.conftest import add_item, invite, new_meeting, publish

#: The tests' heartbeat (seconds): a waiting stream answers quickly.
HEARTBEAT = 0.05
#: Frames read, at most, while waiting for one event (heartbeats included): some seconds.
PATIENCE = 200


@dataclass(frozen=True)
class Frame:
    id: str | None = None
    event: str | None = None
    data: Any = None
    comment: str | None = None
    retry: str | None = None


def parse(chunk: bytes) -> Frame:
    assert chunk.endswith(b"\n\n"), chunk
    fields: dict[str, Any] = {}
    for line in chunk.decode().rstrip("\n").split("\n"):
        if line.startswith(":"):
            fields["comment"] = line[1:].strip()
            continue
        name, _, value = line.partition(": ")
        fields[name] = json.loads(value) if name == "data" else value
    return Frame(**fields)


class StreamReader:
    """The frames of a streamed response, one per chunk the stream yields."""

    def __init__(self, response: Any) -> None:
        assert response.status_code == 200, response.status_code
        self.response = response
        self._chunks = iter(response.response)

    def next(self) -> Frame:
        return parse(next(self._chunks))

    def next_event(self) -> Frame:
        """The next frame that is not a heartbeat."""
        for _ in range(PATIENCE):
            frame = self.next()
            if frame.comment is None:
                return frame
        raise AssertionError("no event arrived")

    def rest(self) -> list[Frame]:
        """Every frame until the stream ends by itself."""
        return [parse(chunk) for chunk in self._chunks]

    def close(self) -> None:
        self.response.close()


def open_stream(client: Any, meeting_id: int, **headers: str) -> StreamReader:
    reader = StreamReader(
        client.get(f"/meetings/{meeting_id}/room/stream", headers=headers, buffered=False)
    )
    assert reader.next().retry is not None
    return reader


@dataclass
class Running:
    meeting: Meeting
    first: Any
    second: Any


def running_meeting(db: Any, office: Any) -> Running:
    """A published meeting in progress, with two items (10 and 0 minutes planned) and home_a
    invited; its chair is the chairman, its secretary the clerk."""
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    first = add_item(db, office, meeting, "Báo cáo kinh tế - xã hội", duration_minutes=10)
    second = add_item(db, office, meeting, "Kế hoạch đầu tư công")
    publish(db, office, meeting)
    meeting.status = MeetingStatus.IN_PROGRESS
    db.commit()
    return Running(meeting, first, second)
