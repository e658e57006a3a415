"""Offline bundle verification: intact bundles pass, and each kind of tampering is named.

A 50-entry log with checkpoints at 7, 16, 33 and 50 is altered the ways an attacker or a broken
export would alter it; each case checks the exception, its place and the CLI exit code.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.errors import AuditError, BundleTampered, BundleUnusable
from audit.offline import entries, merkle
from audit.offline import verify as bundle_module
from audit.offline.bundle import write_bundle
from audit.offline.canonical import canonical_json
from audit.offline.merkle import EMPTY_ROOT
from audit.offline.receipt import make_receipt
from audit.offline.verify import BundleReport, main, verify_bundle
from tests.audit.audit_testkit import ORIGIN, Log, event, node_store, subproof

SIZES = (7, 16, 33, 50)
LOG = Log.create(50)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return LOG.write(tmp_path / "bundle", SIZES)


def lines_of(path: Path) -> list[bytes]:
    return (path / "entries.jsonl").read_bytes().split(b"\n")[:-1]


def write_lines(path: Path, lines: list[bytes]) -> None:
    (path / "entries.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def tampered(path: Path, **kwargs: object) -> BundleTampered:
    with pytest.raises(BundleTampered) as info:
        verify_bundle(path, **kwargs)  # type: ignore[arg-type]
    return info.value


def unusable(path: Path) -> BundleUnusable:
    with pytest.raises(BundleUnusable) as info:
        verify_bundle(path)
    return info.value


# ------------------------------------------------------------------------------------------------
# Intact bundles


def test_intact(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = verify_bundle(bundle)
    assert isinstance(report, BundleReport)
    assert report.entries == 50
    assert report.root == LOG.root(50)
    assert report.origin == ORIGIN
    assert report.checkpoints == tuple(f"checkpoints/{s:08d}" for s in SIZES)
    assert report.entries_parsed >= 1  # entry 0 is always parsed in full
    code, out = run_cli(capsys, str(bundle))
    assert code == 0
    assert out["status"] == "intact" and out["entries"] == 50 and out["checkpoints"] == 4
    assert main([str(bundle)]) == 0
    assert capsys.readouterr().out.startswith("intact: 50 entries, 4 checkpoints")


def test_full_mode_parses_every_entry(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert verify_bundle(bundle, full=True).entries_parsed == 50
    code, out = run_cli(capsys, str(bundle), "--full")
    assert code == 0 and out["canonical_check"] == "full"


def test_layout(bundle: Path) -> None:
    assert sorted(p.name for p in (bundle / "checkpoints").iterdir()) == [
        "00000007",
        "00000016",
        "00000033",
        "00000050",
    ]
    assert (bundle / "log.vkey").read_text() == LOG.vkey + "\n"
    assert lines_of(bundle) == LOG.leaves


def test_short_checkpoint_names_are_accepted(bundle: Path) -> None:
    (bundle / "checkpoints" / "00000016").rename(bundle / "checkpoints" / "16")
    assert "checkpoints/16" in verify_bundle(bundle).checkpoints


@pytest.mark.parametrize("inside_folder", [False, True])
def test_zip(bundle: Path, tmp_path: Path, inside_folder: bool) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for file in sorted(bundle.rglob("*")):
            if file.is_file():
                name = file.relative_to(bundle.parent if inside_folder else bundle)
                z.write(file, str(name))
    assert verify_bundle(archive).entries == 50


def test_empty_log(tmp_path: Path) -> None:
    path = write_bundle(tmp_path / "b", [], [LOG.checkpoint(0, EMPTY_ROOT)], LOG.vkey)
    assert verify_bundle(path).entries == 0


def test_nested_keys_and_extra_keys_take_the_slow_path(tmp_path: Path) -> None:
    """A leaf may hold 'recorded_at' deeper down, or extra top-level keys: still exact."""
    log = Log.create(0)
    log.leaves = [event(i, i, details={"recorded_at": "x", "seq": 99}) for i in range(10)]
    log.leaves += [event(i, i, result="ok", s=3) for i in range(10, 20)]  # between the two keys
    report = verify_bundle(log.write(tmp_path / "b", (20,)))
    assert report.entries == 20 and report.entries_parsed >= 20


def test_many_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny reads: lines split across blocks, seq widths 1..3 digits, cut points mid-block."""
    log = Log.create(150)
    path = log.write(tmp_path / "b", (1, 9, 10, 99, 100, 101, 128, 150))
    for size in (7, 300, 1000, 4096):
        monkeypatch.setattr(bundle_module, "READ_SIZE", size)
        assert verify_bundle(path).entries == 150
    monkeypatch.setattr(bundle_module, "READ_SIZE", 700)
    log.leaves[120] = event(120, 20)
    path = log.write(tmp_path / "c", (150,))
    assert tampered(path).entry == 120


# ------------------------------------------------------------------------------------------------
# Tampered entries


def test_edited_leaf_byte_names_the_checkpoint_range(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = lines_of(bundle)
    lines[20] = lines[20].replace("thành công".encode(), "thất bại".encode())
    write_lines(bundle, lines)
    error = tampered(bundle)
    assert error.place == "checkpoints/00000033" == error.checkpoint
    assert error.data["first_entry"] == 16 and error.data["last_entry"] == 32
    code, out = run_cli(capsys, str(bundle))
    assert code == 1
    assert out["status"] == "tampered" and out["place"] == "checkpoints/00000033"


def test_edited_seq_names_the_entry(bundle: Path) -> None:
    lines = lines_of(bundle)
    lines[20] = lines[20].replace(b'"seq":20,', b'"seq":21,')
    write_lines(bundle, lines)
    error = tampered(bundle)
    assert error.entry == 20 and error.place == "entry 20"


def test_deleted_line(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = lines_of(bundle)
    del lines[20]
    write_lines(bundle, lines)
    error = tampered(bundle)
    assert error.entry == 20 and "seq is 21" in error.message
    code, out = run_cli(capsys, str(bundle))
    assert code == 1 and out["entry"] == 20


def test_reordered_lines(bundle: Path) -> None:
    lines = lines_of(bundle)
    lines[20], lines[21] = lines[21], lines[20]
    write_lines(bundle, lines)
    assert tampered(bundle).entry == 20


def test_time_going_backwards(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Even a log that signed it cannot have time run backwards."""
    log = Log.create(50)
    log.leaves[30] = event(30, 12)
    path = log.write(tmp_path / "b", SIZES)
    error = tampered(path)
    assert error.entry == 30 and "earlier than" in error.message
    code, out = run_cli(capsys, str(path))
    assert code == 1 and out["place"] == "entry 30"


def test_equal_times_are_fine(tmp_path: Path) -> None:
    log = Log.create(0)
    log.leaves = [event(i, 5, recorded_at="2026-11-26T05:00:05.000000Z") for i in range(12)]
    assert verify_bundle(log.write(tmp_path / "b", (12,))).entries == 12


def test_invalid_timestamp(tmp_path: Path) -> None:
    """The fast path checks the shape; the calendar is checked when the entry is parsed."""
    log = Log.create(5)
    log.leaves[3] = event(3, 3, recorded_at="2026-13-45T05:00:03.000000Z")
    path = log.write(tmp_path / "b", (5,))
    assert tampered(path, full=True).entry == 3
    assert tampered(path).entry in (3, 4)  # month 13 also sorts after entry 4's time
    log.leaves[3] = event(3, 3, recorded_at="2026-11-26T05:00:03.000000")
    assert tampered(log.write(tmp_path / "c", (5,))).entry == 3


def test_non_canonical_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = Log.create(20)
    log.leaves[11] = json.dumps(json.loads(log.leaves[11])).encode()  # spaces after ':' and ','
    path = log.write(tmp_path / "b", (20,))
    assert "canonical" in tampered(path, full=True).message
    monkeypatch.setattr(entries, "SAMPLE_EVERY", 1)
    assert tampered(path).entry == 11


def test_non_canonical_entry_zero_is_always_parsed(tmp_path: Path) -> None:
    log = Log.create(5)
    log.leaves[0] = log.leaves[0].replace(b'"v":1', b'"v":1.0')
    assert tampered(log.write(tmp_path / "b", (5,))).entry == 0


def test_missing_required_key(tmp_path: Path) -> None:
    log = Log.create(5)
    body = json.loads(log.leaves[2])
    del body["type"]
    log.leaves[2] = canonical_json(body)
    error = tampered(log.write(tmp_path / "b", (5,)), full=True)  # see SAMPLE_EVERY
    assert error.entry == 2 and "type" in error.message


def test_truncated_entries(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_lines(bundle, lines_of(bundle)[:45])
    error = tampered(bundle)
    assert error.place == "checkpoints/00000050" and error.entry == 45
    code, out = run_cli(capsys, str(bundle))
    assert code == 1 and out["entry"] == 45


def test_unterminated_last_line(bundle: Path) -> None:
    data = (bundle / "entries.jsonl").read_bytes()
    (bundle / "entries.jsonl").write_bytes(data[:-1])
    assert tampered(bundle).entry == 49


def test_appended_entry(bundle: Path) -> None:
    write_lines(bundle, [*lines_of(bundle), event(50, 50)])
    error = tampered(bundle)
    assert error.entry == 50 and "not covered" in error.message


def test_blank_line(bundle: Path) -> None:
    lines = lines_of(bundle)
    lines.insert(10, b"")
    write_lines(bundle, lines)
    assert tampered(bundle).entry == 10


def test_earliest_problem_is_reported(bundle: Path) -> None:
    lines = lines_of(bundle)
    lines[3] = lines[3].replace(b"acc_3", b"acc_9")  # caught by the size-7 root
    del lines[40]  # caught by seq at entry 40
    write_lines(bundle, lines)
    assert tampered(bundle).place == "checkpoints/00000007"


# ------------------------------------------------------------------------------------------------
# Tampered checkpoints


def test_changed_checkpoint_root(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = bundle / "checkpoints" / "00000033"
    text = file.read_text().split("\n")
    text[2] = text[2][:5] + ("A" if text[2][5] != "A" else "B") + text[2][6:]
    file.write_text("\n".join(text))
    error = tampered(bundle)
    assert error.place == "checkpoints/00000033" and "does not verify" in error.message
    code, out = run_cli(capsys, str(bundle))
    assert code == 1 and out["checkpoint"] == "checkpoints/00000033"


def test_resigned_inconsistent_checkpoint(bundle: Path) -> None:
    """The right key signed a root that is not the tree of these entries: a fork."""
    forged = LOG.checkpoint(33, root=LOG.root(32))
    (bundle / "checkpoints" / "00000033").write_text(forged)
    error = tampered(bundle)
    assert error.place == "checkpoints/00000033"
    assert "does not match" in error.message


def test_rewritten_history_is_caught_by_an_old_receipt(bundle: Path, tmp_path: Path) -> None:
    """Re-signing every checkpoint hides a rewrite from the bundle alone, not from a receipt."""
    store = node_store(LOG.leaves)
    old = make_receipt(5, 16, lambda lv, i: store[lv, i], LOG.checkpoint(16))
    rewritten = Log(LOG.signer, LOG.skey, LOG.vkey, list(LOG.leaves))
    rewritten.leaves[5] = event(5, 5, actor="someone else")
    path = rewritten.write(tmp_path / "rewritten", SIZES)
    assert verify_bundle(path).entries == 50
    error = tampered(path, receipts=[("old.tlog-proof", old)])
    assert error.place == "receipt old.tlog-proof" and error.entry == 5


def test_checkpoint_renamed_to_another_size(bundle: Path) -> None:
    (bundle / "checkpoints" / "00000033").rename(bundle / "checkpoints" / "00000034")
    assert tampered(bundle).place == "checkpoints/00000034"


def test_garbage_checkpoint(bundle: Path) -> None:
    (bundle / "checkpoints" / "00000016").write_bytes(b"\x00\xffnot a note")
    assert tampered(bundle).place == "checkpoints/00000016"


def test_checkpoint_by_another_key(bundle: Path) -> None:
    other = Log.create(50)
    (bundle / "checkpoints" / "00000016").write_text(other.checkpoint(16))
    assert "not signed by key" in tampered(bundle).message


def test_checkpoint_of_another_origin(bundle: Path) -> None:
    (bundle / "checkpoints" / "00000016").write_text(LOG.checkpoint(16, origin="other/log"))
    assert tampered(bundle).place == "checkpoints/00000016"


# ------------------------------------------------------------------------------------------------
# Unusable bundles


@pytest.mark.parametrize(
    ("damage", "place"),
    [
        (lambda p: (p / "log.vkey").unlink(), "log.vkey"),
        (lambda p: (p / "log.vkey").write_text("garbage"), "log.vkey"),
        (lambda p: (p / "log.vkey").write_bytes(b"\xff\xfe"), "log.vkey"),
        (lambda p: (p / "entries.jsonl").unlink(), "entries.jsonl"),
        (lambda p: shutil.rmtree(p / "checkpoints"), "checkpoints/"),
        (lambda p: [f.unlink() for f in (p / "checkpoints").iterdir()], "checkpoints/"),
        (lambda p: (p / "checkpoints" / "latest").write_text("x"), "checkpoints/latest"),
    ],
    ids=["no-vkey", "garbage-vkey", "binary-vkey", "no-entries", "no-folder", "empty", "odd-name"],
)
def test_unusable(
    bundle: Path,
    capsys: pytest.CaptureFixture[str],
    damage: Callable[[Path], object],
    place: str,
) -> None:
    damage(bundle)
    assert unusable(bundle).place == place
    code, out = run_cli(capsys, str(bundle))
    assert code == 2 and out["status"] == "unusable" and out["place"] == place


def test_not_a_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"PK\x03\x04 this is not a zip")
    unusable(garbage)
    unusable(tmp_path / "missing")
    code, out = run_cli(capsys, str(garbage))
    assert code == 2 and out["status"] == "unusable"


def test_cli_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["--help"]) == 0
    capsys.readouterr()


# ------------------------------------------------------------------------------------------------
# Receipts


def _receipt(index: int, size: int) -> str:
    store = node_store(LOG.leaves)
    return make_receipt(index, size, lambda lv, i: store[lv, i], LOG.checkpoint(size))


def test_receipts(bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = verify_bundle(bundle, receipts=[_receipt(3, 16), ("r2", _receipt(40, 50))])
    assert report.receipts == ("#1", "r2")
    file = tmp_path / "r.tlog-proof"
    file.write_text(_receipt(12, 21))  # a size with no checkpoint file in the bundle
    code, out = run_cli(capsys, str(bundle), "--receipt", str(file))
    assert code == 0 and out["receipts"] == [str(file)]


def test_receipt_for_another_entry(bundle: Path) -> None:
    wrong = _receipt(3, 16).replace("index 3\n", "index 4\n")
    error = tampered(bundle, receipts=[("wrong", wrong)])
    assert error.place == "receipt wrong" and error.entry == 4


def test_receipt_beyond_the_bundle(bundle: Path) -> None:
    longer = Log(LOG.signer, LOG.skey, LOG.vkey, [*LOG.leaves, event(50, 50), event(51, 51)])
    store = node_store(longer.leaves)
    receipt = make_receipt(51, 52, lambda lv, i: store[lv, i], longer.checkpoint(52))
    assert tampered(bundle, receipts=[receipt]).entry == 51
    receipt = make_receipt(4, 52, lambda lv, i: store[lv, i], longer.checkpoint(52))
    assert verify_bundle(bundle, receipts=[receipt]).receipts == ("#1",)


def test_bad_receipts(bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(BundleUnusable):
        verify_bundle(bundle, receipts=["not a receipt"])
    other = Log.create(50)
    store = node_store(other.leaves)
    foreign = make_receipt(1, 7, lambda lv, i: store[lv, i], other.checkpoint(7))
    assert tampered(bundle, receipts=[foreign]).place == "receipt #1"
    code, out = run_cli(capsys, str(bundle), "--receipt", str(tmp_path / "missing"))
    assert code == 2 and str(out["place"]).startswith("receipt ")


# ------------------------------------------------------------------------------------------------
# Writing


def test_write_bundle_refuses(tmp_path: Path) -> None:
    LOG.write(tmp_path / "once", SIZES)
    with pytest.raises(FileExistsError):
        LOG.write(tmp_path / "once", SIZES)
    with pytest.raises(ValueError):
        write_bundle(tmp_path / "a", [b"{}\n{}"], [], LOG.vkey)
    with pytest.raises(AuditError):  # the checkpoint does not verify with this vkey
        write_bundle(tmp_path / "b", LOG.leaves, [Log.create(1).checkpoint(1)], LOG.vkey)
    with pytest.raises(ValueError):
        write_bundle(tmp_path / "c", LOG.leaves, [LOG.checkpoint(7), LOG.checkpoint(7)], LOG.vkey)


# ------------------------------------------------------------------------------------------------
# Any single changed byte is caught


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, 10**6), st.integers(1, 255))
def test_any_changed_entry_byte_is_caught(tmp_path: Path, position: int, xor: int) -> None:
    path = tmp_path / f"b{position}-{xor}"
    if not path.exists():
        LOG.write(path, SIZES)
    data = bytearray((path / "entries.jsonl").read_bytes())
    data[position % len(data)] ^= xor
    (path / "entries.jsonl").write_bytes(bytes(data))
    with pytest.raises(BundleTampered):
        verify_bundle(path)


def test_consistency_is_proven_between_successive_checkpoints(
    bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, int, list[bytes]]] = []

    def spy(size1: int, size2: int, proof: list[bytes], root1: bytes, root2: bytes) -> None:
        calls.append((size1, size2, list(proof)))
        merkle.verify_consistency(size1, size2, proof, root1, root2)

    monkeypatch.setattr(bundle_module, "verify_consistency", spy)
    verify_bundle(bundle)
    assert [(a, b) for a, b, _ in calls] == [(7, 16), (16, 33), (33, 50)]
    for a, b, proof in calls:
        assert proof == subproof(a, LOG.leaves[:b], True)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_random_bundles_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    count = data.draw(st.integers(1, 140), label="entries")
    sizes = data.draw(st.sets(st.integers(0, count), max_size=6), label="sizes") | {count}
    monkeypatch.setattr(bundle_module, "READ_SIZE", data.draw(st.integers(1, 5000), label="read"))
    log = Log(LOG.signer, LOG.skey, LOG.vkey, [event(i, i) for i in range(count)])
    path = log.write(tmp_path / f"b{len(list(tmp_path.iterdir()))}", sorted(sizes))
    store = node_store(log.leaves)
    index = data.draw(st.integers(0, count - 1), label="receipt index")
    size = data.draw(st.integers(index + 1, count), label="receipt size")
    receipt = make_receipt(index, size, lambda lv, i: store[lv, i], log.checkpoint(size))
    report = verify_bundle(path, receipts=[receipt])
    assert report.entries == count and report.root == log.root(count)
