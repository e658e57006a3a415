"""Checking many signed PDFs with one verifier per process: the bulk verification's engine.

A large batch is spread over worker processes, started fresh ("spawn") so that nothing of a
web process's threads or database connections is inherited; each builds its verifier once from
the trust material's DER and reads its files by path. Rows come back in the order given.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from signing.crypto.pdf_verify import PdfVerifier
from signing.errors import PdfUnusable

UNUSABLE = "UNUSABLE"
#: One file to check: its name for the report, its SHA-256, where it lies (None: missing).
Item = tuple[str, str, str | None]


@dataclass(frozen=True)
class TrustDer:
    """Roots, intermediates and CRLs as DER: what a worker process receives."""

    roots: tuple[bytes, ...]
    intermediates: tuple[bytes, ...] = ()
    crls: tuple[bytes, ...] = ()

    @classmethod
    def of(
        cls,
        roots: Sequence[x509.Certificate],
        intermediates: Sequence[x509.Certificate] = (),
        crls: Sequence[x509.CertificateRevocationList] = (),
    ) -> TrustDer:
        return cls(
            tuple(c.public_bytes(Encoding.DER) for c in roots),
            tuple(c.public_bytes(Encoding.DER) for c in intermediates),
            tuple(c.public_bytes(Encoding.DER) for c in crls),
        )

    def verifier(self) -> PdfVerifier:
        return PdfVerifier(
            [x509.load_der_x509_certificate(d) for d in self.roots],
            [x509.load_der_x509_certificate(d) for d in self.intermediates],
            [x509.load_der_x509_crl(d) for d in self.crls],
        )


def available_workers() -> int:
    """The cores this process may run on (a container's limit, not the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def check_one(verifier: PdfVerifier, name: str, digest: str, data: bytes | None) -> dict[str, Any]:
    """One row of the report: the verdict, each signature in order, the first problem."""
    row: dict[str, Any] = {"file": name, "sha256": digest}
    if data is None:
        return {**row, "status": UNUSABLE, "signatures": [], "message": "The file is missing."}
    try:
        report = verifier.check(data)
    except PdfUnusable as exc:
        return {**row, "status": UNUSABLE, "signatures": [], "message": exc.message}
    problem = report.first_problem()
    return {
        **row,
        "status": report.verdict,
        "signatures": [
            {
                "role": s.result.role.value,
                "signer": s.result.signer_name,
                "status": s.result.status.value,
                "sub_indication": s.result.sub_indication.value
                if s.result.sub_indication
                else None,
                "signing_time": s.to_dict()["signing_time"],
                "time_basis": s.time_basis,
            }
            for s in report.signatures
        ],
        "modified_after_signing": report.modified_after_signing,
        "message": problem.message if problem else "",
    }


def check_many(
    trust: TrustDer, items: Sequence[Item], *, workers: int = 1, chunk: int = 25
) -> Iterator[dict[str, Any]]:
    """A row per item, in order; over ``workers`` processes when the batch is worth their
    start-up (at least two chunks each), else in this process with one verifier."""
    if workers <= 1 or len(items) < 2 * chunk * workers:
        verifier = trust.verifier()
        yield from (_row(verifier, item) for item in items)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_start_worker, initargs=(trust,)) as pool:
        yield from pool.imap(_worker_row, items, chunksize=chunk)


_WORKER_VERIFIER: list[PdfVerifier] = []


def _start_worker(trust: TrustDer) -> None:
    _WORKER_VERIFIER.append(trust.verifier())


def _worker_row(item: Item) -> dict[str, Any]:
    return _row(_WORKER_VERIFIER[0], item)


def _row(verifier: PdfVerifier, item: Item) -> dict[str, Any]:
    name, digest, path = item
    data = Path(path).read_bytes() if path is not None and Path(path).is_file() else None
    return check_one(verifier, name, digest, data)
