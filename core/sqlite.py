"""SQLite as the embedded database: its settings, and writers that queue instead of sleeping.

Several app processes may share one SQLite file. Transactions that will write begin IMMEDIATE,
so the write lock is taken before anything is read, and writers wait their turn on a lock file.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

#: How long an SQLite writer waits for the others before giving up ("database is locked").
BUSY_TIMEOUT_SECONDS = 30
#: Polling steps of a waiting writer: the lock is usually held for well under a millisecond.
_FIRST_STEP, _LONGEST_STEP = 0.0001, 0.0005


def make_engine(url: str) -> Engine:
    # The driver's own transaction handling is off: `_begin_on_first_write` starts them.
    engine = sa.create_engine(
        url,
        connect_args={
            "timeout": BUSY_TIMEOUT_SECONDS,
            "isolation_level": None,
            "factory": _SQLiteConnection,
        },
    )
    event.listen(engine, "connect", _pragmas)
    event.listen(engine, "before_cursor_execute", _begin_on_first_write)
    return engine


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers go on while one writer commits; enough for the embedded default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    # Commits survive the process dying; only an operating-system crash or power cut may lose
    # the last moments (SQLite's advice for WAL). PostgreSQL, for production, flushes each one.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "CREATE", "DROP", "ALTER")


def _begin_on_first_write(conn: sa.Connection, cursor: Any, statement: str, *_args: Any) -> None:
    """Start an SQLite transaction with BEGIN IMMEDIATE right before its first write.

    Reads before it run on the latest data; the first write waits for the write lock (busy
    timeout) instead of failing with "database is locked" when two requests write at once, which
    a deferred transaction that read first would do in WAL mode.
    """
    dbapi_connection = conn.connection.dbapi_connection
    if dbapi_connection is None or dbapi_connection.in_transaction:
        return
    head = statement.lstrip()[:15].upper()
    if head == "BEGIN IMMEDIATE":
        queue_for_write(dbapi_connection)  # a caller beginning by itself (the audit log)
    elif head.startswith(_WRITES):
        begin_immediate(dbapi_connection, cursor)


class _SQLiteConnection(sqlite3.Connection):
    """An SQLite connection whose writers queue on a lock file before BEGIN IMMEDIATE.

    SQLite's own busy handler sleeps 1, 2, 5, 10 ms and longer between attempts, so when several
    processes commit hundreds of small transactions a second, waiting writers mostly sleep
    after the lock was already free. Writers take a lock on ``<database>-writers`` (flock) first,
    polled in steps of a fraction of a millisecond, and give it back when the transaction ends.
    """

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        name = os.fsdecode(database)
        self._queue_fd: int | None = None
        if name != ":memory:" and not name.startswith("file:"):
            self._queue_fd = os.open(f"{name}-writers", os.O_RDWR | os.O_CREAT, 0o600)
        self._queued = False

    def queue(self) -> None:
        if self._queue_fd is None or self._queued:
            return
        if not _flock(self._queue_fd, BUSY_TIMEOUT_SECONDS):
            raise sqlite3.OperationalError("database is locked")
        self._queued = True

    def leave_queue(self) -> None:
        if self._queued and not self.in_transaction:
            assert self._queue_fd is not None
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)
            self._queued = False

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._queue_fd is not None:
                os.close(self._queue_fd)  # closing also gives the lock back
                self._queue_fd, self._queued = None, False


def queue_for_write(dbapi_connection: Any) -> None:
    """Wait for this connection's turn to write (a no-op on PostgreSQL and in-memory SQLite)."""
    if isinstance(dbapi_connection, _SQLiteConnection):
        dbapi_connection.queue()


def begin_immediate(dbapi_connection: Any, cursor: Any) -> None:
    """Begin an SQLite write transaction, after the writers queued before this one."""
    queue_for_write(dbapi_connection)
    try:
        cursor.execute("BEGIN IMMEDIATE")
    except BaseException:
        if isinstance(dbapi_connection, _SQLiteConnection):
            dbapi_connection.leave_queue()
        raise


def _flock(fd: int, timeout: float) -> bool:
    """Lock ``fd`` exclusively within ``timeout`` seconds (0: one try); False if it could not.

    Polled rather than blocking so that it can give up, in steps of a fraction of a millisecond
    because the holders here keep it for about that long."""
    deadline = time.monotonic() + timeout
    step = _FIRST_STEP
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(step)  # waiting for another holder, not timing anything
            step = min(step * 2, _LONGEST_STEP)


@contextmanager
def side_lock(engine: Engine, name: str, *, wait: bool) -> Iterator[bool]:
    """An exclusive lock beside an SQLite database file, held for the ``with`` block.

    Yields False when ``wait`` is off and another process or thread holds it. A database in
    memory has one connection at most, so the lock is always granted there."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        yield True
        return
    fd = os.open(f"{database}-{name}", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        yield _flock(fd, BUSY_TIMEOUT_SECONDS if wait else 0)
    finally:
        os.close(fd)  # gives the lock back
