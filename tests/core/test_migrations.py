"""The migrations create exactly the schema the models describe."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core import migrate
from core.app import import_models
from core.db import Base, get_engine, make_engine
from core.jobs import Job, JobState
from core.migrate import include_name


def test_migrated_schema_matches_the_models(app):
    import_models()
    with get_engine(app).connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_bulk_verifications_become_jobs_with_the_same_ids(tmp_path):
    """0009 moves each bulk verification into `jobs`; one still running then can never finish."""
    with scratch_database(tmp_path) as url:
        _check_bulk_verifications_moved(make_engine(url))


@contextmanager
def scratch_database(tmp_path: Path) -> Iterator[str]:
    """An empty database of the kind the suite runs on, dropped afterwards."""
    test_url = os.environ.get("VANTHU_TEST_DATABASE_URL")
    if not test_url:
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    url = sa.make_url(test_url)
    name = f"{url.database}_scratch"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _check_bulk_verifications_moved(engine: Engine) -> None:
    try:
        migrate.upgrade(engine, "0007")
        when = "2026-11-26 03:00:00+00:00"
        with engine.begin() as conn:
            _unit_and_user(conn, "kiemtoan", "K", when)
            for job_id, state in ((4, "done"), (9, "running")):
                conn.execute(
                    sa.text(
                        "INSERT INTO signing_verification_jobs (id, requested_by_id, date_from,"
                        " date_to, state, total, done, passed, failed, indeterminate, created_at)"
                        " VALUES (:id, 7, '2026-01-01', '2026-06-30', :state, 3, 3, 2, 1, 0, :when)"
                    ),
                    {"id": job_id, "state": state, "when": when},
                )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    Job.id, Job.kind, Job.owner_id, Job.state, Job.payload, Job.result
                ).order_by(Job.id)
            ).all()
        assert [(r.id, r.kind, r.owner_id, r.state) for r in rows] == [
            (4, "signing.verify_bulk", 7, JobState.DONE),
            (9, "signing.verify_bulk", 7, JobState.FAILED),
        ]
        assert rows[0].payload == {"date_from": "2026-01-01", "date_to": "2026-06-30"}
        assert rows[0].result == {"passed": 2, "failed": 1, "indeterminate": 0}
        with Session(engine) as session:  # a new job gets an id after the moved ones
            job = Job(kind="test", owner_id=7, state=JobState.QUEUED, payload={})
            session.add(job)
            session.commit()
            assert job.id == 10
    finally:
        engine.dispose()


def test_duplicate_keys_are_backfilled_for_incoming_documents(tmp_path):
    """0015_rules folds the incoming register's number/symbols and issuers as the service does."""
    with scratch_database(tmp_path) as url:
        engine = make_engine(url)
        try:
            _check_duplicate_keys_backfilled(engine)
        finally:
            engine.dispose()


def _check_duplicate_keys_backfilled(engine: Engine) -> None:
    from documents.incoming import duplicate_key
    from documents.models import Document

    migrate.upgrade(engine, "0014")
    when = "2026-11-26 03:00:00+00:00"
    with engine.begin() as conn:
        _unit_and_user(conn, "vanthu", "V", when)
        for doc_id, direction, symbol, issuer in (
            (1, "incoming", "05/QĐ-BNV", "Bộ  Nội vụ"),
            (2, "outgoing", "01/QĐ-UBND", ""),
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO documents (id, direction, status, doc_type, unit_id,"
                    " issuer_name, subject, place, number_symbol, urgency, confidentiality,"
                    " recipients_text, content_text, created_by_id, created_at, drafter_abbr,"
                    " search_text, signer_on_behalf_of, signer_title, signer_name)"
                    " VALUES (:id, :direction, 'issued', 'quyet_dinh', 1, :issuer,"
                    " 'S', '', :symbol, 'thuong', 'thuong', '', '', 7, :when, '', '', '', '', '')"
                ),
                {
                    "id": doc_id,
                    "direction": direction,
                    "symbol": symbol,
                    "issuer": issuer,
                    "when": when,
                },
            )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(Document.id, Document.duplicate_key, Document.sealed_version_id).order_by(
                Document.id
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        (1, duplicate_key("05/qđ-bnv", "BỘ NỘI VỤ"), None),
        (2, None, None),
    ]


def test_signing_notices_left_in_the_inbox_are_marked_read(tmp_path):
    """0018_notify: signing now notifies in the bell, which clears them; the inbox's old signing
    notices, never cleared, are marked read. Other notices stay as they were."""
    with scratch_database(tmp_path) as url:
        engine = make_engine(url)
        try:
            _check_signing_notices_read(engine)
        finally:
            engine.dispose()


def _check_signing_notices_read(engine: Engine) -> None:
    migrate.upgrade(engine, "0017_convjob")
    when = "2026-11-26 03:00:00+00:00"
    with engine.begin() as conn:
        _unit_and_user(conn, "chutich", "C", when)
        for note_id, kind in ((1, "signing_requested"), (2, "signing_to_seal"), (3, "recalled")):
            conn.execute(
                sa.text(
                    "INSERT INTO notifications (id, user_id, kind, created_at)"
                    " VALUES (:id, 7, :kind, :when)"
                ),
                {"id": note_id, "kind": kind, "when": when},
            )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, read_at IS NOT NULL FROM notifications ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [(1, True), (2, True), (3, False)]


def _unit_and_user(conn: sa.Connection, username: str, full_name: str, when: str) -> None:
    """Unit 1 and user 7, inserted with SQL as the schema stood at an old revision."""
    conn.execute(
        sa.text(
            "INSERT INTO units (id, code, name, abbreviation, kind, created_at)"
            " VALUES (1, 'U', 'UBND', 'UBND', 'province', :when)"
        ),
        {"when": when},
    )
    conn.execute(
        sa.text(
            "INSERT INTO users (id, username, full_name, title, unit_id, active,"
            " session_generation, created_at, password_hash)"
            " VALUES (7, :username, :full_name, '', 1, true, 0, :when, '')"
        ),
        {"username": username, "full_name": full_name, "when": when},
    )
