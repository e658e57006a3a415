"""Group commit: concurrent small writes share transactions, and nobody's rows are lost."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from audit.services import event_write
from core.db import get_engine
from core.direct import DirectStatements
from core.groupcommit import CommitInterrupted, GroupCommitter, _Request


@pytest.fixture
def committer(app):
    return GroupCommitter(DirectStatements(get_engine(app)))


def opened(n: int):
    return event_write("documents:version:open", actor=None, subject={"document": n})


def stored_subjects(db) -> list[int]:
    rows = db.scalars(sa.select(AuditEvent.subject).order_by(AuditEvent.id)).all()
    return [row["document"] for row in rows]


class Interrupted(BaseException):
    """What a signal or a killed worker raises in the committing thread: not an Exception."""


class WatchedCondition(threading.Condition):
    """The committer's condition, telling the test which threads have waited in it."""

    def __init__(self) -> None:
        super().__init__()
        self.waited: set[int] = set()

    def wait(self, timeout: float | None = None) -> bool:
        if threading.get_ident() not in self.waited:
            self.waited.add(threading.get_ident())
            self.notify_all()
        return super().wait(timeout)


class HeldCommitter(GroupCommitter):
    """Holds its first transaction until released, so that the next callers queue up behind it."""

    def __init__(self, statements: DirectStatements, interrupt_batch: int | None = None) -> None:
        super().__init__(statements)
        self._condition = WatchedCondition()
        self.entered, self.release = threading.Event(), threading.Event()
        self.transactions: list[int] = []
        self.interrupt_batch = interrupt_batch

    def _transaction(self, writes):
        self.transactions.append(len(writes))
        if len(self.transactions) == 1:
            self.entered.set()
            assert self.release.wait(30)
        if len(self.transactions) == self.interrupt_batch:
            raise Interrupted
        super()._transaction(writes)

    def wait_for_queue(self, callers: list[threading.Thread]) -> None:
        """Return once every caller waits behind the held transaction (fails if they never do)."""
        with self._condition:
            queued = self._condition.wait_for(
                lambda: {c.ident for c in callers} <= self._condition.waited, timeout=30
            )
        assert queued, "callers did not wait for the transaction in progress"


def count_rows(engine: sa.Engine, n: int) -> int:
    """Rows of document ``n`` seen from a connection of its own (only committed rows)."""
    with engine.connect() as connection:
        return connection.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.subject["document"].as_integer() == n)
        )


def start_callers(committer: GroupCommitter, numbers: range, outcomes: dict[int, object]):
    """One thread per number, each running its own write; ``outcomes`` gets what each saw."""

    def caller(n: int) -> None:
        try:
            committer.run([opened(n)])
            # Committed before run returned: visible to another connection at once.
            outcomes[n] = count_rows(committer.engine, n)
        except BaseException as error:
            outcomes[n] = error

    threads = [threading.Thread(target=caller, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    return threads


def test_callers_arriving_during_a_commit_share_the_next_one(app, db):
    committer = HeldCommitter(DirectStatements(get_engine(app)))
    outcomes: dict[int, object] = {}
    [first] = start_callers(committer, range(1), outcomes)
    assert committer.entered.wait(30)
    others = start_callers(committer, range(1, 8), outcomes)
    committer.wait_for_queue(others)
    assert outcomes == {}  # nobody returns while the transaction ahead of theirs is running
    committer.release.set()
    for thread in [first, *others]:
        thread.join()
    assert outcomes == {n: 1 for n in range(8)}  # each saw its own row committed on return
    assert committer.transactions == [1, 7]
    assert committer.batches == 2


def test_callers_waiting_on_an_interrupted_commit_get_an_error(app, db):
    committer = HeldCommitter(DirectStatements(get_engine(app)), interrupt_batch=2)
    outcomes: dict[int, object] = {}
    [first] = start_callers(committer, range(1), outcomes)
    assert committer.entered.wait(30)
    others = start_callers(committer, range(1, 5), outcomes)
    committer.wait_for_queue(others)
    committer.release.set()
    for thread in [first, *others]:
        thread.join()
    assert committer.transactions == [1, 4]
    assert outcomes[0] == 1
    interrupted = [outcomes[n] for n in range(1, 5)]
    # The thread that was committing sees the interruption itself, the others an error saying so.
    assert sum(isinstance(o, Interrupted) for o in interrupted) == 1
    assert sum(isinstance(o, CommitInterrupted) for o in interrupted) == 3
    assert stored_subjects(db) == [0]
    # The committer is usable again afterwards.
    committer.run([opened(9)])
    assert stored_subjects(db) == [0, 9]


def test_a_failing_caller_fails_alone_and_leaves_nothing(committer, db):
    duplicate = opened(1)
    committer.run([duplicate])
    good, bad, other = (
        _Request([opened(2)]),
        _Request([opened(3), duplicate]),
        _Request([opened(4)]),
    )
    committer._commit([good, bad, other])  # one batch, as if all three had queued together
    assert good.done and bad.done and other.done
    assert good.error is None and other.error is None
    assert isinstance(bad.error, committer.engine.dialect.loaded_dbapi.IntegrityError)
    assert sorted(stored_subjects(db)) == [1, 2, 4]  # 3 went with its caller's failed row


def test_run_raises_the_callers_own_error(committer, db):
    row = opened(7)
    committer.run([row])
    with pytest.raises(committer.engine.dialect.loaded_dbapi.IntegrityError):
        committer.run([opened(8), row])
    assert stored_subjects(db) == [7]
