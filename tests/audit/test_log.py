"""The sequencer: queued events become gapless leaves, nodes and checkpoints match a recomputation,
the log refuses to sign over an altered tree, and nothing rewrites a leaf.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from audit import log, record_event
from audit.config import log_settings
from audit.errors import LogInconsistent
from audit.log import LOCK_KEY, integrate
from audit.models import (
    AppendOnlyViolation,
    AuditCheckpoint,
    AuditEvent,
    AuditLeaf,
    AuditNode,
    PendingEvent,
)
from audit.offline.canonical import canonical_json
from audit.offline.merkle import leaf_hash
from audit.offline.note import verify_checkpoint
from core import sqlite
from core.db import get_engine, utcnow
from tests.audit.audit_testkit import mth, node_store

AUDIT_SOURCES = Path(__file__).resolve().parents[2] / "audit"


@pytest.fixture
def settings(app):
    with app.app_context():
        return log_settings()


def record(db, count, action="tests:thing:happen", **subject):
    for i in range(count):
        record_event(db, action, actor=i + 1, subject={"n": i, **subject}, details={"ok": True})
    db.commit()


def leaves(db):
    return [bytes(leaf) for leaf in db.scalars(sa.select(AuditLeaf.leaf).order_by(AuditLeaf.seq))]


def count(db, model):
    return db.scalar(sa.select(sa.func.count()).select_from(model))


def test_queued_events_become_leaves_in_order_without_gaps(db, settings):
    record(db, 3)
    record_event(db, "tests:thing:rolled_back", actor=None)
    db.rollback()
    record(db, 2)
    result = integrate(db, settings)
    assert result is not None and result.appended == 5 and result.size == 5
    rows = db.execute(
        sa.select(AuditLeaf.seq, AuditEvent.id)
        .join(AuditEvent, AuditEvent.id == AuditLeaf.event_id)
        .order_by(AuditLeaf.seq)
    ).all()
    assert [seq for seq, _ in rows] == [0, 1, 2, 3, 4]
    assert [event_id for _, event_id in rows] == sorted(event_id for _, event_id in rows)
    assert count(db, PendingEvent) == 0
    assert integrate(db, settings).appended == 0  # nothing twice


def test_an_integrator_that_may_not_wait_steps_aside_for_another(app, db, settings):
    record(db, 2)
    with get_engine(app).connect() as other:
        if other.dialect.name == "postgresql":
            other.execute(sa.select(sa.func.pg_advisory_lock(LOCK_KEY)))
            held = contextlib.nullcontext(True)
        else:
            held = sqlite.side_lock(other.engine, "log-integrator", wait=True)
        with held as got:
            assert got
            assert integrate(db, settings, wait=False) is None
            assert count(db, PendingEvent) == 2 and count(db, AuditLeaf) == 0
        if other.dialect.name == "postgresql":
            other.execute(sa.select(sa.func.pg_advisory_unlock(LOCK_KEY)))
    result = integrate(db, settings, wait=False)
    assert result is not None and result.appended == 2


def test_other_writers_commit_while_the_integrator_hashes(app, db, settings, monkeypatch):
    """Writers wait at most for the integrator's inserts, never for its hashing (on SQLite it
    hashes before taking the write lock; PostgreSQL has no such lock)."""
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_SECONDS", 1)  # fail, not hang, if they had to wait
    record(db, 3)
    engine = get_engine(app)
    committed = []
    real_leaf_hash = log.leaf_hash

    def hashing(leaf):
        if not committed:
            with Session(engine) as other:
                if other.get_bind().dialect.name == "postgresql":
                    other.execute(sa.text("SET lock_timeout = '1s'"))
                record_event(other, "tests:thing:meanwhile", actor=None)
                other.commit()
            committed.append(True)
        return real_leaf_hash(leaf)

    monkeypatch.setattr(log, "leaf_hash", hashing)
    assert integrate(db, settings).appended == 3
    assert committed == [True]
    assert count(db, PendingEvent) == 1  # the event written meanwhile waits for the next pass


def test_an_event_row_written_without_record_event_is_queued_all_the_same(db, settings):
    db.execute(sa.insert(AuditEvent), {"event_id": "written-by-hand", "action": "tests:raw:row"})
    db.commit()
    assert db.scalar(sa.select(PendingEvent.event_id)) is not None  # by the database trigger
    assert integrate(db, settings).appended == 1


def test_a_leaf_is_canonical_json_naming_the_actor_by_account_id(db, settings):
    event_id = record_event(
        db, "documents:version:open", actor=42, subject={"document": 7, "sha256": "ab"}
    )
    db.commit()
    integrate(db, settings)
    [leaf] = leaves(db)
    content = json.loads(leaf)
    assert leaf == canonical_json(content)
    assert content == {
        "v": 1,
        "seq": 0,
        "id": event_id,
        "type": "documents:version:open",
        "recorded_at": content["recorded_at"],
        "actor": "42",
        "subject": {"document": 7, "sha256": "ab"},
        "details": {},
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", content["recorded_at"])
    assert db.scalar(sa.select(AuditLeaf.leaf_hash)) == leaf_hash(leaf)


def test_recorded_at_never_goes_backwards_when_the_clock_does(db, settings):
    now = utcnow()
    record(db, 1)
    integrate(db, settings, now=now)
    record(db, 1)
    integrate(db, settings, now=now - timedelta(minutes=5))
    first, second = (json.loads(leaf)["recorded_at"] for leaf in leaves(db))
    assert first == second


def test_stored_nodes_and_signed_roots_match_an_independent_recomputation(db, settings):
    for batch in (1, 2, 5, 1, 8, 3, 13):
        record(db, batch)
        integrate(db, settings)
    logged = leaves(db)
    assert len(logged) == 33
    stored = {(n.level, n.index): bytes(n.hash) for n in db.scalars(sa.select(AuditNode))}
    expected = {key: h for key, h in node_store(logged).items() if key[0] > 0}
    assert stored == expected
    for checkpoint in db.scalars(sa.select(AuditCheckpoint)):
        signed = verify_checkpoint(checkpoint.note, settings.verifier, settings.origin)
        assert signed.size == checkpoint.size
        assert signed.root == bytes(checkpoint.root) == mth(logged[: checkpoint.size])


def test_the_first_integration_signs_the_empty_tree(db, settings):
    assert integrate(db, settings).checkpoint == 0
    assert integrate(db, settings).checkpoint is None


@pytest.mark.parametrize("app_config", [{"LOG_CHECKPOINT_SECONDS": 60}])
def test_checkpoints_wait_for_the_interval_unless_forced_or_needed(db, settings):
    now = utcnow()
    record(db, 1)
    assert integrate(db, settings, now=now).checkpoint == 1  # the first one
    record(db, 1)
    assert integrate(db, settings, now=now + timedelta(seconds=30)).checkpoint is None
    assert integrate(db, settings, now=now + timedelta(seconds=61)).checkpoint == 2
    record(db, 1)
    assert integrate(db, settings, now=now + timedelta(seconds=62), covering=2).checkpoint == 3
    record(db, 1)
    assert integrate(db, settings, now=now + timedelta(seconds=63), force_checkpoint=True)
    assert count(db, AuditCheckpoint) == 4


def _corrupt_node(db, level, index):
    db.execute(
        sa.text('UPDATE audit_nodes SET hash = :h WHERE level = :l AND "index" = :i'),
        {"h": bytes(32), "l": level, "i": index},
    )
    db.commit()


def test_the_log_refuses_to_build_on_a_tree_that_no_longer_has_its_signed_root(db, settings):
    record(db, 4)
    integrate(db, settings)
    _corrupt_node(db, 2, 0)
    record(db, 1)
    with pytest.raises(LogInconsistent, match="no longer has the root signed at size 4"):
        integrate(db, settings)
    assert count(db, AuditLeaf) == 4 and count(db, PendingEvent) == 1


@pytest.mark.parametrize("app_config", [{"LOG_CHECKPOINT_SECONDS": 3600}])
def test_the_log_never_signs_a_checkpoint_inconsistent_with_the_last(db, settings):
    record(db, 4)
    integrate(db, settings)  # the first checkpoint, at 4
    record(db, 2)
    assert integrate(db, settings).checkpoint is None  # 6 leaves, not yet due
    _corrupt_node(db, 2, 0)
    record(db, 1)
    with pytest.raises(LogInconsistent, match="not consistent with the checkpoint at size 4"):
        integrate(db, settings, force_checkpoint=True)
    assert db.scalars(sa.select(AuditCheckpoint.size)).all() == [4]
    assert count(db, AuditLeaf) == 6 and count(db, PendingEvent) == 1


def test_no_code_updates_or_deletes_a_row_of_the_log(db, settings):
    record(db, 2)
    integrate(db, settings)
    for statement in (
        sa.update(AuditLeaf).values(leaf=b"{}"),
        sa.delete(AuditLeaf).where(AuditLeaf.seq == 0),
        sa.update(AuditNode).values(hash=bytes(32)),
        sa.delete(AuditCheckpoint),
    ):
        with pytest.raises(AppendOnlyViolation):
            db.execute(statement)
        db.rollback()
    leaf = db.get(AuditLeaf, 0)
    leaf.leaf = b"{}"
    with pytest.raises(AppendOnlyViolation):
        db.commit()
    db.rollback()
    db.delete(db.get(AuditLeaf, 1))
    with pytest.raises(AppendOnlyViolation):
        db.commit()
    db.rollback()
    assert count(db, AuditLeaf) == 2


def test_no_audit_source_writes_update_or_delete_sql_on_the_log_tables():
    tables = ("audit_leaves", "audit_nodes", "audit_checkpoints")
    models = ("AuditLeaf", "AuditNode", "AuditCheckpoint")
    offending = re.compile(
        rf"(update|delete)\(\s*({'|'.join(models)})\b"
        rf"|(UPDATE|DELETE\s+FROM)\s+\"?({'|'.join(tables)})\b",
        re.IGNORECASE,
    )
    for path in sorted(AUDIT_SOURCES.glob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not offending.search(line), f"{path.name}:{number}: {line.strip()}"


@pytest.mark.parametrize(
    ("subject", "error"),
    [
        ({"big": 2**53}, ValueError),
        ({"nested": [{"small": -(2**53)}]}, ValueError),
        ({"ratio": 0.5}, TypeError),
        ({"text": "\ud800"}, ValueError),
        ({1: "key"}, TypeError),
    ],
)
def test_record_event_refuses_what_the_log_could_not_encode(db, subject, error):
    with pytest.raises(error):
        record_event(db, "tests:thing:happen", actor=None, subject=subject)
    db.rollback()
    assert count(db, AuditEvent) == 0


def test_the_largest_safe_integer_is_accepted(db, settings):
    record_event(db, "tests:thing:happen", actor=None, subject={"n": 2**53 - 1})
    db.commit()
    integrate(db, settings)
    assert json.loads(leaves(db)[0])["subject"] == {"n": 2**53 - 1}


def test_events_recorded_before_the_log_existed_are_queued_by_the_migration(app, db, settings):
    from alembic import command

    from core import migrate
    from core.db import get_engine

    engine = get_engine(app)
    config = migrate.alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    rows = [
        {"event_id": f"00000000-0000-4000-8000-00000000000{i}", "action": "tests:old:event"}
        for i in range(3)
    ]
    with engine.begin() as connection:  # as record_event wrote them before the log existed
        connection.execute(sa.insert(AuditEvent.__table__), rows)
    migrate.upgrade(engine)
    assert count(db, PendingEvent) == 3
    assert integrate(db, settings).appended == 3
