"""Rows behind the audit log: events as recorded, the queue of unsequenced ones, and the tree.

`AuditEvent` is written in the same transaction as the action it records, so an action and its
event commit or roll back together; the sequencer (`audit.log`) later turns it into a leaf.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, created_at, utcnow


class AuditEvent(Base):
    """A security-relevant action, as given to `record_event`."""

    __tablename__ = "audit_events"
    # Every index costs each event's insert (one per opening of a file): one on (actor, action)
    # serves "what did this person do" and the receipt lookup by person and action; a filter on
    # an action prefix (LIKE) could use no index on action anyway.
    __table_args__ = (sa.Index("ix_audit_events_actor_action", "actor_id", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(
        sa.String(36), unique=True, default=lambda: str(uuid.uuid4())
    )
    #: "source:subject:action", e.g. "accounts:session:login".
    action: Mapped[str] = mapped_column(sa.String(96))
    #: The account id of whoever acted; never a name, e-mail or address (the log is kept forever).
    actor_id: Mapped[int | None]
    subject: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class PendingEvent(Base):
    """An event committed but not yet in the log: the sequencer's work queue.

    Finding "events without a leaf" by an anti-join would read the whole history on every
    integration; this queue holds only the few rows still waiting, and loses them on sequencing.
    A trigger on audit_events fills it (migration 0003), so every event row is queued in the
    transaction that writes it, whoever writes it, at no extra round trip.
    """

    __tablename__ = "audit_pending"

    event_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_events.id"), primary_key=True)


class AuditLeaf(Base):
    """Entry ``seq`` of the Merkle log: the exact canonical JSON bytes that were hashed."""

    __tablename__ = "audit_leaves"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_events.id"), unique=True)
    leaf: Mapped[bytes] = mapped_column(sa.LargeBinary)
    #: SHA-256(0x00 || leaf): the level-0 node of the tree, kept so proofs need no re-hashing.
    leaf_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))


class AuditNode(Base):
    """A complete subtree of 2^level leaves starting at leaf index * 2^level (level >= 1)."""

    __tablename__ = "audit_nodes"

    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))


class AuditCheckpoint(Base):
    """A signed C2SP checkpoint of the log at ``size`` leaves, kept forever."""

    __tablename__ = "audit_checkpoints"

    size: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    #: The signed note exactly as served at /log/checkpoint.
    note: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[created_at]


#: The tree and its signed heads: written once, never changed (pending events are a queue).
APPEND_ONLY = (AuditLeaf, AuditNode, AuditCheckpoint)
_APPEND_ONLY_TABLES = frozenset(model.__table__ for model in APPEND_ONLY)


class AppendOnlyViolation(RuntimeError):
    """Code tried to change or remove a row of the append-only log: a bug, never a user error."""


@event.listens_for(Engine, "before_execute")
def _refuse_rewrites(_conn: sa.Connection, clause: Any, *_args: Any) -> None:
    """Refuse every UPDATE or DELETE statement on the log's tables, ORM or Core, on any engine.

    Someone with the database can still rewrite rows by hand; that is what checkpoints catch.
    """
    if isinstance(clause, sa.Update | sa.Delete) and clause.table in _APPEND_ONLY_TABLES:
        raise AppendOnlyViolation(f"{clause.table} rows are append-only")
