"""Many writers at once, in threads and in separate processes, still make one gapless log whose
every stored hash and signed root matches an independent recomputation.
"""

from __future__ import annotations

import json
import multiprocessing
import threading

import sqlalchemy as sa

from audit.config import log_settings
from audit.log import integrate
from audit.models import AuditCheckpoint, AuditEvent, AuditLeaf, AuditNode, PendingEvent
from audit.offline.merkle import consistency_proof, leaf_hash, verify_consistency
from audit.offline.note import verify_checkpoint
from tests.audit.audit_testkit import mth, node_store
from tests.audit.log_scenarios import record_and_integrate

THREADS = 8
PROCESSES = 2
EACH = 12


def test_threads_and_processes_appending_at_once_make_one_consistent_log(app, db, database_url):
    with app.app_context():
        settings = log_settings()
    arguments = (database_url, settings.signer.key_string(), settings.origin, EACH)
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(tag: str) -> None:
        try:
            start.wait()
            record_and_integrate(*arguments, tag)
        except BaseException as e:  # reported below: a thread cannot fail the test itself
            errors.append(e)

    spawn = multiprocessing.get_context("spawn")
    processes = [
        spawn.Process(target=record_and_integrate, args=(*arguments, f"p{n}"))
        for n in range(PROCESSES)
    ]
    threads = [threading.Thread(target=writer, args=(f"t{n}",)) for n in range(THREADS)]
    for worker in [*processes, *threads]:
        worker.start()
    for worker in [*processes, *threads]:
        worker.join()
    assert errors == []
    assert [p.exitcode for p in processes] == [0] * PROCESSES
    integrate(db, settings)

    expected = (THREADS + PROCESSES) * EACH
    assert db.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == expected
    assert db.scalar(sa.select(sa.func.count()).select_from(PendingEvent)) == 0
    assert_consistent_log(db, settings, expected)


def assert_consistent_log(db, settings, expected):
    rows = db.execute(
        sa.select(AuditLeaf.seq, AuditLeaf.event_id, AuditLeaf.leaf, AuditLeaf.leaf_hash).order_by(
            AuditLeaf.seq
        )
    ).all()
    assert [r.seq for r in rows] == list(range(expected))  # one sequence, no gaps
    assert len({r.event_id for r in rows}) == expected  # no event twice
    leaves = [bytes(r.leaf) for r in rows]
    contents = [json.loads(leaf) for leaf in leaves]
    assert [c["seq"] for c in contents] == list(range(expected))
    times = [c["recorded_at"] for c in contents]
    assert times == sorted(times)
    assert all(bytes(r.leaf_hash) == leaf_hash(leaf) for r, leaf in zip(rows, leaves, strict=True))
    assert sorted({(c["subject"]["w"], c["subject"]["n"]) for c in contents}) == sorted(
        (w, n)
        for w in [f"t{i}" for i in range(THREADS)] + [f"p{i}" for i in range(PROCESSES)]
        for n in range(EACH)
    )
    store = node_store(leaves)
    stored = {(n.level, n.index): bytes(n.hash) for n in db.scalars(sa.select(AuditNode))}
    assert stored == {key: h for key, h in store.items() if key[0] > 0}
    checkpoints = db.scalars(sa.select(AuditCheckpoint).order_by(AuditCheckpoint.size)).all()
    assert checkpoints[-1].size == expected
    previous = None
    for checkpoint in checkpoints:
        signed = verify_checkpoint(checkpoint.note, settings.verifier, settings.origin)
        assert signed.root == mth(leaves[: signed.size])
        if previous is not None and previous.size > 0:
            proof = consistency_proof(previous.size, signed.size, lambda lv, i: store[lv, i])
            verify_consistency(previous.size, signed.size, proof, previous.root, signed.root)
        previous = signed
