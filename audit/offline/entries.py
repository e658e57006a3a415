"""Checks of a bundle's entries: sequence numbers, time order and canonical form, block by block.

Well-formed blocks are checked without parsing JSON; odd lines are parsed in full.
"""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from operator import add, le

from audit.errors import (
    BundleTampered,
    CanonicalJSONError,
)
from audit.offline.canonical import parse_canonical

REQUIRED_KEYS = ("recorded_at", "seq", "type", "v")
SAMPLE_EVERY = 128
_RECORDED_AT = b'"recorded_at":"'
_TS_LEN = 27
_TS_SHAPE = b"0000-00-00T00:00:00.000000Z"
_ZERO_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_TS_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
_SEQ_KEY = b'","seq":'
_SEQ_AFTER = _SEQ_KEY + b"%d,"


@dataclass(frozen=True)
class Block:
    """Consecutive lines of the entries file: ``data`` is their bytes, ``lines`` split from it."""

    data: bytes
    lines: list[bytes]


def tampered_entry(index: int, message: str) -> BundleTampered:
    return BundleTampered(f"entry {index}: {message}", place=f"entry {index}", entry=index)


def full_entry_check(line: bytes, index: int) -> bytes:
    """Parse one leaf completely; returns its recorded_at as bytes or raises BundleTampered."""
    try:
        event = parse_canonical(line)
    except CanonicalJSONError as e:
        raise tampered_entry(index, f"not canonical JSON ({e.message})") from None
    if not isinstance(event, dict):
        raise tampered_entry(index, "leaf is not a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in event]
    if missing:
        raise tampered_entry(index, f"missing key(s) {', '.join(missing)}")
    seq, version, kind, ts = event["seq"], event["v"], event["type"], event["recorded_at"]
    if type(version) is not int or version < 1:
        raise tampered_entry(index, f"v is {version!r}, not a positive integer")
    if type(seq) is not int or seq != index:
        raise tampered_entry(index, f"seq is {seq!r}, expected {index} (lines removed or moved?)")
    if not isinstance(kind, str) or not kind:
        raise tampered_entry(index, "type is not a non-empty string")
    if not isinstance(ts, str) or not _TS_RE.fullmatch(ts):
        raise tampered_entry(index, f"recorded_at {ts!r} is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        datetime.fromisoformat(ts[:-1])
    except ValueError:
        raise tampered_entry(index, f"recorded_at {ts!r} is not a real time") from None
    return ts.encode("ascii")


class EntryChecker:
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

    def check(self, block: Block, start: int) -> None:
        """Raise BundleTampered naming the first bad entry; ``block.lines[0]`` is ``start``."""
        end = start + len(block.lines)
        sampled = self._sampled(end)
        if not self._fast(block, start, end):
            self._slow(block.lines, start, [index - start for index in sampled])
            return
        for index in sampled:
            self.parsed += 1
            full_entry_check(block.lines[index - start], index)

    def _fast(self, block: Block, start: int, end: int) -> bool:
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
                stamps[i] = full_entry_check(lines[i], start + i)
            except BundleTampered as e:
                failure, limit = e, i
                break
        # The earliest problem wins: a time going backwards before the line that failed parsing.
        previous = self.previous
        for i in range(limit):
            if stamps[i] < previous:
                raise tampered_entry(
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
