"""tlog-proof receipts: format, round trip, and every way a receipt can lie.

Receipts are built from a stored-node log as the server would build them.
"""

from __future__ import annotations

import base64

import pytest

from audit.errors import CheckpointError, ProofError, ReceiptError
from audit.offline.merkle import leaf_hash
from audit.offline.receipt import (
    HEADER,
    LeafHash,
    format_receipt,
    make_receipt,
    parse_receipt,
    verify_receipt,
)
from tests.audit.audit_testkit import ORIGIN, Log, node_store

LOG = Log.create(21)
STORE = node_store(LOG.leaves)


def receipt(index: int, size: int = 21) -> str:
    return make_receipt(index, size, lambda lv, i: STORE[lv, i], LOG.checkpoint(size))


def test_format() -> None:
    text = receipt(5)
    lines = text.split("\n")
    assert lines[0] == HEADER
    assert lines[1] == "index 5"
    proof_lines = lines[2 : lines.index("")]
    assert len(proof_lines) == 5
    assert all(len(base64.b64decode(line)) == 32 for line in proof_lines)
    assert text.endswith(LOG.checkpoint(21))
    assert text.split("\n\n", 1)[1] == LOG.checkpoint(21)


def test_round_trip_with_leaf_bytes_and_hash() -> None:
    for index in range(21):
        text = receipt(index)
        checkpoint = verify_receipt(text, LOG.leaves[index], LOG.vkey, origin=ORIGIN)
        assert checkpoint.size == 21
        verify_receipt(text, LeafHash(leaf_hash(LOG.leaves[index])), LOG.vkey)


def test_extra_data_round_trips() -> None:
    proof = parse_receipt(receipt(3)).proof
    text = format_receipt(3, proof, LOG.checkpoint(21), extra=b"context")
    parsed = parse_receipt(text)
    assert parsed.extra == b"context" and parsed.index == 3
    verify_receipt(text, LOG.leaves[3], LOG.vkey)


def test_single_leaf_tree_has_no_proof_lines() -> None:
    text = receipt(0, size=1)
    assert text.startswith(f"{HEADER}\nindex 0\n\n")
    verify_receipt(text, LOG.leaves[0], LOG.vkey)


def test_wrong_leaf_or_index() -> None:
    with pytest.raises(ProofError):
        verify_receipt(receipt(4), LOG.leaves[5], LOG.vkey)
    moved = receipt(4).replace("index 4\n", "index 5\n")
    with pytest.raises(ProofError):
        verify_receipt(moved, LOG.leaves[4], LOG.vkey)


def test_tampered_proof() -> None:
    text = receipt(6)
    head, checkpoint = text.split("\n\n", 1)
    lines = head.split("\n")
    flipped = bytearray(base64.b64decode(lines[2]))
    flipped[0] ^= 1
    lines[2] = base64.b64encode(bytes(flipped)).decode()
    with pytest.raises(ProofError):
        verify_receipt("\n".join(lines) + "\n\n" + checkpoint, LOG.leaves[6], LOG.vkey)
    with pytest.raises(ProofError):
        verify_receipt("\n".join(lines[:-1]) + "\n\n" + checkpoint, LOG.leaves[6], LOG.vkey)


def test_checkpoint_problems() -> None:
    other = Log.create(21)
    with pytest.raises(CheckpointError):
        verify_receipt(receipt(2), LOG.leaves[2], other.vkey)
    with pytest.raises(CheckpointError):
        verify_receipt(receipt(2), LOG.leaves[2], LOG.vkey, origin="elsewhere")
    forged = receipt(2).replace("\n21\n", "\n22\n")
    with pytest.raises(CheckpointError):
        verify_receipt(forged, LOG.leaves[2], LOG.vkey)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "c2sp.org/tlog-proof@v2\nindex 0\n\ncheckpoint",
        f"{HEADER}\n\ncheckpoint",
        f"{HEADER}\nindex 01\n\ncheckpoint",
        f"{HEADER}\nindex -1\n\ncheckpoint",
        f"{HEADER}\nindex x\n\ncheckpoint",
        f"{HEADER}\nindex 1\nnot base64!\n\ncheckpoint",
        f"{HEADER}\nindex 1\nAAAA\n\ncheckpoint",
        f"{HEADER}\nextra !!\nindex 1\n\ncheckpoint",
        f"{HEADER}\nindex 1\n",
    ],
)
def test_malformed(text: str) -> None:
    with pytest.raises(ReceiptError):
        parse_receipt(text)
