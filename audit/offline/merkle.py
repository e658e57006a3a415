"""RFC 9162 Merkle tree hashing, O(log n) appends, and inclusion/consistency proofs.

Stored nodes are complete subtrees keyed (level, index): level k, index i spans [i*2^k, (i+1)*2^k).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from audit.errors import ProofError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeGetter = Callable[[int, int], bytes]
"""``get_node(level, index)`` returns the stored hash of a complete subtree."""

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """Hash of one leaf; the 0x00 prefix keeps leaves from being passed off as inner nodes."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash of an inner node from its two children."""
    return _sha256(b"\x01" + left + right).digest()


def hash_level(hashes: Sequence[bytes]) -> list[bytes]:
    """Hash pairs of siblings; an odd last node is carried up unchanged (RFC's left-filled tree)."""
    it = iter(hashes)
    up = [_sha256(b"\x01" + left + right).digest() for left, right in zip(it, it, strict=False)]
    if len(hashes) % 2:
        up.append(hashes[-1])
    return up


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """Tree head of the given leaf hashes, level by level (no recursion, no padding)."""
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    while len(level) > 1:
        level = hash_level(level)
    return level[0]


def root_from_leaves(leaves: Iterable[bytes]) -> bytes:
    """Tree head of the given leaf data, as a verifier re-derives it from raw entries."""
    return root_from_leaf_hashes([leaf_hash(leaf) for leaf in leaves])


@dataclass(frozen=True, slots=True)
class Node:
    """A complete subtree hash that a caller may store for later proof generation."""

    level: int
    index: int
    hash: bytes


class CompactRange:
    """Roots of the complete subtrees covering leaves [0, size): enough to append and to get a root.

    Appending costs O(log n) hashes and reports the nodes it created so they can be stored.
    """

    __slots__ = ("_peaks", "size")

    def __init__(self) -> None:
        self.size = 0
        # (level, hash) from the leftmost (largest) subtree to the rightmost; levels decrease.
        self._peaks: list[tuple[int, bytes]] = []

    @classmethod
    def from_nodes(cls, size: int, get_node: NodeGetter) -> CompactRange:
        """Resume from stored nodes after a restart, with one look-up per set bit of ``size``."""
        if size < 0:
            raise ValueError("size must not be negative")
        cr = cls()
        begin = 0
        for level in reversed(range(size.bit_length())):
            if size >> level & 1:
                cr._peaks.append((level, _checked(get_node(level, begin >> level))))
                begin += 1 << level
        cr.size = size
        return cr

    def append(self, leaf: bytes) -> list[Node]:
        """Append one leaf hash; returns the new leaf node and every inner node it completed."""
        return self.append_subtree(0, leaf)

    def append_subtree(self, level: int, subtree_root: bytes) -> list[Node]:
        """Append a whole complete subtree of 2^level leaves whose root the caller computed.

        The range must be aligned (size a multiple of 2^level); only the subtree root and the nodes
        completed above it are returned, not the subtree's own inner nodes.
        """
        if len(subtree_root) != HASH_SIZE:
            raise ValueError("a node hash is 32 bytes")
        if level < 0 or self.size & ((1 << level) - 1):
            raise ValueError(f"cannot append a level-{level} subtree at size {self.size}")
        index = self.size >> level
        created = [Node(level, index, subtree_root)]
        peaks = self._peaks
        h = subtree_root
        while peaks and peaks[-1][0] == level:
            h = _sha256(b"\x01" + peaks.pop()[1] + h).digest()
            level += 1
            index >>= 1
            created.append(Node(level, index, h))
        peaks.append((level, h))
        self.size += 1 << created[0].level
        return created

    def peaks(self) -> list[tuple[int, bytes]]:
        """The complete-subtree roots, largest first, as (level, hash)."""
        return list(self._peaks)

    def root(self) -> bytes:
        """Tree head for the current size; O(log n) hashes."""
        if not self._peaks:
            return EMPTY_ROOT
        h = self._peaks[-1][1]
        for _, left in reversed(self._peaks[:-1]):
            h = _sha256(b"\x01" + left + h).digest()
        return h


def _checked(h: bytes) -> bytes:
    if len(h) != HASH_SIZE:
        raise ProofError(f"stored node hash is {len(h)} bytes, not {HASH_SIZE}")
    return h


def range_root(begin: int, end: int, get_node: NodeGetter) -> bytes:
    """Hash of the tree node spanning leaves [begin, end), incomplete on its right edge if need be.

    ``begin`` must be aligned to a power of two at least ``end - begin``, as every node of a
    left-filled tree is; the node is rebuilt from at most log2(end - begin) + 1 stored subtrees.
    """
    width = end - begin
    if width <= 0:
        raise ValueError("empty range")
    if begin & ((1 << (width - 1).bit_length()) - 1):
        raise ValueError(f"[{begin}, {end}) is not a node of the tree")
    parts: list[bytes] = []
    for level in reversed(range(width.bit_length())):
        if width >> level & 1:
            parts.append(_checked(get_node(level, begin >> level)))
            begin += 1 << level
    h = parts[-1]
    for left in reversed(parts[:-1]):
        h = node_hash(left, h)
    return h


def root_at(size: int, get_node: NodeGetter) -> bytes:
    """Tree head of the first ``size`` leaves from stored nodes (O(log n) look-ups)."""
    if size < 0:
        raise ValueError("size must not be negative")
    return EMPTY_ROOT if size == 0 else range_root(0, size, get_node)


def _path(index: int, level: int, size: int, get_node: NodeGetter) -> list[bytes]:
    """Sibling hashes from node (level, index) up to the root of a tree of ``size`` leaves.

    A sibling wholly beyond ``size`` does not exist (the node is carried up); one straddling
    ``size`` is the tree's incomplete right edge and is rebuilt, at most once per path.
    """
    proof: list[bytes] = []
    top = (size - 1).bit_length()
    while level < top:
        sibling = index ^ 1
        first = sibling << level
        if first < size:
            last = first + (1 << level)
            if last <= size:
                proof.append(_checked(get_node(level, sibling)))
            else:
                proof.append(range_root(first, size, get_node))
        index >>= 1
        level += 1
    return proof


def inclusion_proof(index: int, size: int, get_node: NodeGetter) -> list[bytes]:
    """Audit path (RFC 9162 §2.1.3.1) of leaf ``index`` in the tree of ``size`` leaves."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    return _path(index, 0, size, get_node)


def consistency_proof(size1: int, size2: int, get_node: NodeGetter) -> list[bytes]:
    """Consistency proof (RFC 9162 §2.1.4.1) that the ``size1`` tree is a prefix of ``size2``.

    It is the path of the last complete subtree of the old tree, [size1 - 2^k, size1) with 2^k the
    lowest set bit of size1, preceded by that subtree's hash unless it is the whole old tree.
    """
    if not 0 <= size1 <= size2:
        raise ProofError(f"no consistency proof from size {size1} to size {size2}")
    if size1 == size2:
        return []
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    level = (size1 & -size1).bit_length() - 1
    index = (size1 - 1) >> level
    proof = [] if index == 0 else [_checked(get_node(level, index))]
    return proof + _path(index, level, size2, get_node)


def _check_hash(name: str, h: bytes) -> None:
    if not isinstance(h, bytes | bytearray) or len(h) != HASH_SIZE:
        size = len(h) if isinstance(h, bytes | bytearray) else type(h).__name__
        raise ProofError(f"{name} is {size} bytes, not a {HASH_SIZE}-byte hash")


def _check_sizes(**sizes: int) -> None:
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ProofError(f"{name} must be a non-negative integer, not {value!r}")


def inclusion_proof_length(index: int, size: int) -> int:
    """Number of hashes in the audit path of ``index`` in a tree of ``size`` leaves."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that leaf hash ``leaf`` is leaf ``index`` of the tree ``root``; else raise ProofError.

    Follows RFC 9162 §2.1.3.2, after rejecting malformed input so that no proof is accepted in a
    second, equivalent spelling.
    """
    _check_sizes(index=index, size=size)
    if index >= size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    _check_hash("leaf hash", leaf)
    _check_hash("root", root)
    for i, p in enumerate(proof):
        _check_hash(f"proof[{i}]", p)
    want = inclusion_proof_length(index, size)
    if len(proof) != want:
        raise ProofError(f"inclusion proof has {len(proof)} hashes, expected {want}")
    fn, sn, r = index, size - 1, bytes(leaf)
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    if r != root:
        raise ProofError(f"inclusion proof for leaf {index} does not lead to the tree head")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree (size2, root2) extends (size1, root1); raise ProofError if not.

    Follows RFC 9162 §2.1.4.2. Equal sizes need an empty proof and equal roots (nothing is hashed,
    so the roots are only compared, as in the transparency-dev vectors); the empty tree's only root
    is SHA-256(""), and a proof from size 0 is meaningless and refused.
    """
    _check_sizes(size1=size1, size2=size2)
    if size1 > size2:
        raise ProofError(f"size1 {size1} is larger than size2 {size2}")
    if size1 == size2:
        if proof:
            raise ProofError("equal sizes need an empty consistency proof")
        if size1 == 0 and (root1 != EMPTY_ROOT or root2 != EMPTY_ROOT):
            raise ProofError("the root of the empty tree is SHA-256 of nothing")
        if root1 != root2:
            raise ProofError(f"two different roots for tree size {size1}")
        return
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    _check_hash("root1", root1)
    _check_hash("root2", root2)
    for i, p in enumerate(proof):
        _check_hash(f"proof[{i}]", p)
    level = (size1 & -size1).bit_length() - 1
    known = size1 == 1 << level
    want = inclusion_proof_length(size1 - 1, size2) - level + (0 if known else 1)
    if len(proof) != want:
        raise ProofError(f"consistency proof has {len(proof)} hashes, expected {want}")
    path = [bytes(root1), *proof] if known else list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != root1:
        raise ProofError(f"consistency proof does not lead to the size-{size1} root")
    if sr != root2:
        raise ProofError(f"consistency proof does not lead to the size-{size2} root")
