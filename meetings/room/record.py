"""What the minutes are drafted from: each part of the meeting's record, as text for the DOCX.

Attendance, speakers, votes and conflicts each register a builder here; the minutes call every
builder and lay the parts out, meeting-wide parts first, then each agenda item's in order. The
minutes therefore know nothing of how each part is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from meetings.models import Meeting


@dataclass(frozen=True)
class RecordPart:
    """One part of the record, in Vietnamese as it is printed in the minutes."""

    #: Where it goes among the parts of the same place (meeting-wide, or one item): lower first.
    order: int
    heading: str
    paragraphs: Sequence[str] = ()
    #: A table, first row the header; empty for none.
    table: Sequence[Sequence[str]] = ()
    #: The agenda item it belongs to; None for a meeting-wide part (attendance, quorum).
    item_id: int | None = None
    #: Anything an automated reader needs (the archive's JSON): plain JSON values only.
    data: dict[str, object] = field(default_factory=dict)


RecordBuilder = Callable[[Session, Meeting], Sequence[RecordPart]]
_builders: dict[str, RecordBuilder] = {}


def register_builder(name: str, builder: RecordBuilder) -> None:
    """Add (or replace, by name) a builder of record parts."""
    _builders[name] = builder


def record_parts(session: Session, meeting: Meeting) -> list[RecordPart]:
    """Every part of the meeting's record, meeting-wide first, then by item, each by its order."""
    parts = [part for name in sorted(_builders) for part in _builders[name](session, meeting)]
    return sorted(parts, key=lambda part: (part.item_id is not None, part.order, part.heading))
