"""Group commit: small writes from many request threads share one transaction.

A province opening its meeting packs at once means hundreds of tiny writes a second (a read
receipt and its audit event each). Committing each alone makes every request wait for the
database's write lock and its flush; here the first thread to arrive commits everything queued
so far, and the others, which arrived while it worked, go together in the next transaction.
Nobody returns before their own writes are committed, so nothing is lost when the process dies.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core import direct
from core.direct import DirectStatements

logger = logging.getLogger(__name__)

#: One write: a Core statement and the parameters of one row.
Write = tuple[sa.Insert | sa.Update | sa.Delete, dict[str, Any]]


class CommitInterrupted(RuntimeError):
    """The transaction holding the caller's writes was interrupted; they may not be committed."""


_BY_ENGINE: weakref.WeakKeyDictionary[Engine, GroupCommitter] = weakref.WeakKeyDictionary()
_BY_ENGINE_GUARD = threading.Lock()


def for_engine(engine: Engine) -> GroupCommitter:
    """The group committer of ``engine``: one per engine, so a process's requests share it."""
    with _BY_ENGINE_GUARD:
        committer = _BY_ENGINE.get(engine)
        if committer is None:
            committer = _BY_ENGINE[engine] = GroupCommitter(direct.for_engine(engine))
        return committer


@dataclass(eq=False)
class _Request:
    writes: Sequence[Write]
    done: bool = False
    error: BaseException | None = field(default=None)


class GroupCommitter:
    """Runs each caller's writes in a transaction shared with whoever else is waiting.

    ``run`` blocks until the caller's writes are committed, then returns, or raises the error
    that made their transaction fail. A failing batch is retried one caller at a time, so one
    caller's bad row never fails the others.
    """

    def __init__(self, statements: DirectStatements) -> None:
        self.engine = statements.engine
        self._statements = statements
        self.batches = 0
        self._pid = os.getpid()
        self._condition = threading.Condition()
        self._queue: list[_Request] = []
        self._committing = False

    def run(self, writes: Sequence[Write]) -> None:
        request = _Request(writes)
        with self._condition:
            self._forget_parent_state()
            self._queue.append(request)
            while self._committing and not request.done:
                self._condition.wait()
            if not request.done:
                # Nobody is committing: take everything queued, ours included.
                self._committing = True
                batch, self._queue = self._queue, []
        if not request.done:
            try:
                self._commit(batch)
            finally:
                with self._condition:
                    self._committing = False
                    self._condition.notify_all()
        if request.error is not None:
            raise request.error

    def _forget_parent_state(self) -> None:
        # A forked worker (gunicorn) inherits the object, never a commit in progress.
        if self._pid != os.getpid():
            self._pid, self._queue, self._committing = os.getpid(), [], False

    def _commit(self, batch: list[_Request]) -> None:
        try:
            self._settle(batch)
        except BaseException as error:
            # A signal or a killed worker stops the committing thread: the callers still
            # waiting must not take that for success.
            for request in batch:
                if not request.done:
                    request.error = CommitInterrupted(
                        "the transaction holding these writes was interrupted"
                    )
                    request.error.__cause__ = error
            raise
        finally:
            self.batches += 1
            for request in batch:
                request.done = True

    def _settle(self, batch: list[_Request]) -> None:
        """Commit the batch, else each caller alone; a caller is done once its fate is known."""
        try:
            self._transaction([w for request in batch for w in request.writes])
        except Exception as error:
            if len(batch) == 1:
                batch[0].error = error
                batch[0].done = True
                return
            logger.warning("group commit of %d callers failed; retrying one by one", len(batch))
            for request in batch:
                try:
                    self._transaction(request.writes)
                except Exception as own_error:
                    request.error = own_error
                request.done = True
        else:
            for request in batch:
                request.done = True

    def _transaction(self, writes: Sequence[Write]) -> None:
        """Execute ``writes`` in one transaction, the rows of each statement as one executemany.

        Statements run in the order they first appear, so callers must not depend on rows of
        different statements running in another order (give each a self-contained row).
        """
        rows: dict[Any, list[dict[str, Any]]] = {}
        for statement, row in writes:
            rows.setdefault(statement, []).append(row)
        with self._statements.transaction() as run:
            for statement, parameters in rows.items():
                run(statement, parameters)
