"""Statements compiled once by SQLAlchemy and run straight on the database driver's cursor.

For the writes that run on every opening of a file (the group commit of read receipts) and the
audit log's bulk appends. There, SQLAlchemy's per-call work
(cache lookup, events, result objects, the ORM session) costs several times what the database
spends; here the SQL, the parameter order and the conversion of values (UTC times, enums, JSON)
are still SQLAlchemy's own, worked out once, so rows are stored exactly as the ORM stores them.
Rows come back as the driver's plain tuples.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.sql.compiler import SQLCompiler

from core.sqlite import begin_immediate

#: ``run(statement, rows)`` inside `DirectStatements.transaction`.
RunRows = Callable[[sa.ClauseElement, Sequence[Mapping[str, Any]]], None]


class DirectStatement:
    """One Core statement compiled for one dialect; an INSERT or UPDATE for the columns
    ``keys`` (as Core compiles one per set of keys given). Expanding (IN-list) parameters and
    column defaults computed in Python are not supported: every statement here has a fixed
    shape and is given every value."""

    def __init__(
        self, statement: sa.ClauseElement, dialect: Dialect, keys: Sequence[str] | None = None
    ) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=keys))
        self.sql = compiled.string
        #: Per parameter in the driver's order: its name, the key its value is given under,
        #: the statement's own value if it has one, and SQLAlchemy's conversion for the driver.
        self._binds: list[tuple[str, str, Any, Callable[[Any], Any] | None]] = []
        escaped = compiled.escaped_bind_names
        for bind, unescaped in compiled.bind_names.items():
            if bind.expanding:
                raise ValueError("expanding parameters cannot run directly")
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            own = _MISSING if bind.required else bind.effective_value
            self._binds.append((escaped.get(unescaped, unescaped), bind.key, own, processor))
        if compiled.positional:
            rank = {name: i for i, name in enumerate(compiled.positiontup or [])}
            self._binds.sort(key=lambda entry: rank[entry[0]])
        self._positional = compiled.positional

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """The driver's parameters for ``values`` (literal values of the statement included)."""
        converted = []
        for _, key, own, processor in self._binds:
            value = values[key] if own is _MISSING else values.get(key, own)
            converted.append(value if processor is None else processor(value))
        if self._positional:
            return converted
        return {entry[0]: value for entry, value in zip(self._binds, converted, strict=True)}


@dataclass(frozen=True, eq=False)
class _Held:
    pooled: Any
    pid: int
    opened: float


_MISSING = object()
_BY_ENGINE: weakref.WeakKeyDictionary[Engine, DirectStatements] = weakref.WeakKeyDictionary()


@functools.cache
def _insert(table: sa.Table) -> sa.Insert:
    """One INSERT per table, so that its compiled forms are found again."""
    return sa.insert(table)


def for_engine(engine: Engine) -> DirectStatements:
    """The direct statements of ``engine``, one set per engine."""
    statements = _BY_ENGINE.get(engine)
    if statements is None:
        statements = _BY_ENGINE[engine] = DirectStatements(engine)
    return statements


class DirectStatements:
    """The compiled statements of one engine, built on first use, and a driver connection per
    thread to run them on.

    The thread's connection is kept between calls: checking one out of SQLAlchemy's pool and
    back costs more than the statements. It is closed after any error and replaced after
    ``RECYCLE_SECONDS``, as the pool recycles its own.
    """

    RECYCLE_SECONDS = 1800

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._compiled: dict[tuple[sa.ClauseElement, frozenset[str]], DirectStatement] = {}
        self._local = threading.local()
        self._held: set[_Held] = set()
        self._guard = threading.Lock()
        event.listen(engine, "engine_disposed", lambda _engine: self.close_all())

    def close_all(self) -> None:
        """Close every thread's connection (when the engine is disposed)."""
        with self._guard:
            held, self._held = self._held, set()
        for each in held:
            if each.pid == os.getpid():  # never close a connection a parent process still uses
                with contextlib.suppress(Exception):
                    each.pooled.close()

    def get(self, statement: sa.ClauseElement, keys: Iterable[str] = ()) -> DirectStatement:
        """``statement`` compiled; for an INSERT or UPDATE, for the columns ``keys``."""
        key = (statement, frozenset(keys))
        direct = self._compiled.get(key)
        if direct is None:
            columns = sorted(key[1]) if isinstance(statement, sa.Insert | sa.Update) else None
            direct = DirectStatement(statement, self.engine.dialect, columns)
            self._compiled[key] = direct
        return direct

    def first(
        self, statement: sa.ClauseElement, values: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        """The first row of a query, read outside any transaction on this thread's connection
        (one round trip, without BEGIN and ROLLBACK): for reads of single committed rows."""
        direct = self.get(statement)
        with self._connection() as connection:
            cursor = connection.cursor()
            try:
                cursor.execute(direct.sql, direct.parameters(values))
                row = cursor.fetchone()
            finally:
                cursor.close()
        return None if row is None else tuple(row)

    def rows_on(
        self, connection: sa.Connection, statement: sa.ClauseElement, values: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        """Every row of a query, read inside ``connection``'s transaction."""
        direct = self.get(statement)
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(direct.sql, direct.parameters(values))
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def run_on(
        self,
        connection: sa.Connection,
        statement: sa.ClauseElement,
        rows: Sequence[Mapping[str, Any]],
    ) -> None:
        """Run a statement that returns nothing once per row, inside ``connection``'s
        transaction (already begun: this is for statements after the first write)."""
        direct = self.get(statement, rows[0].keys())
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if len(rows) == 1:
                cursor.execute(direct.sql, direct.parameters(rows[0]))
            else:
                parameters: Any = [direct.parameters(row) for row in rows]
                cursor.executemany(direct.sql, parameters)
        finally:
            cursor.close()

    def insert_on(
        self, connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]
    ) -> None:
        """Insert ``rows`` into ``table`` inside ``connection``'s transaction.

        On SQLite the transaction is begun IMMEDIATE if nothing was written yet, as the engine's
        own statements would, and the rows go by executemany (a loop in C). On PostgreSQL they go
        by COPY, the server's bulk path, which also spares the driver adapting arrays of values
        (the log's leaves and hashes: bytes it would escape one by one).
        """
        dbapi_connection: Any = connection.connection.dbapi_connection
        keys = sorted(rows[0].keys())
        cursor = dbapi_connection.cursor()
        try:
            if self.engine.dialect.name != "postgresql":
                if not dbapi_connection.in_transaction:
                    begin_immediate(dbapi_connection, cursor)
                direct = self.get(_insert(table), keys)
                parameters: Any = [direct.parameters(row) for row in rows]
                cursor.executemany(direct.sql, parameters)
                return
            direct = self.get(_insert(table), keys)
            with cursor.copy(self._copy_sql(table, keys)) as copy:
                for row in rows:
                    values = cast(dict[str, Any], direct.parameters(row))  # psycopg: by name
                    copy.write_row([values[key] for key in keys])
        finally:
            cursor.close()

    def _copy_sql(self, table: sa.Table, keys: Sequence[str]) -> str:
        quote = self.engine.dialect.identifier_preparer
        columns = ", ".join(quote.quote(table.c[key].name) for key in keys)
        return f"COPY {quote.format_table(table)} ({columns}) FROM STDIN"

    @contextmanager
    def transaction(self) -> Iterator[RunRows]:
        """A write transaction; yields ``run(statement, rows)``, commits at the end of the block.

        On SQLite it begins IMMEDIATE (taking the write lock) as the engine's sessions do. On
        PostgreSQL the whole transaction goes in one round trip (psycopg's pipeline mode)."""
        sqlite = self.engine.dialect.name == "sqlite"
        with self._connection() as connection:
            cursor = connection.cursor()
            try:
                with contextlib.nullcontext() if sqlite else connection.pipeline():
                    if sqlite:
                        begin_immediate(connection, cursor)
                    else:
                        cursor.execute("BEGIN")

                    def run(statement: sa.ClauseElement, rows: Sequence[Mapping[str, Any]]) -> None:
                        direct = self.get(statement, rows[0].keys())
                        if len(rows) == 1:
                            cursor.execute(direct.sql, direct.parameters(rows[0]))
                            return
                        parameters: Any = [direct.parameters(row) for row in rows]
                        cursor.executemany(direct.sql, parameters)

                    yield run
                    if sqlite:
                        connection.commit()
                    else:
                        cursor.execute("COMMIT")
            finally:
                cursor.close()

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """This thread's driver connection; closed if anything goes wrong while it is used."""
        held: _Held | None = getattr(self._local, "held", None)
        if held is not None and (
            held not in self._held  # closed when the engine was disposed
            or held.pid != os.getpid()
            or time.monotonic() - held.opened > self.RECYCLE_SECONDS
        ):
            self._drop(held)
            held = None
        if held is None:
            pooled = self.engine.raw_connection()
            pooled.detach()  # ours now: the pool neither counts nor resets it
            if self.engine.dialect.name != "sqlite":  # SQLite's connections run so already
                driver: Any = pooled.dbapi_connection
                driver.autocommit = True  # reads need no transaction

            held = self._local.held = _Held(pooled, os.getpid(), time.monotonic())
            with self._guard:
                self._held.add(held)
        try:
            yield held.pooled.dbapi_connection
        except BaseException:
            self._drop(held)
            raise

    def _drop(self, held: _Held) -> None:
        self._local.held = None
        with self._guard:
            self._held.discard(held)
        if held.pid == os.getpid():
            with contextlib.suppress(Exception):
                held.pooled.close()
