"""Group commit: concurrent small writes share transactions, and nobody's rows are lost."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from audit.services import event_write
from core.db import get_engine
from core.direct import DirectStatements
from core.groupcommit import GroupCommitter, _Request


@pytest.fixture
def committer(app):
    return GroupCommitter(DirectStatements(get_engine(app)))


def opened(n: int):
    return event_write("documents:version:open", actor=None, subject={"document": n})


def stored_subjects(db) -> list[int]:
    rows = db.scalars(sa.select(AuditEvent.subject).order_by(AuditEvent.id)).all()
    return [row["document"] for row in rows]


def test_every_caller_returns_only_with_its_rows_committed(committer, db):
    barrier = threading.Barrier(8)
    failures: list[BaseException] = []

    def caller(first: int) -> None:
        barrier.wait()
        try:
            for n in range(first, first + 25):
                committer.run([opened(n)])
                # Committed before run returned: visible to another connection at once.
                with committer.engine.connect() as connection:
                    assert connection.scalar(
                        sa.select(sa.func.count())
                        .select_from(AuditEvent)
                        .where(AuditEvent.subject["document"].as_integer() == n)
                    )
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=caller, args=(i * 100,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(stored_subjects(db)) == sorted(i * 100 + n for i in range(8) for n in range(25))
    assert committer.batches <= 200


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
