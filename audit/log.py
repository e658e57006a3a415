"""The sequencer: turns queued audit events into leaves of the Merkle log and signs checkpoints.

One integrator at a time, under a database lock: one sequence, no gaps, no duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from audit import tree
from audit.config import LogSettings
from audit.errors import LogInconsistent, ProofError
from audit.models import AuditCheckpoint, AuditEvent, AuditLeaf, AuditNode, PendingEvent
from audit.offline.canonical import canonical_json_fast, parse_integral_json
from audit.offline.merkle import (
    CompactRange,
    NodeGetter,
    consistency_proof,
    leaf_hash,
    verify_consistency,
)
from audit.offline.note import sign_checkpoint
from core import direct, sqlite
from core.db import utcnow

#: Key of the PostgreSQL advisory lock that integrators share ("VANTHULG" in ASCII).
LOCK_KEY = 0x56414E5448554C47
#: Queued events read per round trip; a round appends them all in the same transaction.
BATCH = 2000
LEAF_VERSION = 1
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass(frozen=True)
class Integration:
    """What one call of `integrate` did."""

    appended: int
    size: int
    #: The size of the checkpoint signed by this call, if it signed one.
    checkpoint: int | None


def integrate(
    session: Session,
    settings: LogSettings,
    *,
    wait: bool = True,
    force_checkpoint: bool = False,
    covering: int | None = None,
    now: datetime | None = None,
) -> Integration | None:
    """Append every queued event to the log in one transaction, sign a checkpoint if due, commit.

    Call it on a session with no uncommitted work. ``wait=False`` gives up at once (returning
    None) when another process or thread is integrating, so nobody queues behind another's
    integration; the events it would have taken join that one or the next.
    A checkpoint is signed when the tree grew and the last one is older than the configured
    interval, or whenever the tree grew if ``force_checkpoint``, or when entry ``covering`` is
    not yet in any checkpoint. Raises LogInconsistent, changing nothing, if the stored tree
    does not extend the last checkpoint.
    """
    now = now or utcnow()
    with _integrators_lock(session, wait) as got:
        if not got:
            session.rollback()
            return None
        try:
            head = _Head.load(session)
            appended = 0
            while events := _pending(session):
                _append(session, head, events, now)
                appended += len(events)
                if len(events) < BATCH:
                    break
            last = head.checkpoint
            if covering is not None and (last is None or last.size <= covering):
                force_checkpoint = True
            signed = (
                _checkpoint(session, settings, head, now)
                if _due(head, settings, now, force_checkpoint)
                else None
            )
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return Integration(appended, head.size, signed)


@contextmanager
def _integrators_lock(session: Session, wait: bool) -> Iterator[bool]:
    """Be the only integrator for the block; False if ``wait`` is off and another is.

    PostgreSQL: an advisory lock for the transaction. SQLite: a lock file beside the database,
    so that the log is read and its leaves hashed before the write lock is taken; every other
    writer waits only for the inserts and the commit, not for the hashing.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        function = sa.func.pg_advisory_xact_lock if wait else sa.func.pg_try_advisory_xact_lock
        got = connection.execute(sa.select(function(LOCK_KEY))).scalar()
        yield wait or bool(got)
        return
    with sqlite.side_lock(connection.engine, "log-integrator", wait=wait) as got:
        yield got


class _Pending(NamedTuple):
    id: int
    event_id: str
    action: str
    actor_id: int | None
    subject: dict[str, Any]
    details: dict[str, Any]


def _pending(session: Session) -> list[_Pending]:
    """The next queued events, oldest first. Read straight on the driver, as their JSON is
    parsed once here rather than twice: sequencing runs all day on a busy log."""
    connection = session.connection()
    rows = direct.for_engine(connection.engine).rows_on(connection, _PENDING, {"limit": BATCH})
    return [
        _Pending(
            id,
            event_id,
            action,
            actor_id,
            parse_integral_json(subject),
            parse_integral_json(details),
        )
        for id, event_id, action, actor_id, subject, details in rows
    ]


_PENDING = (
    sa.select(
        AuditEvent.id,
        AuditEvent.event_id,
        AuditEvent.action,
        AuditEvent.actor_id,
        sa.cast(AuditEvent.subject, sa.Text),
        sa.cast(AuditEvent.details, sa.Text),
    )
    .join(PendingEvent, PendingEvent.event_id == AuditEvent.id)
    .order_by(PendingEvent.event_id)
    .limit(sa.bindparam("limit"))
)
_LAST_LEAF = (
    sa.select(AuditLeaf.seq, AuditLeaf.leaf, AuditLeaf.leaf_hash)
    .order_by(AuditLeaf.seq.desc())
    .limit(1)
    .subquery()
)
_LAST_CHECKPOINT = (
    sa.select(AuditCheckpoint.size, AuditCheckpoint.root, AuditCheckpoint.created_at)
    .order_by(AuditCheckpoint.size.desc())
    .limit(1)
    .subquery()
)
#: The last leaf and the last checkpoint, either possibly missing, in one round trip.
_HEAD = (
    sa.select(
        _LAST_LEAF.c.seq,
        _LAST_LEAF.c.leaf,
        _LAST_LEAF.c.leaf_hash,
        _LAST_CHECKPOINT.c.size,
        _LAST_CHECKPOINT.c.root,
        _LAST_CHECKPOINT.c.created_at,
    )
    .select_from(sa.select(sa.literal(1).label("one")).subquery("anchor"))
    .outerjoin(_LAST_LEAF, sa.true())
    .outerjoin(_LAST_CHECKPOINT, sa.true())
)


@dataclass(frozen=True)
class _CheckpointHead:
    size: int
    root: bytes
    created_at: datetime


@dataclass
class _Head:
    """The log as the sequencer needs it: size, last entry, last checkpoint, compact range.

    The compact range is read only when something is appended or signed, so a read of the log
    that finds nothing queued costs two queries after the lock.
    """

    size: int
    last_leaf: bytes | None
    last_hash: bytes | None
    checkpoint: _CheckpointHead | None
    _range: CompactRange | None = None

    @classmethod
    def load(cls, session: Session) -> _Head:
        row = session.connection().execute(_HEAD).one()
        size = 0 if row.seq is None else row.seq + 1
        checkpoint = (
            None if row.size is None else _CheckpointHead(row.size, bytes(row.root), row.created_at)
        )
        if checkpoint is not None and checkpoint.size > size:
            raise LogInconsistent(
                f"the log signed {checkpoint.size} entries but holds {size}: entries were removed"
            )
        if row.seq is None:
            return cls(size, None, None, checkpoint)
        return cls(size, bytes(row.leaf), bytes(row.leaf_hash), checkpoint)

    def compact_range(self, session: Session) -> CompactRange:
        """The stored peaks, checked against the last checkpoint when it has the same size."""
        if self._range is not None:
            return self._range
        size, last_hash = self.size, self.last_hash

        def peaks(stored: NodeGetter) -> CompactRange:
            # The level-0 peak, if any, is the last leaf, already read: only inner nodes are.
            return CompactRange.from_nodes(
                size,
                lambda level, index: (
                    last_hash if level == 0 and last_hash else stored(level, index)
                ),
            )

        try:
            compact = tree.compute(session, peaks)
        except ProofError as e:
            raise LogInconsistent(e.message) from None
        last = self.checkpoint
        if last is not None and last.size == size and compact.root() != last.root:
            raise LogInconsistent(f"the stored tree no longer has the root signed at size {size}")
        self._range = compact
        return compact

    def recorded_at(self) -> str:
        """The time of the last entry, "" for an empty log."""
        if self.last_leaf is None:
            return ""
        try:
            return str(json.loads(self.last_leaf)["recorded_at"])
        except (ValueError, KeyError, TypeError):
            raise LogInconsistent("the last leaf of the log is not a readable entry") from None


def _append(session: Session, head: _Head, events: Sequence[_Pending], now: datetime) -> None:
    """Make leaves of ``events`` in order and store them with the inner nodes they complete."""
    # Stamped at sequencing and never earlier than the entry before, even if a clock steps back.
    recorded_at = max(head.recorded_at(), now.strftime(_TIME_FORMAT))
    compact = head.compact_range(session)
    leaves: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    for event in events:
        seq = compact.size
        leaf = canonical_json_fast(
            {
                "v": LEAF_VERSION,
                "seq": seq,
                "id": event.event_id,
                "type": event.action,
                "recorded_at": recorded_at,
                "actor": None if event.actor_id is None else str(event.actor_id),
                "subject": event.subject or {},
                "details": event.details or {},
            },
            floats_refused=True,  # subject and details were parsed refusing them
        )
        hashed = leaf_hash(leaf)
        leaves.append({"seq": seq, "event_id": event.id, "leaf": leaf, "leaf_hash": hashed})
        head.last_leaf, head.last_hash = leaf, hashed
        nodes += [
            {"level": n.level, "index": n.index, "hash": n.hash} for n in compact.append(hashed)[1:]
        ]
    connection = session.connection()
    statements = direct.for_engine(connection.engine)
    statements.insert_on(connection, _LEAVES, leaves)
    if nodes:
        statements.insert_on(connection, _NODES, nodes)
    ids = [e.id for e in events]
    if connection.dialect.name == "postgresql":  # one array: one plan whatever the count
        statements.run_on(connection, _UNQUEUE_ALL, [{"ids": ids}])
    else:  # a loop in C over one prepared statement
        statements.run_on(connection, _UNQUEUE_ONE, [{"id": id} for id in ids])
    head.size = compact.size


# Built once: sequencing runs all day on a busy log.
_LEAVES = cast(sa.Table, AuditLeaf.__table__)
_NODES = cast(sa.Table, AuditNode.__table__)
_UNQUEUE_ONE = sa.delete(PendingEvent).where(PendingEvent.event_id == sa.bindparam("id"))
_UNQUEUE_ALL = sa.delete(PendingEvent).where(
    PendingEvent.event_id == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.Integer)))
)


def _due(head: _Head, settings: LogSettings, now: datetime, force: bool) -> bool:
    last = head.checkpoint
    if last is None:
        return True  # the first checkpoint, even of the empty tree: /log/checkpoint needs one
    if head.size == last.size:
        return False
    return force or (now - last.created_at).total_seconds() >= settings.checkpoint_seconds


def _checkpoint(session: Session, settings: LogSettings, head: _Head, now: datetime) -> int:
    """Sign the tree head, after proving from stored nodes that it extends the last checkpoint."""
    size, root, last = head.size, head.compact_range(session).root(), head.checkpoint
    if last is not None and last.size > 0:
        try:
            proof = tree.compute(session, lambda get: consistency_proof(last.size, size, get))
            verify_consistency(last.size, size, proof, last.root, root)
        except ProofError as e:
            raise LogInconsistent(
                f"refusing to sign size {size}: not consistent with the checkpoint at size "
                f"{last.size} ({e.message})"
            ) from None
    note = sign_checkpoint(settings.signer, settings.origin, size, root)
    session.connection().execute(
        sa.insert(AuditCheckpoint), {"size": size, "root": root, "note": note, "created_at": now}
    )
    head.checkpoint = _CheckpointHead(size, root, now)
    return size
