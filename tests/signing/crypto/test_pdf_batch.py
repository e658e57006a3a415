"""Bulk PDF checking: worker processes give the same rows, in the same order, as one process."""

from __future__ import annotations

from pathlib import Path

from signing.crypto.pdf_batch import UNUSABLE, TrustDer, check_many
from tests.signing import pdf_testkit as kit
from tests.signing.signing_testkit import Pki


def test_worker_processes_give_the_rows_of_one_process_in_order(env: Pki, tmp_path: Path) -> None:
    good = kit.signed_and_sealed(env)
    files = {
        "good.pdf": good,
        "tampered.pdf": kit.flip_signed_byte(good),
        "official-only.pdf": kit.add_dss(
            kit.sign_pdf(kit.base_pdf(), env.official, "Official"), env.chain, [env.crl]
        ),
        "unsigned.pdf": kit.base_pdf(),
    }
    items: list[tuple[str, str, str | None]] = []
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        items.append((name, name.upper(), str(path)))
    items.append(("missing.pdf", "MISSING", None))
    trust = TrustDer.of([env.root.certificate])
    alone = list(check_many(trust, items))
    pooled = list(check_many(trust, items, workers=2, chunk=1))
    assert [row["file"] for row in pooled] == [item[0] for item in items]
    assert pooled == alone
    statuses = [row["status"] for row in alone]
    assert statuses == ["TOTAL_PASSED", "TOTAL_FAILED", "INCOMPLETE", UNUSABLE, UNUSABLE]
