"""The one entry point every domain calls to record a security-relevant action.

Callers name people by account id only; personal data stays in the accounts tables.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from audit.models import AuditEvent
from audit.offline.canonical import MAX_SAFE_INTEGER
from core import groupcommit
from core.db import utcnow
from core.groupcommit import Write

ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$")
_JSON_SCALARS = (str, int, bool, type(None))
#: Set in ``session.info`` when the session recorded an event, so the app integrates afterwards.
RECORDED = "vanthu.audit.recorded"


class HasId(Protocol):
    id: Any


def record_event(
    session: Session,
    action: str,
    *,
    actor: HasId | int | None,
    subject: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
) -> str:
    """Write an event in ``session``'s transaction and return its id; it lasts if that commits.

    ``action`` is tagged "source:subject:action" (warehouse's convention) so auditors can filter
    by any part. Values must be JSON without floats and with integers within ±(2^53-1), because
    log leaves are canonical JSON (RFC 8785): an event the log could not encode would block it.
    Once committed, `audit.log.integrate` makes it a leaf of the log.
    """
    statement, row = event_write(action, actor=actor, subject=subject, details=details)
    session.connection().execute(statement, row)
    session.info[RECORDED] = True
    return str(row["event_id"])


def commit_event(
    session: Session,
    action: str,
    *,
    actor: HasId | int | None,
    subject: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
    along: Sequence[Write] = (),
) -> str:
    """Commit an event and the caller's ``along`` writes in one transaction, returning once
    stored; for writes so frequent that they share a transaction with other requests' (a group
    commit) instead of waiting for ``session``'s. The event is sequenced as ``session``'s are.
    ``session`` must hold no uncommitted writes: on SQLite their lock would stop this commit.
    """
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    event_id = commit_event_on(
        engine, action, actor=actor, subject=subject, details=details, along=along
    )
    session.info[RECORDED] = True
    return event_id


def commit_event_on(
    engine: Engine,
    action: str,
    *,
    actor: HasId | int | None,
    subject: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
    along: Sequence[Write] = (),
) -> str:
    """`commit_event` without an ORM session; the caller asks for sequencing afterwards
    (`audit.sequencer.after_recording`)."""
    statement, row = event_write(action, actor=actor, subject=subject, details=details)
    groupcommit.for_engine(engine).run([*along, (statement, row)])
    return str(row["event_id"])


def event_write(
    action: str,
    *,
    actor: HasId | int | None,
    subject: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
) -> Write:
    """The insert of one event, checked as `record_event` checks it, for a group commit."""
    if not ACTION_PATTERN.match(action):
        raise ValueError(f"audit action must look like 'source:subject:action', got {action!r}")
    actor_id = actor if isinstance(actor, int) or actor is None else int(actor.id)
    return _INSERT_EVENT, {
        "event_id": str(uuid.uuid4()),
        "action": action,
        "actor_id": actor_id,
        "subject": _plain(dict(subject or {})),
        "details": _plain(dict(details or {})),
        "occurred_at": utcnow(),
    }


#: A Core INSERT built once: cheaper than the unit of work on hot paths such as opening a file.
#: A database trigger queues each new row for the sequencer (see `audit.models.PendingEvent`).
_INSERT_EVENT = sa.insert(AuditEvent)


def _plain(value: Any) -> Any:
    """Check that ``value`` is JSON the log can hash canonically (no floats, string keys)."""
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("audit event keys must be strings")
        return {_text(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise ValueError(f"audit event integers stay within ±(2^53-1), got {value}")
        return value
    if isinstance(value, _JSON_SCALARS):
        return value
    raise TypeError(f"audit event values must be JSON scalars, not {type(value).__name__}")


def _text(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            "audit event text holds a lone surrogate, which JSON cannot carry"
        ) from None
    return value
