"""Fixtures after the Flask tutorial's: `app`, `client`, `runner`, an `auth` helper and factories.

The suite runs on SQLite by default and on PostgreSQL when VANTHU_TEST_DATABASE_URL is set. The
schema is migrated once per run; each test then gets an empty database (a copy of the migrated
SQLite file, or truncated PostgreSQL tables), so tests may commit and run threads freely.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session

from core import migrate
from core.app import create_app
from core.db import Base, get_engine, make_engine
from tests import faketime_clock
from tests.factories import Factory

faketime_clock.install()

TEST_PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate a database once; return its URL (SQLite: the file to copy per test)."""
    url = os.environ.get("VANTHU_TEST_DATABASE_URL")
    if url:
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        migrate.upgrade(engine)
        engine.dispose()
        return url
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return str(path)


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    if database_template.startswith("postgresql"):
        yield database_template
        _truncate_all(database_template)
        return
    target = tmp_path / "test.sqlite3"
    shutil.copyfile(database_template, target)
    yield f"sqlite:///{target}"


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def make_test_config(database_url: str, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test secret key, not used anywhere else",
        "BLOB_DIR": str(tmp_path / "blobs"),
        "PASSWORD_HASH_PROFILE": "fast",
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "PREFERRED_URL_SCHEME": "http",
        # Sequence the audit log right after each request, so tests see leaves at once;
        # tests/audit/test_sequencer.py covers the background thread production uses.
        "LOG_SEQUENCE_IN_BACKGROUND": False,
        # Tests fetch public pages many times from one address; tests/core/test_ratelimit.py
        # sets a low limit to see it refuse.
        "PUBLIC_RATE_LIMIT": "100000 per minute",
        **overrides,
    }


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_config: dict[str, Any]
) -> Iterator[Flask]:
    monkeypatch.setenv("VANTHU_INSTANCE_DIR", str(tmp_path / "instance"))
    app = create_app(make_test_config(database_url, tmp_path, **app_config))
    yield app
    get_engine(app).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session outside any request, for arranging data and checking outcomes."""
    with Session(get_engine(app), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def make(db: Session) -> Factory:
    return Factory(db, TEST_PASSWORD)


def sign_in(
    client: FlaskClient, username: str, password: str = TEST_PASSWORD, **options: Any
) -> Any:
    """Post the login form; the response says how it went (``options`` go to the client)."""
    return client.post("/login", data={"username": username, "password": password}, **options)


def login(client: FlaskClient, user: Any) -> None:
    """Sign ``client`` in as ``user`` (after signing out whoever was), or fail the test."""
    client.post("/logout")
    response = sign_in(client, user.username)
    assert response.status_code == 302, response.get_data(as_text=True)


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, username: str, password: str = TEST_PASSWORD) -> Any:
        return sign_in(self._client, username, password)

    def logout(self) -> Any:
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@contextmanager
def count_statements(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL statements the app sends while the block runs."""
    statements: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = get_engine(app)
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


@pytest.fixture
def mail_server() -> Iterator[Any]:
    """A real SMTP server on 127.0.0.1 and a port of its own (see tests/mailserver.py)."""
    from tests.mailserver import MailServer

    server = MailServer().start()
    yield server
    server.stop()
