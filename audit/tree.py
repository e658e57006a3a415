"""Node hashes of the stored Merkle tree, fetched in bulk for the pure functions of audit.merkle.

Leaves hold the level-0 hashes and `audit_nodes` the complete subtrees above them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from audit.errors import ProofError
from audit.models import AuditLeaf, AuditNode
from audit.offline.merkle import HASH_SIZE, NodeGetter

T = TypeVar("T")
_PLACEHOLDER = bytes(HASH_SIZE)


def fetch_nodes(
    session: Session, wanted: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """Hashes of the (level, index) nodes asked for that are stored, in at most two queries."""
    seqs = [index for level, index in wanted if level == 0]
    inner = [(level, index) for level, index in wanted if level > 0]
    found: dict[tuple[int, int], bytes] = {}
    connection = session.connection()
    if seqs:
        rows = connection.execute(_LEAF_HASHES, {"seqs": seqs})
        found.update(((0, seq), bytes(h)) for seq, h in rows)
    if inner:
        params: dict[str, int] = {}
        for i, (level, index) in enumerate(inner):
            params[f"l{i}"], params[f"i{i}"] = level, index
        node_rows = connection.execute(_node_hashes(len(inner)), params)
        found.update(((level, index), bytes(h)) for level, index, h in node_rows)
    return found


_LEAF_HASHES = sa.select(AuditLeaf.seq, AuditLeaf.leaf_hash).where(
    AuditLeaf.seq.in_(sa.bindparam("seqs", expanding=True))
)


@functools.cache
def _node_hashes(count: int) -> Any:
    """SELECT of ``count`` nodes by primary key, spelled as ORs of equalities.

    A row-value IN list would be shorter, but SQLite answers it by scanning the whole table;
    ORs are one index look-up each on both databases.
    """
    return sa.select(AuditNode.level, AuditNode.index, AuditNode.hash).where(
        sa.or_(
            *(
                sa.and_(
                    AuditNode.level == sa.bindparam(f"l{i}"),
                    AuditNode.index == sa.bindparam(f"i{i}"),
                )
                for i in range(count)
            )
        )
    )


def compute(session: Session, fn: Callable[[NodeGetter], T]) -> T:
    """Run ``fn(get_node)`` on stored nodes, fetching every node it needs at once.

    The proof functions choose their nodes from the sizes alone, never from hash values, so a
    dry run with placeholder hashes lists them; a proof costs two queries instead of log n.
    """
    wanted: set[tuple[int, int]] = set()

    def note(level: int, index: int) -> bytes:
        wanted.add((level, index))
        return _PLACEHOLDER

    fn(note)
    hashes = fetch_nodes(session, wanted)

    def get(level: int, index: int) -> bytes:
        try:
            return hashes[level, index]
        except KeyError:
            raise ProofError(f"node ({level}, {index}) is missing from the stored tree") from None

    return fn(get)
