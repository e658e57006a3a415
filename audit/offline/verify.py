"""Verifying an audit-log bundle offline, and `vanthu audit verify`, the command behind it.

Verifying rebuilds the whole Merkle tree from the entries and holds it against each checkpoint.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from audit.errors import (
    BundleError,
    BundleTampered,
    BundleUnusable,
    CheckpointError,
    ProofError,
    ReceiptError,
)
from audit.offline.bundle import (
    CHECKPOINTS,
    ENTRIES,
    MAX_LEAF,
    MAX_SMALL_FILE,
    READ_SIZE,
    VKEY,
    BundleSource,
    open_source,
)
from audit.offline.entries import Block, EntryChecker, tampered_entry
from audit.offline.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    verify_consistency,
    verify_inclusion,
)
from audit.offline.note import (
    Checkpoint,
    Verifier,
    b64,
    parse_verifier_key,
    verify_checkpoint,
)
from audit.offline.rebuild import TreeBuilder, wanted_nodes
from audit.offline.receipt import Receipt, parse_receipt


@dataclass(frozen=True)
class BundleReport:
    """What an intact bundle was found to hold."""

    entries: int
    root: bytes
    origin: str | None
    checkpoints: tuple[str, ...]
    receipts: tuple[str, ...] = ()
    full_check: bool = False
    entries_parsed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form."""
        return {
            "status": "intact",
            "entries": self.entries,
            "checkpoints": len(self.checkpoints),
            "checkpoint_files": list(self.checkpoints),
            "origin": self.origin,
            "root": b64(self.root),
            "receipts": list(self.receipts),
            "canonical_check": "full" if self.full_check else "sample",
            "entries_parsed": self.entries_parsed,
        }


@dataclass
class _Receipt:
    label: str
    receipt: Receipt
    checkpoint: Checkpoint


@dataclass
class _State:
    checkpoints: dict[int, list[tuple[str, Checkpoint]]]
    roots: dict[int, bytes] = field(default_factory=dict)
    last_good: tuple[int, bytes] | None = None


def _load_verifier(src: BundleSource) -> Verifier:
    raw = src.read(VKEY)
    if raw is None:
        raise BundleUnusable(f"the bundle has no {VKEY}", place=VKEY)
    try:
        return parse_verifier_key(raw.decode("utf-8"))
    except (UnicodeDecodeError, CheckpointError) as e:
        reason = e.message if isinstance(e, CheckpointError) else "not UTF-8"
        raise BundleUnusable(f"{VKEY} is not a verifier key: {reason}", place=VKEY) from None


def _load_checkpoints(src: BundleSource, verifier: Verifier) -> list[tuple[str, Checkpoint]]:
    names = src.checkpoint_names()
    if names is None:
        raise BundleUnusable(f"the bundle has no {CHECKPOINTS}/ folder", place=CHECKPOINTS + "/")
    found: list[tuple[str, Checkpoint]] = []
    for name in names:
        if name.startswith("."):
            continue
        label = f"{CHECKPOINTS}/{name}"
        if not (name.isascii() and name.isdigit()):
            raise BundleUnusable(
                f"{label} is not a checkpoint: names must be the tree size", place=label
            )
        raw = src.read(label)
        if raw is None:
            raise BundleUnusable(f"{label} is not a file", place=label)

        def bad(message: str, label: str = label) -> BundleTampered:
            return BundleTampered(f"{label}: {message}", place=label, checkpoint=label)

        if len(raw) > MAX_SMALL_FILE:
            raise bad("too large to be a checkpoint")
        try:
            checkpoint = verify_checkpoint(raw, verifier)
        except CheckpointError as e:
            raise bad(e.message) from None
        if checkpoint.size != int(name):
            raise bad(f"file is named for size {int(name)} but holds size {checkpoint.size}")
        found.append((label, checkpoint))
    if not found:
        raise BundleUnusable("the bundle holds no checkpoint", place=CHECKPOINTS + "/")
    found.sort(key=lambda item: (item[1].size, item[0]))
    origin = found[0][1].origin
    for label, checkpoint in found:
        if checkpoint.origin != origin:
            raise BundleTampered(
                f"{label}: checkpoint of log {checkpoint.origin!r}, the others are of {origin!r}",
                place=label,
                checkpoint=label,
            )
    return found


def _load_receipts(receipts: Iterable[str | tuple[str, str]], verifier: Verifier) -> list[_Receipt]:
    loaded = []
    for number, item in enumerate(receipts):
        label, text = item if isinstance(item, tuple) else (f"#{number + 1}", item)
        place = f"receipt {label}"
        try:
            receipt = parse_receipt(text)
        except ReceiptError as e:
            raise BundleUnusable(f"{place}: {e.message}", place=place) from None
        try:
            checkpoint = verify_checkpoint(receipt.checkpoint, verifier)
        except CheckpointError as e:
            raise BundleTampered(
                f"{place}: its checkpoint {e.message}", place=place, entry=receipt.index
            ) from None
        loaded.append(_Receipt(label, receipt, checkpoint))
    return loaded


def _read_blocks(stream: IO[bytes]) -> Iterator[Block]:
    """Yield the entries file in blocks of whole lines.

    A last line with no newline comes alone, as a block whose ``data`` lacks the newline. A runaway
    line is cut at MAX_LEAF + 1 bytes so memory stays bounded; the caller reports it.
    """
    carry = b""
    while True:
        chunk = stream.read(READ_SIZE)
        if not chunk:
            break
        buffer = carry + chunk
        cut = buffer.rfind(b"\n") + 1
        data, carry = buffer[:cut], buffer[cut:]
        if len(carry) > MAX_LEAF:
            data, carry = data + carry + b"\n", b""
        if data:
            lines = data.split(b"\n")
            lines.pop()
            yield Block(data, lines)
    if carry:
        yield Block(carry, [carry])


def verify_bundle(
    path: str | Path,
    receipts: Iterable[str | tuple[str, str]] = (),
    *,
    full: bool = False,
) -> BundleReport:
    """Verify an exported bundle (folder or .zip); return its report, or raise a BundleError.

    ``receipts`` are tlog-proof texts, optionally as (label, text) so errors can name them.
    Raises BundleTampered (exit 1) naming the entry or checkpoint file at fault, or BundleUnusable
    (exit 2) when the bundle cannot be checked. ``full`` parses every entry (see the notes above).
    """
    with open_source(path) as src:
        verifier = _load_verifier(src)
        checkpoints = _load_checkpoints(src, verifier)
        loaded = _load_receipts(receipts, verifier)
        stream = src.open_entries()
        if stream is None:
            raise BundleUnusable(f"the bundle has no {ENTRIES}", place=ENTRIES)
        with stream:
            return _verify(stream, checkpoints, loaded, full)


def _verify(
    stream: IO[bytes],
    checkpoints: list[tuple[str, Checkpoint]],
    receipts: list[_Receipt],
    full: bool,
) -> BundleReport:
    state = _State(checkpoints={})
    for label, checkpoint in checkpoints:
        state.checkpoints.setdefault(checkpoint.size, []).append((label, checkpoint))
    sizes = sorted(state.checkpoints)
    pairs = [(a, b) for a, b in itertools.pairwise(sizes) if a > 0]
    cuts = sizes + [r.checkpoint.size for r in receipts]
    wanted = wanted_nodes(pairs, (r.receipt.index for r in receipts))

    tree: TreeBuilder

    def on_cut(size: int, root: bytes) -> None:
        state.roots[size] = root
        start = state.last_good[0] if state.last_good else 0
        for label, checkpoint in state.checkpoints.get(size, []):
            if checkpoint.root != root and size == 0:
                raise BundleTampered(
                    f"{label}: the root of the empty tree is wrong", place=label, checkpoint=label
                )
            if checkpoint.root != root and start == size - 1:
                raise tampered_entry(
                    start,
                    f"altered: it no longer hashes to the root signed in {label} "
                    "(or the log signed a forked tree)",
                )
            if checkpoint.root != root:
                raise BundleTampered(
                    f"{label}: the signed root does not match entries 0..{size - 1}: an entry in "
                    f"{start}..{size - 1} was altered, or the log signed a forked tree",
                    place=label,
                    checkpoint=label,
                    first_entry=start,
                    last_entry=size - 1,
                )
            if state.last_good and state.last_good[0] > 0 and size > state.last_good[0]:
                old_size, old_root = state.last_good
                try:
                    proof = consistency_proof(old_size, size, tree.node)
                    verify_consistency(old_size, size, proof, old_root, checkpoint.root)
                except ProofError as e:
                    raise BundleTampered(
                        f"{label}: not consistent with the size-{old_size} checkpoint: {e.message}",
                        place=label,
                        checkpoint=label,
                    ) from None
        if size in state.checkpoints:
            state.last_good = (size, root)

    tree = TreeBuilder(cuts, wanted, on_cut)
    checker = EntryChecker(full)
    count = 0
    for block in _read_blocks(stream):
        lines = block.lines
        try:
            if not block.data.endswith(b"\n"):
                raise tampered_entry(count, f"{ENTRIES} does not end with a newline (truncated?)")
            if max(map(len, lines)) > MAX_LEAF:
                index = count + next(i for i, line in enumerate(lines) if len(line) > MAX_LEAF)
                raise tampered_entry(index, f"longer than {MAX_LEAF} bytes")
            checker.check(block, count)
        except BundleTampered as e:
            assert e.entry is not None
            tree.add(lines[: e.entry - count])  # an earlier checkpoint failure is reported first
            raise
        tree.add(lines)
        count += len(lines)

    return _finish(state, tree, checker, receipts, count, full)


def _finish(
    state: _State,
    tree: TreeBuilder,
    checker: EntryChecker,
    receipts: list[_Receipt],
    count: int,
    full: bool,
) -> BundleReport:
    for size in sorted(state.checkpoints):
        if size > count:
            label = state.checkpoints[size][0][0]
            raise BundleTampered(
                f"{label}: the log signed {size} entries but the bundle holds {count}: "
                f"entries from {count} on are missing",
                place=label,
                checkpoint=label,
                entry=count,
            )
    largest = max(state.checkpoints)
    if count > largest:
        raise tampered_entry(largest, "not covered by any signed checkpoint (entries appended?)")
    for r in receipts:
        _check_receipt(r, state, tree, count)
    origin = next(iter(state.checkpoints.values()))[0][1].origin
    ordered = sorted(state.checkpoints)
    labels = tuple(label for size in ordered for label, _ in state.checkpoints[size])
    return BundleReport(
        entries=count,
        root=state.roots.get(count, EMPTY_ROOT),
        origin=origin,
        checkpoints=labels,
        receipts=tuple(r.label for r in receipts),
        full_check=full,
        entries_parsed=checker.parsed,
    )


def _check_receipt(r: _Receipt, state: _State, tree: TreeBuilder, count: int) -> None:
    place = f"receipt {r.label}"
    index, size = r.receipt.index, r.checkpoint.size
    if index >= count:
        raise BundleTampered(
            f"{place}: proves entry {index}, but the bundle holds only {count} entries",
            place=place,
            entry=index,
        )
    if size in state.roots and state.roots[size] != r.checkpoint.root:
        raise BundleTampered(
            f"{place}: its signed checkpoint at size {size} disagrees with the bundle's entries",
            place=place,
            entry=index,
        )
    try:
        verify_inclusion(tree.node(0, index), index, size, r.receipt.proof, r.checkpoint.root)
    except ProofError as e:
        raise BundleTampered(
            f"{place}: entry {index} is not the entry it proves: {e.message}",
            place=place,
            entry=index,
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vanthu audit verify",
        description="Verify an exported audit-log bundle offline. "
        "Exit 0: intact; 1: tampered; 2: unusable.",
    )
    parser.add_argument("bundle", help="bundle folder or .zip")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--receipt", action="append", default=[], metavar="FILE", help="tlog-proof receipt to check"
    )
    parser.add_argument(
        "--full", action="store_true", help="parse every entry as canonical JSON, not a sample"
    )
    return parser


def _failure(error: BundleError) -> dict[str, Any]:
    """The ``--json`` form of a failed verification; counts are unknown once checking stopped."""
    extra = {k: v for k, v in error.data.items() if k not in ("place", "entry", "checkpoint")}
    return {
        "status": "tampered" if isinstance(error, BundleTampered) else "unusable",
        "entries": None,
        "checkpoints": None,
        "error": error.message,
        "code": error.code,
        "place": error.place,
        "entry": error.entry,
        "checkpoint": error.checkpoint,
        **extra,
    }


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None) -> int:
    """``vanthu audit verify BUNDLE [--json] [--receipt FILE ...] [--full]``; returns exit code."""
    out = out or sys.stdout
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 2
    try:
        receipts = []
        for name in args.receipt:
            try:
                receipts.append((name, Path(name).read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as e:
                message = f"cannot read receipt {name}: {e}"
                raise BundleUnusable(message, place=f"receipt {name}") from None
        report = verify_bundle(args.bundle, receipts, full=args.full)
    except BundleError as error:
        if args.json:
            print(json.dumps(_failure(error), ensure_ascii=False), file=out)
        else:
            word = "TAMPERED" if isinstance(error, BundleTampered) else "UNUSABLE"
            print(f"{word}: {error.message}", file=out)
        return error.exit_code
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False), file=out)
    else:
        print(
            f"intact: {report.entries} entries, {len(report.checkpoints)} checkpoints, "
            f"root {b64(report.root)}",
            file=out,
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
