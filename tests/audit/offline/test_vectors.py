"""RFC 9162 proof verification against the transparency-dev/merkle test vectors.

Every file is one case: wantErr false must verify, wantErr true must raise ProofError.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from audit.errors import ProofError
from audit.offline.merkle import verify_consistency, verify_inclusion

VECTORS = Path(__file__).parent.parent / "vectors" / "merkle"


def _cases(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).rglob("*.json"))


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _proof(case: dict[str, object]) -> list[bytes]:
    items = case["proof"] or []
    assert isinstance(items, list)
    return [_b64(item) for item in items]


def _id(path: Path) -> str:
    return str(path.relative_to(VECTORS))


def test_vectors_are_present() -> None:
    """Guards against a silently empty parametrisation."""
    assert len(_cases("inclusion")) >= 80
    assert len(_cases("consistency")) >= 90


@pytest.mark.parametrize("path", _cases("inclusion"), ids=_id)
def test_inclusion_vector(path: Path) -> None:
    case = json.loads(path.read_text())
    args = (
        _b64(case["leafHash"]),
        case["leafIdx"],
        case["treeSize"],
        _proof(case),
        _b64(case["root"]),
    )
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", _cases("consistency"), ids=_id)
def test_consistency_vector(path: Path) -> None:
    case = json.loads(path.read_text())
    args = (
        case["size1"],
        case["size2"],
        _proof(case),
        _b64(case["root1"]),
        _b64(case["root2"]),
    )
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)
