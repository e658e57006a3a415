"""Direct statements store rows exactly as SQLAlchemy would, and keep a connection per thread."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core.db import get_engine
from core.direct import DirectStatement, DirectStatements

WHEN = datetime(2026, 11, 26, 8, 30, 15, 123456, tzinfo=UTC)


def event(event_id: str) -> dict:
    return {
        "event_id": event_id,
        "action": "documents:version:open",
        "actor_id": None,
        "subject": {"document": 5, "note": "Hỏa tốc"},
        "details": {},
        "occurred_at": WHEN,
    }


def raw_rows(db):
    columns = "event_id, action, actor_id, subject, details, occurred_at"
    statement = sa.text(f"SELECT {columns} FROM audit_events ORDER BY id")  # noqa: S608
    return [tuple(row) for row in db.execute(statement)]


def test_rows_are_stored_as_core_stores_them(app, db):
    engine = get_engine(app)
    with engine.begin() as connection:
        connection.execute(sa.insert(AuditEvent), event("core"))
    statements = DirectStatements(engine)
    with statements.transaction() as run:
        run(sa.insert(AuditEvent), [event("direct")])
    through_core, directly = raw_rows(db)
    assert through_core[1:] == directly[1:]  # same text, JSON and time format in the database
    loaded = db.scalars(sa.select(AuditEvent).where(AuditEvent.event_id == "direct")).one()
    assert loaded.occurred_at == WHEN and loaded.subject["note"] == "Hỏa tốc"


def test_bulk_inserts_store_rows_as_core_stores_them(app, db):
    from audit.models import AuditNode

    engine = get_engine(app)
    awkward = {"document": 5, "note": "tab\there, back\\slash, line\nbreak, Hỏa tốc"}
    with engine.begin() as connection:
        connection.execute(sa.insert(AuditEvent), {**event("core"), "subject": awkward})
        connection.execute(sa.insert(AuditNode), {"level": 1, "index": 0, "hash": b"\\\x00\t"})
    with engine.begin() as connection:
        bulk = [{**event(f"bulk-{i}"), "subject": awkward} for i in range(2)]
        DirectStatements(engine).insert_on(connection, AuditEvent.__table__, bulk)
        node = {"level": 1, "index": 1, "hash": b"\\\x00\t"}
        DirectStatements(engine).insert_on(connection, AuditNode.__table__, [node])
    through_core, *bulk_rows = raw_rows(db)
    assert [row[1:] for row in bulk_rows] == [through_core[1:]] * 2
    hashes = db.scalars(sa.select(AuditNode.hash).order_by(AuditNode.index)).all()
    assert hashes == [b"\\\x00\t"] * 2


def test_a_missing_value_and_an_in_list_are_refused(app):
    engine = get_engine(app)
    statement = DirectStatement(sa.select(sa.bindparam("n", type_=sa.Integer)), engine.dialect)
    with pytest.raises(KeyError):
        statement.parameters({})
    in_list = sa.select(AuditEvent.id).where(AuditEvent.id.in_(sa.bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="expanding"):
        DirectStatement(in_list, engine.dialect)


def test_a_failed_transaction_stores_nothing_and_the_next_one_works(app, db):
    statements = DirectStatements(get_engine(app))
    with pytest.raises(RuntimeError), statements.transaction() as run:
        run(sa.insert(AuditEvent), [event("lost")])
        raise RuntimeError("the caller changed its mind")
    with statements.transaction() as run:
        run(sa.insert(AuditEvent), [event("kept")])
    assert [row[0] for row in raw_rows(db)] == ["kept"]


def test_disposing_the_engine_closes_the_threads_connections(app):
    engine = get_engine(app)
    statements = DirectStatements(engine)
    with statements.transaction() as run:
        run(sa.insert(AuditEvent), [event("before")])
    (held,) = statements._held
    driver_connection = held.pooled.dbapi_connection
    engine.dispose()
    assert statements._held == set()
    with pytest.raises(engine.dialect.loaded_dbapi.Error):
        driver_connection.cursor().execute("SELECT 1")
    with statements.transaction() as run:  # a new one is opened
        run(sa.insert(AuditEvent), [event("after")])
    assert statements._held != set()


def test_statements_are_compiled_once_however_often_they_run(app, db):
    from audit.models import AuditNode

    engine = get_engine(app)
    statements = DirectStatements(engine)
    for batch in range(3):
        with engine.begin() as connection:
            rows = [{"level": 1, "index": batch * 10 + i, "hash": b"\x00" * 32} for i in range(2)]
            statements.insert_on(connection, AuditNode.__table__, rows)
    assert len(statements._compiled) == 1
    assert db.scalar(sa.select(sa.func.count()).select_from(AuditNode)) == 6
