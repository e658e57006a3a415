"""SQLite writers queue on a lock file: taken before BEGIN IMMEDIATE, given back when the
transaction ends, with the old timeout. Runs on its own SQLite file whatever the suite's DB."""

from __future__ import annotations

import fcntl
import os
import sqlite3

import pytest
import sqlalchemy as sa

from core import sqlite


@pytest.fixture
def engine(tmp_path):
    engine = sqlite.make_engine(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    yield engine
    engine.dispose()


def queue_is_free(path) -> bool:
    """Whether another writer could take the queue now (a probe on its own descriptor)."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_a_writer_holds_the_queue_until_its_transaction_ends(engine, tmp_path):
    queue = tmp_path / "queue.sqlite3-writers"
    for end in ("commit", "rollback", "close"):
        connection = engine.connect()
        connection.execute(sa.text("SELECT 1"))
        assert queue_is_free(queue)  # reading takes no turn
        connection.execute(sa.text("INSERT INTO notes (body) VALUES ('x')"))
        assert not queue_is_free(queue)
        getattr(connection, end)()
        assert queue_is_free(queue), end
        connection.close()
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM notes")) == 1  # the commit


def test_a_writer_gives_up_after_the_timeout(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_SECONDS", 0.05)
    holder = engine.connect()
    holder.execute(sa.text("INSERT INTO notes (body) VALUES ('first')"))
    with engine.connect() as waiting, pytest.raises(sa.exc.OperationalError, match="locked"):
        waiting.execute(sa.text("INSERT INTO notes (body) VALUES ('second')"))
    holder.commit()
    holder.close()
    with engine.begin() as connection:  # the failed writer left the queue free
        connection.execute(sa.text("INSERT INTO notes (body) VALUES ('third')"))
        bodies = connection.scalars(sa.text("SELECT body FROM notes ORDER BY id")).all()
    assert bodies == ["first", "third"]


def test_a_side_lock_is_exclusive_and_can_be_tried(engine):
    with sqlite.side_lock(engine, "log-integrator", wait=False) as first:
        assert first
        with sqlite.side_lock(engine, "log-integrator", wait=False) as second:
            assert not second
        with sqlite.side_lock(engine, "other", wait=False) as unrelated:
            assert unrelated
    with sqlite.side_lock(engine, "log-integrator", wait=False) as again:
        assert again


def test_an_in_memory_database_needs_no_queue():
    engine = sqlite.make_engine("sqlite://")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
    with sqlite.side_lock(engine, "log-integrator", wait=False) as got:
        assert got
    assert isinstance(engine.raw_connection().dbapi_connection, sqlite3.Connection)
