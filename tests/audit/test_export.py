"""`vanthu audit export` writes a bundle the offline verifier accepts, and every way of tampering
with the database behind it is reported by `vanthu audit verify` with exit 1 and its place.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from audit import export as export_module
from audit import record_event
from audit.config import log_settings
from audit.log import integrate
from audit.models import AuditCheckpoint, AuditLeaf
from audit.offline import verify as offline_verify
from audit.offline.note import sign_checkpoint
from audit.proofs import inclusion
from core import cli
from core.db import utcnow
from tests.audit.audit_testkit import mth

ENTRIES = 12


@pytest.fixture
def settings(app):
    with app.app_context():
        return log_settings()


@pytest.fixture
def log(db, settings):
    """A log of 12 entries, each sequenced (and checkpointed) on its own, as requests do."""
    for i in range(ENTRIES):
        record_event(db, "tests:thing:happen", actor=i, subject={"n": i}, details={"k": "v" * i})
        db.commit()
        integrate(db, settings)
    return db


def export(runner, tmp_path, name="bundle"):
    target = tmp_path / name
    result = runner.invoke(args=["audit", "export", str(target)])
    assert result.exit_code == 0, result.output
    return target


def verify(path, *extra):
    out = io.StringIO()
    code = offline_verify.main([str(path), "--json", *extra], out=out)
    return code, json.loads(out.getvalue())


def leaf_of(db, seq):
    return bytes(db.get(AuditLeaf, seq).leaf)


def set_leaf(db, seq, leaf):
    db.execute(sa.text("UPDATE audit_leaves SET leaf = :l WHERE seq = :s"), {"l": leaf, "s": seq})
    db.commit()


def test_an_exported_bundle_verifies_offline(runner, log, tmp_path):
    path = export(runner, tmp_path)
    lines = (path / "entries.jsonl").read_bytes().split(b"\n")[:-1]
    assert lines == [leaf_of(log, i) for i in range(ENTRIES)]
    assert (path / "log.vkey").read_text().strip() == log_settings_vkey(runner)
    code, report = verify(path, "--full")
    assert code == 0 and report["entries"] == ENTRIES
    assert report["checkpoints"] == ENTRIES  # one per request that recorded an event
    with pytest.raises(SystemExit) as exited:
        cli.main(["audit", "verify", str(path)])
    assert exited.value.code == 0


def log_settings_vkey(runner):
    with runner.app.app_context():
        return log_settings().vkey


def test_export_streams_the_entries(runner, log, tmp_path, monkeypatch):
    seen = {}
    real = export_module.write_bundle

    def spy(directory, leaves, checkpoints, vkey):
        seen["leaves"], seen["checkpoints"] = type(leaves), type(checkpoints)
        return real(directory, leaves, checkpoints, vkey)

    monkeypatch.setattr(export_module, "write_bundle", spy)
    monkeypatch.setattr(export_module, "STREAM_ROWS", 5)
    assert verify(export(runner, tmp_path))[0] == 0
    assert seen == {"leaves": type(x for x in ()), "checkpoints": type(x for x in ())}


def test_export_refuses_a_folder_that_is_not_empty(runner, log, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "old").write_text("x")
    result = runner.invoke(args=["audit", "export", str(tmp_path / "full")])
    assert result.exit_code != 0 and "not empty" in result.output


def test_an_edited_leaf_row_is_named(runner, log, tmp_path):
    set_leaf(log, 5, leaf_of(log, 5).replace(b'"n":5', b'"n":6'))
    code, report = verify(export(runner, tmp_path))
    assert (code, report["place"]) == (1, "entry 5")


def test_a_deleted_leaf_row_is_named(runner, log, tmp_path):
    log.execute(sa.text("DELETE FROM audit_leaves WHERE seq = 4"))
    log.commit()
    code, report = verify(export(runner, tmp_path))
    assert (code, report["place"]) == (1, "entry 4")
    assert "removed or moved" in report["error"]


def test_reordered_leaf_rows_are_named(runner, log, tmp_path):
    third, fourth = leaf_of(log, 3), leaf_of(log, 4)
    set_leaf(log, 3, fourth)
    set_leaf(log, 4, third)
    code, report = verify(export(runner, tmp_path))
    assert (code, report["place"]) == (1, "entry 3")


def test_a_changed_stored_node_is_caught_by_the_receipts_it_would_prove(
    client, runner, log, tmp_path, make
):
    path = export(runner, tmp_path)
    honest = inclusion(log, 2).receipt()
    log.execute(
        sa.text('UPDATE audit_nodes SET hash = :h WHERE level = 1 AND "index" = 0'),
        {"h": bytes(32)},
    )
    log.commit()
    forged = inclusion(log, 2).receipt()  # what the altered tree would hand out
    (tmp_path / "honest.tlog-proof").write_text(honest)
    (tmp_path / "forged.tlog-proof").write_text(forged)
    assert verify(path, "--receipt", str(tmp_path / "honest.tlog-proof"))[0] == 0
    code, report = verify(path, "--receipt", str(tmp_path / "forged.tlog-proof"))
    assert (code, report["place"]) == (1, f"receipt {tmp_path / 'forged.tlog-proof'}")
    assert report["entry"] == 2

    from accounts.models import Role
    from tests.conftest import TEST_PASSWORD

    make.user("kiemtoan", roles=[Role.AUDITOR])
    client.post("/login", data={"username": "kiemtoan", "password": TEST_PASSWORD})
    refused = client.get("/log/entries/2/receipt")  # the log will not hand it out itself
    assert refused.status_code == 500 and refused.get_json()["error"] == "log_inconsistent"


def test_a_checkpoint_re_signed_over_another_tree_is_named(runner, log, tmp_path, settings):
    record_event(log, "tests:thing:happen", actor=None)
    log.commit()
    integrate(log, settings)
    leaves = [leaf_of(log, i) for i in range(ENTRIES + 1)]
    leaves[7] = leaves[7].replace(b'"n":7', b'"n":8')  # the history someone wishes it had
    forged = sign_checkpoint(settings.signer, settings.origin, ENTRIES + 1, mth(leaves))
    log.execute(sa.text("DELETE FROM audit_checkpoints WHERE size = :s"), {"s": ENTRIES + 1})
    log.execute(
        sa.insert(AuditCheckpoint).values(
            size=ENTRIES + 1, root=mth(leaves), note=forged, created_at=utcnow()
        )
    )
    log.commit()
    code, report = verify(export(runner, tmp_path))
    assert code == 1
    assert "checkpoints/00000013" in report["error"]


def test_an_auditor_flips_one_byte_and_sees_the_entry_named(runner, log, tmp_path):
    path = export(runner, tmp_path)
    with pytest.raises(SystemExit) as exited:
        cli.main(["audit", "verify", str(path)])
    assert exited.value.code == 0
    entries = path / "entries.jsonl"
    data = bytearray(entries.read_bytes())
    start = data.index(leaf_of(log, 9))
    at = start + leaf_of(log, 9).index(b'"type":"tests') + len(b'"type":"t')
    data[at] ^= 0x01  # "tests" -> "tdsts": still canonical JSON, but not what was logged
    entries.write_bytes(bytes(data))
    code, report = verify(path)
    assert (code, report["place"], report["entry"]) == (1, "entry 9", 9)
    out = io.StringIO()
    assert offline_verify.main([str(path)], out=out) == 1
    assert out.getvalue().startswith("TAMPERED: entry 9:")


def test_an_export_of_a_log_that_refuses_to_sign_warns_and_still_writes(runner, log, tmp_path):
    log.execute(
        sa.text('UPDATE audit_nodes SET hash = :h WHERE level = 2 AND "index" = 2'),
        {"h": bytes(32)},
    )
    log.commit()
    record_event(log, "tests:thing:happen", actor=None)
    log.commit()
    result = runner.invoke(args=["audit", "export", str(tmp_path / "b")])
    assert result.exit_code == 1
    assert "refuses to sign" in result.output
    assert verify(tmp_path / "b")[0] == 0  # what was signed is intact; the new event waits
    assert Path(tmp_path / "b" / "entries.jsonl").read_bytes().count(b"\n") == ENTRIES
