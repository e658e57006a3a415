"""Reading the log: checkpoints, entries, inclusion and consistency proofs, tlog-proof receipts.

Every proof is built from stored nodes and anchored to a stored signed checkpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from audit import tree
from audit.config import LogSettings
from audit.errors import BadLogRequest, EntryNotFound, ProofError, ReceiptError
from audit.models import AuditCheckpoint, AuditEvent, AuditLeaf
from audit.offline.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_at,
    verify_inclusion,
)
from audit.offline.note import Checkpoint, b64, verify_checkpoint
from audit.offline.receipt import format_receipt, parse_receipt
from core.errors import N_


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.scalars(
        sa.select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(1)
    ).first()


def get_checkpoint(session: Session, size: int | None = None) -> AuditCheckpoint:
    """The checkpoint at ``size``, or the latest one; EntryNotFound if there is none."""
    checkpoint = latest_checkpoint(session) if size is None else session.get(AuditCheckpoint, size)
    if checkpoint is None:
        raise EntryNotFound(N_("The log has no checkpoint of that size."))
    return checkpoint


def get_leaf(session: Session, seq: int) -> AuditLeaf:
    leaf = session.get(AuditLeaf, seq)
    if leaf is None:
        raise EntryNotFound(N_("The log has no entry %(seq)d."), seq=seq)
    return leaf


@dataclass(frozen=True)
class InclusionProof:
    """Entry ``seq`` (its exact bytes) and the audit path to a signed checkpoint's root."""

    seq: int
    leaf: bytes
    checkpoint: AuditCheckpoint
    proof: list[bytes]

    def verify(self, settings: LogSettings) -> Checkpoint:
        """Check the checkpoint's signature and the path from the re-hashed leaf; raise if not."""
        signed = verify_checkpoint(self.checkpoint.note, settings.verifier, settings.origin)
        verify_inclusion(leaf_hash(self.leaf), self.seq, signed.size, self.proof, signed.root)
        return signed

    def receipt(self) -> str:
        """The C2SP tlog-proof, carrying the entry's bytes as its extra data: self-contained."""
        return format_receipt(self.seq, self.proof, self.checkpoint.note, extra=self.leaf)

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "leaf": self.leaf.decode("utf-8"),
            "leaf_hash": b64(leaf_hash(self.leaf)),
            "size": self.checkpoint.size,
            "root": b64(self.checkpoint.root),
            "checkpoint": self.checkpoint.note,
            "proof": [b64(h) for h in self.proof],
        }


def inclusion(session: Session, seq: int, size: int | None = None) -> InclusionProof:
    """Proof that entry ``seq`` is in the checkpoint at ``size`` (default: the latest)."""
    checkpoint = get_checkpoint(session, size)
    if not 0 <= seq < checkpoint.size:
        raise BadLogRequest(
            N_("Entry %(seq)d is not in the checkpoint of size %(size)d."),
            seq=seq,
            size=checkpoint.size,
        )
    leaf = get_leaf(session, seq)
    proof = tree.compute(session, lambda get: inclusion_proof(seq, checkpoint.size, get))
    return InclusionProof(seq, bytes(leaf.leaf), checkpoint, proof)


@dataclass(frozen=True)
class ConsistencyProof:
    """Proof that the tree of ``first`` leaves is a prefix of the checkpointed ``second`` tree."""

    first: int
    second: AuditCheckpoint
    proof: list[bytes]

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.first,
            "to": self.second.size,
            "checkpoint": self.second.note,
            "proof": [b64(h) for h in self.proof],
        }


def consistency(session: Session, first: int, second: int | None = None) -> ConsistencyProof:
    """Consistency proof from size ``first`` to the checkpoint at ``second`` (or the latest).

    From size 0 the proof is empty: every tree extends the empty one.
    """
    checkpoint = get_checkpoint(session, second)
    if not 0 <= first <= checkpoint.size:
        raise BadLogRequest(
            N_("No consistency proof from size %(first)d to size %(second)d."),
            first=first,
            second=checkpoint.size,
        )
    if first in (0, checkpoint.size):
        return ConsistencyProof(first, checkpoint, [])
    proof = tree.compute(session, lambda get: consistency_proof(first, checkpoint.size, get))
    return ConsistencyProof(first, checkpoint, proof)


def first_event_seq(
    session: Session, action: str, actor_id: int, subject: Mapping[str, str]
) -> int:
    """Log position of the first ``action`` by ``actor_id`` whose subject has these values.

    Values are compared as text, so a document id 7 matches "7". Lets a page that knows what
    happened (who opened which version) link to its receipt without knowing the event's id.
    """
    query = (
        sa.select(AuditLeaf.seq)
        .join(AuditEvent, AuditEvent.id == AuditLeaf.event_id)
        .where(AuditEvent.action == action, AuditEvent.actor_id == actor_id)
        .order_by(AuditEvent.id)
        .limit(1)
    )
    for key, value in subject.items():
        query = query.where(AuditEvent.subject[key].as_string() == value)
    seq = session.scalar(query)
    if seq is None:
        raise EntryNotFound(N_("No logged event matches."))
    return seq


def actor_of(session: Session, seq: int) -> int | None:
    """Account id of whoever acted in entry ``seq``, as the database row records it."""
    actor = session.execute(
        sa.select(AuditEvent.actor_id)
        .join(AuditLeaf, AuditLeaf.event_id == AuditEvent.id)
        .where(AuditLeaf.seq == seq)
    ).first()
    if actor is None:
        raise EntryNotFound(N_("The log has no entry %(seq)d."), seq=seq)
    return actor.actor_id


@dataclass(frozen=True)
class CheckedReceipt:
    """A receipt that verified: entry ``seq`` of this log, in its signed ``checkpoint``."""

    seq: int
    leaf: bytes
    checkpoint: Checkpoint


def check_receipt(session: Session, text: str, settings: LogSettings) -> CheckedReceipt:
    """Verify a tlog-proof against this log's key, its stored entry and its stored tree.

    Raises BadLogRequest when the text is not a receipt, and CheckpointError or ProofError
    (both AuditError) when it is one that does not hold. A receipt passes only if its
    checkpoint is signed by this log, its entry is the log's entry at that index, the path
    leads to the signed root, and the log's stored tree has that same root at that size.
    """
    try:
        receipt = parse_receipt(text.replace("\r\n", "\n"))
    except ReceiptError as e:
        raise BadLogRequest(
            N_("This is not a tlog-proof receipt: %(reason)s"), reason=e.message
        ) from None
    signed = verify_checkpoint(receipt.checkpoint, settings.verifier, settings.origin)
    stored = session.get(AuditLeaf, receipt.index)
    leaf = receipt.extra
    if leaf is None:
        if stored is None:
            raise ProofError(f"this log has no entry {receipt.index}")
        leaf = bytes(stored.leaf)
    verify_inclusion(leaf_hash(leaf), receipt.index, signed.size, receipt.proof, signed.root)
    # The receipt holds; now the log must still hold what it proves.
    if stored is None or bytes(stored.leaf) != leaf:
        raise ProofError(
            f"the receipt is genuine, but this log's entry {receipt.index} was changed or "
            "removed since it was issued: the receipt holds what was logged"
        )
    if signed.size > _tree_size(session):
        raise ProofError(f"the receipt's checkpoint of size {signed.size} is beyond this log")
    if tree.compute(session, lambda get: root_at(signed.size, get)) != signed.root:
        raise ProofError(f"this log's tree at size {signed.size} has another root: a fork")
    return CheckedReceipt(receipt.index, leaf, signed)


def _tree_size(session: Session) -> int:
    last = session.scalar(sa.select(sa.func.max(AuditLeaf.seq)))
    return 0 if last is None else last + 1
