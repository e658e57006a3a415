"""Benchmark: full verification (CMS, chain, CRL, roles, order) of documents with two signatures.

Baseline: raw ECDSA verification of as many signatures, as documents/s. Best of --rounds each.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from signing.crypto import pki
from signing.crypto.cms import sign_detached
from signing.crypto.verification import Verifier
from signing.keys import generate_signing_key

DOCUMENT_SIZE = 4096
REVOKED_ON_CRL = 200


def _setup(count: int) -> tuple[Callable[[], Verifier], list[tuple[bytes, bytes, bytes]]]:
    root = pki.create_root_ca("Bench Root", "Bench")
    issuing = pki.create_issuing_ca(root, "Bench Issuing", "Bench", curve="P-256")
    official_key, seal_key = generate_signing_key(), generate_signing_key()
    official = pki.issue_official_certificate(
        issuing, official_key.public_key(), full_name="A", title="T", unit="U", organisation="O"
    )
    seal = pki.issue_seal_certificate(issuing, seal_key.public_key(), organisation="O")
    crl = pki.build_crl(
        issuing,
        [
            pki.Revocation(secrets.randbits(159), issuing.certificate.not_valid_before_utc)
            for _ in range(REVOKED_ON_CRL)
        ],
        crl_number=1,
    )
    chain = [issuing.certificate]
    documents = []
    for _ in range(count):
        data = os.urandom(DOCUMENT_SIZE)
        documents.append(
            (
                data,
                sign_detached(data, official, official_key, chain),
                sign_detached(data, seal, seal_key, chain),
            )
        )
    return lambda: Verifier([root.certificate], chain, [crl]), documents


def _ours(
    make_verifier: Callable[[], Verifier], documents: list[tuple[bytes, bytes, bytes]]
) -> float:
    """A fresh Verifier per round: building its caches (CRL index, chains) is timed too."""
    start = time.perf_counter()
    verifier = make_verifier()
    for data, official, seal in documents:
        verifier.verify_document(data, official, seal)  # raises if anything fails
    return len(documents) / (time.perf_counter() - start)


def _baseline(pairs: list[tuple[bytes, bytes]], public: ec.EllipticCurvePublicKey) -> float:
    """Raw ECDSA P-256 verification of two signatures per document, as documents per second."""
    algorithm = ec.ECDSA(hashes.SHA256())
    start = time.perf_counter()
    for message, signature in pairs:
        public.verify(signature, message, algorithm)
    return len(pairs) / 2 / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    make_verifier, documents = _setup(args.count)
    key = ec.generate_private_key(ec.SECP256R1())
    algorithm = ec.ECDSA(hashes.SHA256())
    pairs = [(m, key.sign(m, algorithm)) for m in (os.urandom(100) for _ in range(2 * args.count))]
    ours, raw = [], []
    for _ in range(args.rounds):  # interleaved, so background load hits both alike
        ours.append(_ours(make_verifier, documents))
        raw.append(_baseline(pairs, key.public_key()))
    value, baseline = max(ours), max(raw)
    result = {
        "bench": "verify_bulk",
        "value": round(value, 1),
        "unit": "documents/s",
        "baseline": round(baseline, 1),
        "ratio": round(value / baseline, 3),
        "count": args.count,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
