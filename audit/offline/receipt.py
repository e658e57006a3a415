"""C2SP tlog-proof receipts: an offline proof that one entry is in a signed checkpoint.

A clerk or citizen keeps the receipt; anyone with the log's verifier key can check it offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from audit.errors import CheckpointError, ReceiptError
from audit.offline.merkle import HASH_SIZE, NodeGetter, inclusion_proof, leaf_hash, verify_inclusion
from audit.offline.note import (
    Checkpoint,
    Verifier,
    b64,
    parse_verifier_key,
    unb64,
    verify_checkpoint,
)

HEADER = "c2sp.org/tlog-proof@v1"
MAX_PROOF_HASHES = 64


@dataclass(frozen=True)
class LeafHash:
    """Marks bytes as an already-computed leaf hash rather than the leaf's own bytes."""

    value: bytes


@dataclass(frozen=True)
class Receipt:
    """A parsed receipt; nothing in it is trusted until ``verify_receipt`` has passed."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None = None


def format_receipt(
    index: int, proof: Sequence[bytes], checkpoint_note: str, extra: bytes | None = None
) -> str:
    """Write a receipt; ``checkpoint_note`` is the signed checkpoint, included verbatim."""
    if index < 0:
        raise ValueError("index must not be negative")
    if any(len(h) != HASH_SIZE for h in proof):
        raise ValueError("proof hashes are 32 bytes")
    lines = [HEADER]
    if extra is not None:
        lines.append(f"extra {b64(extra)}")
    lines.append(f"index {index}")
    lines += [b64(h) for h in proof]
    return "\n".join(lines) + "\n\n" + checkpoint_note


def make_receipt(
    index: int, size: int, get_node: NodeGetter, checkpoint_note: str, extra: bytes | None = None
) -> str:
    """Build the receipt of entry ``index`` in the checkpointed tree ``size`` from stored nodes."""
    return format_receipt(index, inclusion_proof(index, size, get_node), checkpoint_note, extra)


def parse_receipt(text: str) -> Receipt:
    """Split a receipt into index, proof and checkpoint note; raises ReceiptError when malformed."""
    head, sep, checkpoint = text.partition("\n\n")
    if not sep or not checkpoint:
        raise ReceiptError("receipt has no blank line before its checkpoint")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise ReceiptError(f"receipt does not start with {HEADER}")
    pos = 1
    extra = None
    try:
        if pos < len(lines) and lines[pos].startswith("extra "):
            extra = unb64(lines[pos][6:], "receipt extra data")
            pos += 1
        if pos >= len(lines) or not lines[pos].startswith("index "):
            raise ReceiptError("receipt has no index line")
        index_text = lines[pos][6:]
        plain = index_text.isascii() and index_text.isdigit()
        if not plain or index_text != str(int(index_text)):
            raise ReceiptError(f"receipt index {index_text!r} is not a plain decimal number")
        proof_lines = lines[pos + 1 :]
        if len(proof_lines) > MAX_PROOF_HASHES:
            raise ReceiptError("receipt has too many proof hashes")
        proof = tuple(unb64(line, f"proof hash {i}") for i, line in enumerate(proof_lines))
    except CheckpointError as e:
        raise ReceiptError(e.message) from None
    if any(len(h) != HASH_SIZE for h in proof):
        raise ReceiptError("receipt proof hashes must be 32 bytes")
    return Receipt(int(index_text), proof, checkpoint, extra)


def verify_receipt(
    receipt_text: str | Receipt,
    leaf: bytes | LeafHash,
    vkey: str | Verifier,
    *,
    origin: str | None = None,
) -> Checkpoint:
    """Check that ``leaf`` is entry ``index`` of the checkpoint in the receipt, signed by ``vkey``.

    ``leaf`` is the leaf's bytes, or ``LeafHash(h)`` for its hash. Returns the verified checkpoint;
    raises ReceiptError (malformed), CheckpointError (signature, key, origin) or ProofError (proof).
    """
    receipt = parse_receipt(receipt_text) if isinstance(receipt_text, str) else receipt_text
    verifier = parse_verifier_key(vkey) if isinstance(vkey, str) else vkey
    checkpoint = verify_checkpoint(receipt.checkpoint, verifier, origin)
    h = leaf.value if isinstance(leaf, LeafHash) else leaf_hash(leaf)
    verify_inclusion(h, receipt.index, checkpoint.size, receipt.proof, checkpoint.root)
    return checkpoint
