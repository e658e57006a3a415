"""Rebuilding the Merkle tree of a bundle from its leaf hashes, keeping the nodes proofs need.

Inner nodes are hashed level by level in bulk, so a million leaves cost little more than hashing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from audit.offline.merkle import (
    EMPTY_ROOT,
    CompactRange,
    Node,
    consistency_proof,
    leaf_hash,
)

_sha256 = hashlib.sha256


class TreeBuilder:
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


def wanted_nodes(pairs: Iterable[tuple[int, int]], leaves: Iterable[int]) -> dict[int, set[int]]:
    """Every node that consistency proofs between the given sizes will ask for, plus some leaves."""
    wanted: dict[int, set[int]] = {0: set(leaves)}

    def record(level: int, index: int) -> bytes:
        wanted.setdefault(level, set()).add(index)
        return EMPTY_ROOT

    for size1, size2 in pairs:
        consistency_proof(size1, size2, record)
    return {level: idx for level, idx in wanted.items() if idx}
