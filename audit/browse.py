"""The auditor's view of events: filtered, paginated lists and single entries with their leaf.

Each page costs a fixed number of queries, however many events the log holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from audit.errors import EntryNotFound
from audit.models import AuditCheckpoint, AuditEvent, AuditLeaf
from core.errors import N_

PER_PAGE = 50


@dataclass(frozen=True)
class EventFilter:
    """What an auditor narrows the events to; empty fields do not filter."""

    actor_id: int | None = None
    #: The documents asked for (a number/symbol may name several); None does not filter.
    documents: tuple[int, ...] | None = None
    meeting: int | None = None
    #: "documents" or "documents:version" or a whole action such as "accounts:session:login".
    action_prefix: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def clauses(self) -> list[sa.ColumnElement[bool]]:
        clauses: list[sa.ColumnElement[bool]] = []
        if self.actor_id is not None:
            clauses.append(AuditEvent.actor_id == self.actor_id)
        if self.documents is not None:
            ids = [str(value) for value in self.documents]
            clauses.append(AuditEvent.subject["document"].as_string().in_(ids))
        if self.meeting is not None:
            clauses.append(AuditEvent.subject["meeting"].as_string() == str(self.meeting))
        if self.action_prefix:
            prefix = self.action_prefix.rstrip(":")
            clauses.append(
                sa.or_(AuditEvent.action == prefix, AuditEvent.action.startswith(prefix + ":"))
            )
        if self.since is not None:
            clauses.append(AuditEvent.occurred_at >= self.since)
        if self.until is not None:
            clauses.append(AuditEvent.occurred_at < self.until)
        return clauses


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent
    #: Position in the log; None while the event waits to be sequenced.
    seq: int | None
    actor_name: str | None


@dataclass(frozen=True)
class EventPage:
    rows: list[EventRow]
    page: int
    has_next: bool


def list_events(session: Session, wanted: EventFilter, page: int = 1) -> EventPage:
    """Newest first, PER_PAGE at a time, in one query."""
    page = max(page, 1)
    query = (
        sa.select(AuditEvent, AuditLeaf.seq, User.full_name)
        .outerjoin(AuditLeaf, AuditLeaf.event_id == AuditEvent.id)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*wanted.clauses())
        .order_by(AuditEvent.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE + 1)
    )
    rows = [EventRow(event, seq, name) for event, seq, name in session.execute(query)]
    return EventPage(rows[:PER_PAGE], page, len(rows) > PER_PAGE)


def person_id(session: Session, text: str) -> int | None:
    """An account id typed as a number, or looked up by username; None if no such account."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    return session.scalar(sa.select(User.id).where(User.username == text))


@dataclass(frozen=True)
class LoggedEntry:
    """One leaf with the database row it came from, and whether the row still says the same."""

    seq: int
    leaf: bytes
    content: dict[str, Any]
    event: AuditEvent
    actor_name: str | None

    @property
    def row_matches(self) -> bool:
        """False when someone edited the event row after it was logged: the leaf is the truth."""
        actor = self.event.actor_id
        return (
            self.content.get("type") == self.event.action
            and self.content.get("actor") == (None if actor is None else str(actor))
            and self.content.get("subject") == self.event.subject
            and self.content.get("details") == self.event.details
        )


def get_entry(session: Session, seq: int) -> LoggedEntry:
    """Entry ``seq`` with its event row and the actor's name, in one query."""
    row = session.execute(
        sa.select(AuditLeaf.leaf, AuditEvent, User.full_name)
        .join(AuditEvent, AuditEvent.id == AuditLeaf.event_id)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditLeaf.seq == seq)
    ).first()
    if row is None:
        raise EntryNotFound(N_("The log has no entry %(seq)d."), seq=seq)
    leaf = bytes(row.leaf)
    try:
        content = json.loads(leaf)
    except ValueError:
        content = {}
    return LoggedEntry(seq, leaf, content if isinstance(content, dict) else {}, row[1], row[2])


def list_checkpoints(session: Session, page: int = 1) -> tuple[list[AuditCheckpoint], bool]:
    """Newest first, PER_PAGE at a time, and whether there are older ones."""
    page = max(page, 1)
    rows = list(
        session.scalars(
            sa.select(AuditCheckpoint)
            .order_by(AuditCheckpoint.size.desc())
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE + 1)
        )
    )
    return rows[:PER_PAGE], len(rows) > PER_PAGE
