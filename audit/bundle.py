"""Offline auditor for exported audit-log bundles: write them, verify them, and the CLI behind it.

Verifying rebuilds the whole Merkle tree from the entries and holds it against each checkpoint.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import itertools
import json
import re
import secrets
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from operator import add, le
from pathlib import Path
from typing import IO, Any

from audit.canonical import parse_canonical
from audit.errors import (
    BundleError,
    BundleTampered,
    BundleUnusable,
    CanonicalJSONError,
    CheckpointError,
    ProofError,
    ReceiptError,
)
from audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    Node,
    consistency_proof,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from audit.note import (
    Checkpoint,
    Verifier,
    b64,
    parse_verifier_key,
    verify_checkpoint,
)
from audit.receipt import Receipt, parse_receipt

# Bundle layout (a directory, or a .zip of it, optionally inside one top-level folder):
#
#   entries.jsonl      line i = exactly the bytes of leaf i, then "\n"
#   checkpoints/NNN    one signed checkpoint note per file, named by its tree size in decimal;
#                      written zero-padded to 8 digits (00000042), any all-digit name is read
#   log.vkey           the log's verifier key, name+hex(keyid)+base64(0x01||pub)
#
# What is checked, and how fast:
#
# * Integrity, exactly and for every byte: each line is hashed, the tree is rebuilt with a compact
#   range (inner nodes hashed level by level in bulk), each checkpoint's signature is verified and
#   its root compared with the rebuilt root at its size, successive checkpoints are proven
#   consistent, every entry must be covered by a checkpoint, receipts are checked on the same tree.
# * Entry order, for every entry: ``seq`` equals the line number and ``recorded_at`` (fixed form
#   YYYY-MM-DDTHH:MM:SS.ffffffZ, UTC) never goes backwards. Both are read without JSON parsing: a
#   block of lines is searched once for the top-level key, whose sorted successor is ``seq``, and
#   the results are compared as whole-block byte strings. This is exact for well-formed leaves
#   (each holds its top-level ``recorded_at`` once); a block where any line looks different is
#   re-checked line by line and the odd lines are parsed in full.
# * Canonical form (RFC 8785, required keys, real calendar time) of every entry with ``full=True``
#   (``--full``); otherwise of entry 0, of every odd line, and of a random sample of one entry in
#   SAMPLE_EVERY on average, drawn with ``secrets`` so a writer cannot predict it.
#
# The trade-off: a leaf that the log itself signed although it is malformed (a misbehaving log, not
# an outside tamperer) is caught by default only with the sample's probability, in exchange for
# verifying a million entries in about three times the time it takes merely to hash them. Anyone
# altering a signed bundle without the log key is caught either way, by the hashes and signatures.

ENTRIES = "entries.jsonl"
CHECKPOINTS = "checkpoints"
VKEY = "log.vkey"
REQUIRED_KEYS = ("recorded_at", "seq", "type", "v")
SAMPLE_EVERY = 128
READ_SIZE = 1 << 20
MAX_LEAF = 1 << 20
MAX_SMALL_FILE = 1 << 16

_sha256 = hashlib.sha256
_RECORDED_AT = b'"recorded_at":"'
_TS_LEN = 27
_TS_SHAPE = b"0000-00-00T00:00:00.000000Z"
_ZERO_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_TS_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
_SEQ_KEY = b'","seq":'
_SEQ_AFTER = _SEQ_KEY + b"%d,"


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


# --------------------------------------------------------------------------------------------------
# Reading a bundle directory or zip


class _Source:
    """Uniform access to a bundle's files, wherever they are stored."""

    def open_entries(self) -> IO[bytes] | None:
        raise NotImplementedError

    def checkpoint_names(self) -> list[str] | None:
        raise NotImplementedError

    def read(self, relpath: str) -> bytes | None:
        raise NotImplementedError


class _DirSource(_Source):
    def __init__(self, root: Path) -> None:
        self.root = root

    def open_entries(self) -> IO[bytes] | None:
        path = self.root / ENTRIES
        return path.open("rb") if path.is_file() else None

    def checkpoint_names(self) -> list[str] | None:
        folder = self.root / CHECKPOINTS
        if not folder.is_dir():
            return None
        return sorted(p.name for p in folder.iterdir())

    def read(self, relpath: str) -> bytes | None:
        path = self.root / relpath
        if not path.is_file():
            return None
        with path.open("rb") as f:
            return f.read(MAX_SMALL_FILE + 1)


class _ZipSource(_Source):
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.zip = archive
        names = [n for n in archive.namelist() if not n.endswith("/")]
        self.names = set(names)
        tops = {n[: -len(ENTRIES)] for n in names if n == ENTRIES or n.endswith("/" + ENTRIES)}
        # The bundle sits at the archive's root or inside exactly one folder.
        self.prefix = "" if "" in tops else (tops.pop() if len(tops) == 1 else "")
        if self.prefix.count("/") > 1:
            self.prefix = ""

    def open_entries(self) -> IO[bytes] | None:
        name = self.prefix + ENTRIES
        return self.zip.open(name) if name in self.names else None

    def checkpoint_names(self) -> list[str] | None:
        folder = f"{self.prefix}{CHECKPOINTS}/"
        names = sorted(n[len(folder) :] for n in self.names if n.startswith(folder))
        if not names and not any(n.startswith(folder) for n in self.zip.namelist()):
            return None
        return names

    def read(self, relpath: str) -> bytes | None:
        name = self.prefix + relpath
        if name not in self.names:
            return None
        with self.zip.open(name) as f:
            return f.read(MAX_SMALL_FILE + 1)


@contextmanager
def _open_source(path: str | Path) -> Iterator[_Source]:
    p = Path(path)
    if p.is_dir():
        yield _DirSource(p)
        return
    if not p.is_file():
        raise BundleUnusable(f"no bundle at {p}", place=str(p))
    try:
        archive = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError) as e:
        message = f"{p} is neither a bundle folder nor a zip: {e}"
        raise BundleUnusable(message, place=str(p)) from None
    with archive:
        yield _ZipSource(archive)


# --------------------------------------------------------------------------------------------------
# Checking entries


def _tampered_entry(index: int, message: str) -> BundleTampered:
    return BundleTampered(f"entry {index}: {message}", place=f"entry {index}", entry=index)


def _full_entry_check(line: bytes, index: int) -> bytes:
    """Parse one leaf completely; returns its recorded_at as bytes or raises BundleTampered."""
    try:
        event = parse_canonical(line)
    except CanonicalJSONError as e:
        raise _tampered_entry(index, f"not canonical JSON ({e.message})") from None
    if not isinstance(event, dict):
        raise _tampered_entry(index, "leaf is not a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in event]
    if missing:
        raise _tampered_entry(index, f"missing key(s) {', '.join(missing)}")
    seq, version, kind, ts = event["seq"], event["v"], event["type"], event["recorded_at"]
    if type(version) is not int or version < 1:
        raise _tampered_entry(index, f"v is {version!r}, not a positive integer")
    if type(seq) is not int or seq != index:
        raise _tampered_entry(index, f"seq is {seq!r}, expected {index} (lines removed or moved?)")
    if not isinstance(kind, str) or not kind:
        raise _tampered_entry(index, "type is not a non-empty string")
    if not isinstance(ts, str) or not _TS_RE.fullmatch(ts):
        raise _tampered_entry(index, f"recorded_at {ts!r} is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        datetime.fromisoformat(ts[:-1])
    except ValueError:
        raise _tampered_entry(index, f"recorded_at {ts!r} is not a real time") from None
    return ts.encode("ascii")


class _EntryChecker:
    """Content checks: seq = line number, recorded_at never decreasing, canonical form.

    Works a block at a time: one regex pass pulls ``<recorded_at>","seq":<n>,`` out of every line,
    and the shapes, the seq numbers and the order are then checked with a few whole-block byte
    comparisons, so the common case runs no Python code per entry. A block where anything looks
    unusual is re-checked line by line, parsing in full the lines that need it.
    """

    def __init__(self, full: bool) -> None:
        self.full = full
        self.previous = b""
        self.next_full = 0
        self.parsed = 0

    def _sampled(self, end: int) -> list[int]:
        """Entries below ``end`` that are due for a full parse, drawing the next ones."""
        due = []
        while self.next_full < end:
            due.append(self.next_full)
            step = 1 if self.full else 1 + secrets.randbelow(2 * SAMPLE_EVERY - 1)
            self.next_full += step
        return due

    def check(self, block: _Block, start: int) -> None:
        """Raise BundleTampered naming the first bad entry; ``block.lines[0]`` is ``start``."""
        end = start + len(block.lines)
        sampled = self._sampled(end)
        if not self._fast(block, start, end):
            self._slow(block.lines, start, [index - start for index in sampled])
            return
        for index in sampled:
            self.parsed += 1
            _full_entry_check(block.lines[index - start], index)

    def _fast(self, block: _Block, start: int, end: int) -> bool:
        """True when every line passed the whole-block tests; False means: look line by line."""
        lines, data = block.lines, block.data
        previous = self.previous
        first, offset = start, 0
        while first < end:
            digits = len(str(first))
            last = min(end, 10**digits)  # seq numbers of one width, so segments have one length
            stop = offset + sum(map(len, lines[first - start : last - start])) + (last - first)
            segments = _segment_pattern(digits).findall(data, offset, stop)
            count = last - first
            if len(segments) != count:
                return False
            joined = b"".join(segments)
            width = _TS_LEN + len(_SEQ_KEY) + digits + 1
            if joined.translate(_ZERO_DIGITS) != _segment_shape(digits) * count:
                return False
            expected = (("%d" * count) % tuple(range(first, last))).encode()
            for d in range(digits):
                if joined[_TS_LEN + len(_SEQ_KEY) + d :: width] != expected[d::digits]:
                    return False
            # Equal-width segments sort like their timestamps (then by seq, which only grows).
            if segments[0][:_TS_LEN] < previous or not all(map(le, segments, segments[1:])):
                return False
            previous = segments[-1][:_TS_LEN]
            first, offset = last, stop
        self.previous = previous
        return True

    def _slow(self, lines: list[bytes], start: int, sampled: list[int]) -> None:
        """Line-by-line checks that name the first bad entry; parses the lines that need it
        and the ``sampled`` ones (positions in ``lines``), in order."""
        n = len(lines)
        at = list(map(add, map(bytes.find, lines, repeat(_RECORDED_AT)), repeat(len(_RECORDED_AT))))
        after = list(map(add, at, repeat(_TS_LEN)))
        stamps = list(map(bytes.__getitem__, lines, map(slice, at, after)))
        expected_seq = map(_SEQ_AFTER.__mod__, range(start, start + n))
        seq_ok = list(map(bytes.startswith, lines, expected_seq, after))
        once = list(map(bytes.count, lines, repeat(_RECORDED_AT)))
        odd = {
            i
            for i in range(n)
            if once[i] != 1 or not seq_ok[i] or stamps[i].translate(_ZERO_DIGITS) != _TS_SHAPE
        }
        failure: BundleTampered | None = None
        limit = n
        for i in sorted(odd.union(sampled)):
            self.parsed += 1
            try:
                stamps[i] = _full_entry_check(lines[i], start + i)
            except BundleTampered as e:
                failure, limit = e, i
                break
        # The earliest problem wins: a time going backwards before the line that failed parsing.
        previous = self.previous
        for i in range(limit):
            if stamps[i] < previous:
                raise _tampered_entry(
                    start + i,
                    f"recorded_at {stamps[i].decode()} is earlier than the previous entry's "
                    f"{previous.decode()}",
                )
            previous = stamps[i]
        if failure is not None:
            raise failure
        self.previous = previous


@functools.cache
def _segment_pattern(digits: int) -> re.Pattern[bytes]:
    """Captures ``<27-byte timestamp>","seq":<digits>,`` after the key; '.' never crosses lines."""
    size = _TS_LEN + len(_SEQ_KEY) + digits + 1
    return re.compile(re.escape(_RECORDED_AT) + b"(.{%d})" % size)


@functools.cache
def _segment_shape(digits: int) -> bytes:
    return _TS_SHAPE + _SEQ_KEY + b"0" * digits + b","


# --------------------------------------------------------------------------------------------------
# Rebuilding the tree


class _TreeBuilder:
    """Feeds leaf hashes into a compact range in aligned bulk subtrees, stopping at every cut size.

    ``on_cut(size, root)`` runs whenever the tree reaches a size of interest; nodes listed in
    ``wanted`` (level -> indices) are kept so proofs can be generated from the rebuilt tree.
    """

    def __init__(
        self,
        cuts: Iterable[int],
        wanted: dict[int, set[int]],
        on_cut: Callable[[int, bytes], None],
    ) -> None:
        self.range = CompactRange()
        self.cuts = sorted(set(cuts), reverse=True)
        self.wanted = wanted
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.on_cut = on_cut
        self._fire_cuts()

    def _fire_cuts(self) -> None:
        size = self.range.size
        while self.cuts and self.cuts[-1] == size:
            self.cuts.pop()
            self.on_cut(size, self.range.root())

    def _keep(self, level: int, first: int, hashes: Sequence[bytes]) -> None:
        for index in self.wanted.get(level, ()):
            if first <= index < first + len(hashes):
                self.nodes[level, index] = hashes[index - first]

    def _subtree_root(self, lines: list[bytes], first_leaf: int) -> bytes:
        """Root of the complete subtree over ``lines``: leaves and their parents are hashed in
        one pass, then each level above in bulk."""
        for index in self.wanted.get(0, ()):
            if first_leaf <= index < first_leaf + len(lines):
                self.nodes[0, index] = leaf_hash(lines[index - first_leaf])
        if len(lines) == 1:
            return leaf_hash(lines[0])
        sha = _sha256
        it = iter(lines)
        hashes = [
            sha(b"\x01" + sha(b"\x00" + a).digest() + sha(b"\x00" + b).digest()).digest()
            for a, b in zip(it, it, strict=True)
        ]
        level = 1
        while True:
            if self.wanted:
                self._keep(level, first_leaf >> level, hashes)
            if len(hashes) == 1:
                return hashes[0]
            it = iter(hashes)
            hashes = [sha(b"\x01" + a + b).digest() for a, b in zip(it, it, strict=True)]
            level += 1

    def add(self, lines: list[bytes]) -> None:
        """Append leaves (their bytes) in order."""
        done, total = 0, len(lines)
        while done < total:
            size = self.range.size
            room = total - done
            if self.cuts:
                room = min(room, self.cuts[-1] - size)
            level = room.bit_length() - 1
            if size:
                level = min(level, (size & -size).bit_length() - 1)
            chunk = lines[done : done + (1 << level)]
            created = self.range.append_subtree(level, self._subtree_root(chunk, size))
            if self.wanted:
                self._keep_created(created)
            done += 1 << level
            self._fire_cuts()

    def _keep_created(self, created: list[Node]) -> None:
        for node in created[1:]:
            if node.index in self.wanted.get(node.level, ()):
                self.nodes[node.level, node.index] = node.hash

    def node(self, level: int, index: int) -> bytes:
        """A kept node, as the ``get_node`` of proof generation."""
        return self.nodes[level, index]


def _wanted_nodes(pairs: Iterable[tuple[int, int]], leaves: Iterable[int]) -> dict[int, set[int]]:
    """Every node that consistency proofs between the given sizes will ask for, plus some leaves."""
    wanted: dict[int, set[int]] = {0: set(leaves)}

    def record(level: int, index: int) -> bytes:
        wanted.setdefault(level, set()).add(index)
        return EMPTY_ROOT

    for size1, size2 in pairs:
        consistency_proof(size1, size2, record)
    return {level: idx for level, idx in wanted.items() if idx}


# --------------------------------------------------------------------------------------------------
# Verifying


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


def _load_verifier(src: _Source) -> Verifier:
    raw = src.read(VKEY)
    if raw is None:
        raise BundleUnusable(f"the bundle has no {VKEY}", place=VKEY)
    try:
        return parse_verifier_key(raw.decode("utf-8"))
    except (UnicodeDecodeError, CheckpointError) as e:
        reason = e.message if isinstance(e, CheckpointError) else "not UTF-8"
        raise BundleUnusable(f"{VKEY} is not a verifier key: {reason}", place=VKEY) from None


def _load_checkpoints(src: _Source, verifier: Verifier) -> list[tuple[str, Checkpoint]]:
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


@dataclass(frozen=True)
class _Block:
    """Consecutive lines of the entries file: ``data`` is their bytes, ``lines`` split from it."""

    data: bytes
    lines: list[bytes]


def _read_blocks(stream: IO[bytes]) -> Iterator[_Block]:
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
            yield _Block(data, lines)
    if carry:
        yield _Block(carry, [carry])


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
    with _open_source(path) as src:
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
    wanted = _wanted_nodes(pairs, (r.receipt.index for r in receipts))

    tree: _TreeBuilder

    def on_cut(size: int, root: bytes) -> None:
        state.roots[size] = root
        start = state.last_good[0] if state.last_good else 0
        for label, checkpoint in state.checkpoints.get(size, []):
            if checkpoint.root != root and size == 0:
                raise BundleTampered(
                    f"{label}: the root of the empty tree is wrong", place=label, checkpoint=label
                )
            if checkpoint.root != root and start == size - 1:
                raise _tampered_entry(
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

    tree = _TreeBuilder(cuts, wanted, on_cut)
    checker = _EntryChecker(full)
    count = 0
    for block in _read_blocks(stream):
        lines = block.lines
        try:
            if not block.data.endswith(b"\n"):
                raise _tampered_entry(count, f"{ENTRIES} does not end with a newline (truncated?)")
            if max(map(len, lines)) > MAX_LEAF:
                index = count + next(i for i, line in enumerate(lines) if len(line) > MAX_LEAF)
                raise _tampered_entry(index, f"longer than {MAX_LEAF} bytes")
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
    tree: _TreeBuilder,
    checker: _EntryChecker,
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
        raise _tampered_entry(largest, "not covered by any signed checkpoint (entries appended?)")
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


def _check_receipt(r: _Receipt, state: _State, tree: _TreeBuilder, count: int) -> None:
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


# --------------------------------------------------------------------------------------------------
# Writing


def checkpoint_file_name(size: int) -> str:
    """File name of the checkpoint for ``size`` inside ``checkpoints/``."""
    return f"{size:08d}"


def write_bundle(
    directory: str | Path, leaves: Iterable[bytes], checkpoints: Iterable[str], vkey: str
) -> Path:
    """Write a bundle folder from leaf bytes (in log order), signed checkpoint notes and the vkey.

    The folder must be new or empty, so no file of an older export can linger in it; every
    checkpoint must verify with ``vkey``, so an export cannot ship a note auditors would reject.
    """
    root = Path(directory)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    verifier = parse_verifier_key(vkey)
    notes = {}
    for note in checkpoints:
        name = checkpoint_file_name(verify_checkpoint(note, verifier).size)
        if name in notes:
            raise ValueError(f"two checkpoints for the same size ({name})")
        notes[name] = note
    (root / CHECKPOINTS).mkdir(parents=True, exist_ok=True)
    with (root / ENTRIES).open("wb") as f:
        write = f.write
        for leaf in leaves:
            if b"\n" in leaf:
                raise ValueError("a leaf holds a newline, so it is not canonical JSON")
            write(leaf + b"\n")
    for name, note in notes.items():
        (root / CHECKPOINTS / name).write_bytes(note.encode("utf-8"))
    (root / VKEY).write_text(verifier.key_string() + "\n", encoding="utf-8")
    return root


# --------------------------------------------------------------------------------------------------
# Command line


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
