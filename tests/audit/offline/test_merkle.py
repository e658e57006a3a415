"""Merkle tree tests: compact range, stored-node proofs and strict verifiers.

Properties are checked against the RFC 9162 recursive definitions in audit_testkit.
"""

from __future__ import annotations

import math
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.errors import ProofError
from audit.offline.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    range_root,
    root_at,
    root_from_leaves,
    verify_consistency,
    verify_inclusion,
)
from tests.audit.audit_testkit import (
    consistency_shape,
    inclusion_shape,
    mth,
    node_store,
    path,
    subproof,
)

LEAVES = [b"leaf %d" % i for i in range(300)]
STORE = node_store(LEAVES)


class CountingStore:
    """A node store that counts look-ups, to check the O(log n) claim."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, level: int, index: int) -> bytes:
        self.calls += 1
        return STORE[level, index]


def get(level: int, index: int) -> bytes:
    return STORE[level, index]


def test_hash_definitions() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"") == bytes.fromhex(
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    left, right = leaf_hash(b"L"), leaf_hash(b"R")
    assert node_hash(left, right) == mth([b"L", b"R"])


def test_compact_range_matches_rfc_for_every_size() -> None:
    cr = CompactRange()
    assert cr.root() == EMPTY_ROOT == root_from_leaves([])
    created = 0
    for n, leaf in enumerate(LEAVES, start=1):
        nodes = cr.append(leaf_hash(leaf))
        created += len(nodes)
        for node in nodes:
            first = node.index << node.level
            assert node.hash == mth(LEAVES[first : first + (1 << node.level)])
        assert cr.size == n
        assert cr.root() == mth(LEAVES[:n]) == root_from_leaves(LEAVES[:n])
        assert root_at(n, get) == cr.root()
    # Every complete subtree is created exactly once: 2n - popcount(n) nodes, about two per leaf.
    assert created == 2 * len(LEAVES) - len(LEAVES).bit_count()


def test_compact_range_resumes_from_stored_nodes() -> None:
    for size in (0, 1, 5, 64, 299):
        counter = CountingStore()
        cr = CompactRange.from_nodes(size, counter)
        assert counter.calls == size.bit_count()
        assert cr.root() == mth(LEAVES[:size])
        cr.append(leaf_hash(LEAVES[size]))
        assert cr.root() == mth(LEAVES[: size + 1])


def test_append_subtree_requires_alignment() -> None:
    cr = CompactRange()
    cr.append(leaf_hash(b"x"))
    with pytest.raises(ValueError):
        cr.append_subtree(1, b"\x00" * 32)
    with pytest.raises(ValueError):
        cr.append_subtree(0, b"short")


def test_range_root_refuses_non_nodes() -> None:
    with pytest.raises(ValueError):
        range_root(1, 3, get)  # [1, 3) is not a node of a left-filled tree
    with pytest.raises(ValueError):
        range_root(4, 4, get)
    assert range_root(256, 300, get) == mth(LEAVES[256:300])


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_inclusion_proofs_verify(case: tuple[int, int]) -> None:
    size, index = case
    counter = CountingStore()
    proof = inclusion_proof(index, size, counter)
    assert proof == path(index, LEAVES[:size])
    assert counter.calls <= 2 * math.ceil(math.log2(size)) + 1
    verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, mth(LEAVES[:size]))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_consistency_proofs_verify(case: tuple[int, int]) -> None:
    size1, size2 = case
    counter = CountingStore()
    proof = consistency_proof(size1, size2, counter)
    assert proof == (subproof(size1, LEAVES[:size2], True) if size1 < size2 else [])
    assert counter.calls <= 2 * math.ceil(math.log2(size2) + 1) + 1
    verify_consistency(size1, size2, proof, mth(LEAVES[:size1]), mth(LEAVES[:size2]))


def _flip(h: bytes, bit: int) -> bytes:
    b = bytearray(h)
    b[bit // 8 % len(b)] ^= 1 << (bit % 8)
    return bytes(b)


MUTATIONS = ["flip", "drop", "add", "index+1", "index-1", "size+1", "size-1", "root", "leaf"]


@settings(max_examples=400, deadline=None)
@given(
    st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))),
    st.sampled_from(MUTATIONS),
    st.integers(0, 10_000),
)
def test_mutated_inclusion_proofs_fail(case: tuple[int, int], how: str, r: int) -> None:
    size, index = case
    proof = inclusion_proof(index, size, get)
    leaf, root = leaf_hash(LEAVES[index]), mth(LEAVES[:size])
    if how == "flip":
        if not proof:
            return
        i = r % len(proof)
        proof[i] = _flip(proof[i], r)
    elif how == "drop":
        if not proof:
            return
        del proof[r % len(proof)]
    elif how == "add":
        proof.insert(r % (len(proof) + 1), os.urandom(32))
    elif how == "index+1":
        index += 1
    elif how == "index-1":
        if index == 0:
            return
        index -= 1
    elif how == "size+1":
        size += 1
    elif how == "size-1":
        size -= 1
    elif how == "root":
        root = _flip(root, r)
    else:
        leaf = _flip(leaf, r)
    same_shape = index < size and inclusion_shape(index, size) == inclusion_shape(case[1], case[0])
    if how.startswith(("index", "size")) and same_shape:
        # Same left/right path, so the same hashes: RFC 9162 proofs bind the shape, and the
        # signed checkpoint binds size to root. The verifier must then agree with itself.
        verify_inclusion(leaf, index, size, proof, root)
        return
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, size, proof, root)


@settings(max_examples=400, deadline=None)
@given(
    st.integers(2, 300).flatmap(lambda n: st.tuples(st.integers(1, n - 1), st.just(n))),
    st.sampled_from(["flip", "drop", "add", "size1+1", "size1-1", "size2+1", "size2-1", "root1"]),
    st.integers(0, 10_000),
)
def test_mutated_consistency_proofs_fail(case: tuple[int, int], how: str, r: int) -> None:
    size1, size2 = case
    proof = consistency_proof(size1, size2, get)
    root1, root2 = mth(LEAVES[:size1]), mth(LEAVES[:size2])
    if how == "flip":
        i = r % len(proof)
        proof[i] = _flip(proof[i], r)
    elif how == "drop":
        del proof[r % len(proof)]
    elif how == "add":
        proof.insert(r % (len(proof) + 1), os.urandom(32))
    elif how == "size1+1":
        size1 += 1
    elif how == "size1-1":
        size1 -= 1
    elif how == "size2+1":
        size2 += 1
    elif how == "size2-1":
        size2 -= 1
    else:
        root1 = _flip(root1, r)
    same_shape = 0 < size1 < size2 and consistency_shape(size1, size2) == consistency_shape(*case)
    if how.startswith("size") and same_shape:
        verify_consistency(size1, size2, proof, root1, root2)  # same shape, same hashes
        return
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof, root1, root2)


def test_inclusion_rejects_malformed_input() -> None:
    proof = inclusion_proof(3, 8, get)
    leaf, root = leaf_hash(LEAVES[3]), mth(LEAVES[:8])
    verify_inclusion(leaf, 3, 8, proof, root)
    with pytest.raises(ProofError, match="not in a tree"):
        verify_inclusion(leaf, 8, 8, proof, root)
    with pytest.raises(ProofError, match="32-byte"):
        verify_inclusion(leaf[:31], 3, 8, proof, root)
    with pytest.raises(ProofError, match="32-byte"):
        verify_inclusion(leaf, 3, 8, proof, root + b"\x00")
    with pytest.raises(ProofError, match="32-byte"):
        verify_inclusion(leaf, 3, 8, [*proof[:2], proof[2] + b"\x00"], root)
    with pytest.raises(ProofError, match="expected 3"):
        verify_inclusion(leaf, 3, 8, [*proof, proof[0]], root)
    with pytest.raises(ProofError, match="expected 3"):
        verify_inclusion(leaf, 3, 8, proof[:2], root)
    with pytest.raises(ProofError, match="non-negative"):
        verify_inclusion(leaf, -1, 8, proof, root)
    with pytest.raises(ProofError):
        inclusion_proof(8, 8, get)


def test_consistency_edge_cases() -> None:
    root5 = mth(LEAVES[:5])
    verify_consistency(5, 5, [], root5, root5)
    verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 0, [], root5, root5)
    with pytest.raises(ProofError, match="two different roots"):
        verify_consistency(5, 5, [], root5, EMPTY_ROOT)
    with pytest.raises(ProofError, match="empty consistency proof"):
        verify_consistency(5, 5, [root5], root5, root5)
    with pytest.raises(ProofError, match="meaningless"):
        verify_consistency(0, 5, [], EMPTY_ROOT, root5)
    with pytest.raises(ProofError, match="larger"):
        verify_consistency(6, 5, [], root5, root5)
    proof = consistency_proof(3, 5, get)
    with pytest.raises(ProofError, match="32-byte"):
        verify_consistency(3, 5, proof, mth(LEAVES[:3])[:16], root5)
    assert consistency_proof(0, 0, get) == consistency_proof(7, 7, get) == []
    with pytest.raises(ProofError):
        consistency_proof(0, 5, get)
    with pytest.raises(ProofError):
        consistency_proof(6, 5, get)


def test_a_proof_binds_shape_not_size() -> None:
    """Index 0 of 3 and of 4 leaves share a path shape: size is bound by the signed checkpoint."""
    proof = inclusion_proof(0, 3, get)
    verify_inclusion(leaf_hash(LEAVES[0]), 0, 4, proof, mth(LEAVES[:3]))
    with pytest.raises(ProofError):
        verify_inclusion(leaf_hash(LEAVES[0]), 0, 4, proof, mth(LEAVES[:4]))
