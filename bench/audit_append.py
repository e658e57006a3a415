"""Appending audit events to the Merkle log, against plain inserts of the same rows.

Measured: N `record_event` calls, a commit after each (the headline) or one commit for all (the
batched variant), then `integrate` until every event is a leaf, hashed, stored and checkpointed.
Baseline: INSERTs of the same rows into audit_events, committed the same way, same database,
same run. Also reported: sequencing after every commit, as the after-request hook does.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from hashlib import sha256
from typing import Any

import sqlalchemy as sa
from _setup import arguments, fresh_app, report
from sqlalchemy.orm import Session

from audit import record_event
from audit.config import log_settings
from audit.log import integrate
from audit.models import AuditEvent, PendingEvent
from core.db import get_engine, utcnow

ACTION = "documents:version:open"


def subject(i: int) -> dict[str, Any]:
    return {
        "document": 1000 + i % 97,
        "version": 1 + i % 3,
        "sha256": sha256(b"%d" % i).hexdigest(),
    }


def logged(session: Session, settings: Any, count: int, commit_each: bool, hook: bool) -> float:
    """Seconds to record ``count`` events and have them all sequenced into the log."""
    started = time.perf_counter()
    for i in range(count):
        record_event(session, ACTION, actor=1 + i % 500, subject=subject(i))
        if commit_each:
            session.commit()
            if hook:
                integrate(session, settings, wait=False)
    session.commit()
    integrate(session, settings)
    elapsed = time.perf_counter() - started
    assert session.scalar(sa.select(sa.func.count()).select_from(PendingEvent)) == 0
    return elapsed


def _plain_table() -> sa.Table:
    """audit_events as it was before the log: same columns and indexes, no queue trigger."""
    source = AuditEvent.__table__
    table = sa.Table("bench_plain_events", sa.MetaData(), *(c._copy() for c in source.columns))
    for index in source.indexes:
        sa.Index(f"bench_{index.name}", *(table.c[c.name] for c in index.columns))
    return table


PLAIN = _plain_table()


def plain(session: Session, count: int, commit_each: bool) -> float:
    """Seconds to INSERT the same rows into a copy of audit_events, nothing else."""
    insert = sa.insert(PLAIN)
    started = time.perf_counter()
    for i in range(count):
        session.connection().execute(
            insert,
            {
                "event_id": str(uuid.uuid4()),
                "action": ACTION,
                "actor_id": 1 + i % 500,
                "subject": subject(i),
                "details": {},
                "occurred_at": utcnow(),
            },
        )
        if commit_each:
            session.commit()
    session.commit()
    return time.perf_counter() - started


def rates(count: int, rounds: int, *runs: Callable[[], float]) -> list[float]:
    """Events per second of each run, median of ``rounds``; the runs take turns in each round so
    that a machine that gets busier or quieter during the benchmark weighs on all of them alike.
    """
    seconds: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for timings, run in zip(seconds, runs, strict=True):
            timings.append(run())
    return [count / statistics.median(timings) for timings in seconds]


def main() -> None:
    args = arguments(__doc__ or "", events=1000, rounds=5)
    app = fresh_app(args.database_url)
    with app.app_context():
        settings = log_settings()
    n, rounds = args.events, args.rounds
    PLAIN.create(get_engine(app))
    with Session(get_engine(app), expire_on_commit=False) as session:
        integrate(session, settings)  # the first checkpoint, outside the timings
        figures = {}
        for name, commit_each in (("commit_each", True), ("batched", False)):
            value, baseline, *hooked = rates(
                n,
                rounds,
                lambda c=commit_each: logged(session, settings, n, c, False),
                lambda c=commit_each: plain(session, n, c),
                *([lambda: logged(session, settings, n, True, True)] if commit_each else []),
            )
            figures[name] = {"value": value, "baseline": baseline, "ratio": value / baseline}
            if hooked:
                per_request = hooked[0]
        size = integrate(session, settings, force_checkpoint=True)
    headline, batched = figures["commit_each"], figures["batched"]
    report(
        "audit_append",
        headline["value"],
        "events/s",
        headline["baseline"],
        headline["ratio"],
        database=get_engine(app).dialect.name,
        events_per_round=n,
        rounds=rounds,
        batched={k: round(v, 3) for k, v in batched.items()},
        sequenced_after_each_commit={
            "value": round(per_request, 1),
            "ratio": round(per_request / headline["baseline"], 3),
        },
        log_size=size.size if size else None,
    )


if __name__ == "__main__":
    main()
