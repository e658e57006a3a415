"""Shared helpers for the audit tests: RFC 9162 reference definitions and bundle builders.

The reference functions transcribe the RFC's recursive definitions, independent of audit.merkle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from audit.offline.bundle import write_bundle
from audit.offline.canonical import canonical_json
from audit.offline.merkle import CompactRange, leaf_hash
from audit.offline.note import Signer, generate_signer_key, parse_signer_key, sign_checkpoint

ORIGIN = "vanthu.test/audit"


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH, recursively."""
    n = len(leaves)
    if n == 0:
        return _h(b"")
    if n == 1:
        return _h(b"\x00" + leaves[0])
    k = _split(n)
    return _h(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n])."""
    n = len(leaves)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b)."""
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = _split(n)
    if m <= k:
        return [*subproof(m, leaves[:k], whole), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def node_store(leaves: Sequence[bytes]) -> dict[tuple[int, int], bytes]:
    """Every complete subtree, as an append-only log would have stored it."""
    cr = CompactRange()
    store: dict[tuple[int, int], bytes] = {}
    for leaf in leaves:
        for node in cr.append(leaf_hash(leaf)):
            store[node.level, node.index] = node.hash
    return store


def event(seq: int, second: int, **extra: object) -> bytes:
    """A canonical leaf with the required keys; ``second`` drives recorded_at."""
    body: dict[str, object] = {
        "v": 1,
        "seq": seq,
        "id": f"00000000-0000-4000-8000-{seq:012d}",
        "type": "accounts:user:login",
        "recorded_at": f"2026-11-26T05:{second // 60 % 60:02d}:{second % 60:02d}.{seq:06d}Z",
        "actor": f"acc_{seq % 7}",
        "subject": {"kind": "account", "id": f"acc_{seq % 5}"},
        "details": {"ip": f"10.0.0.{seq % 250}", "note": "Đăng nhập thành công"},
    }
    body.update(extra)
    return canonical_json(body)


@dataclass
class Log:
    """A signing log for tests: keys, leaves and checkpoints at chosen sizes."""

    signer: Signer
    skey: str
    vkey: str
    leaves: list[bytes]

    @classmethod
    def create(cls, count: int, name: str = ORIGIN) -> Log:
        skey, vkey = generate_signer_key(name)
        return cls(parse_signer_key(skey), skey, vkey, [event(i, i) for i in range(count)])

    def root(self, size: int) -> bytes:
        return mth(self.leaves[:size])

    def checkpoint(self, size: int, root: bytes | None = None, origin: str = ORIGIN) -> str:
        return sign_checkpoint(self.signer, origin, size, self.root(size) if root is None else root)

    def write(self, directory: Path, sizes: Sequence[int]) -> Path:
        return write_bundle(directory, self.leaves, [self.checkpoint(s) for s in sizes], self.vkey)


def inclusion_shape(m: int, n: int) -> list[str]:
    """Side of each sibling in PATH(m, D[n]): two claims with one shape verify alike."""
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*inclusion_shape(m, k), "R"]
    return [*inclusion_shape(m - k, n - k), "L"]


def consistency_shape(m: int, n: int, whole: bool = True) -> list[str]:
    """Structure of SUBPROOF(m, D[n], b): two size pairs with one shape verify alike."""
    if m == n:
        return [] if whole else ["seed"]
    k = _split(n)
    if m <= k:
        return [*consistency_shape(m, k, whole), "R"]
    return [*consistency_shape(m - k, n - k, False), "L"]
