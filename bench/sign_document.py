"""Benchmark: signing one 1 MB document (official + seal) against raw hash-and-sign calls.

Keys are already unlocked; prints one JSON line {"bench", "value", "unit", "baseline", "ratio"}.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from signing.crypto import pki
from signing.crypto.cms import sign_detached
from signing.keys import generate_signing_key

SIZE = 1024 * 1024


def _median_ms(action: Callable[[], object], iterations: int) -> float:
    action()  # warm-up
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=50)
    args = parser.parse_args()
    root = pki.create_root_ca("Bench Root", "Bench")
    issuing = pki.create_issuing_ca(root, "Bench Issuing", "Bench", curve="P-256")
    official_key, seal_key = generate_signing_key(), generate_signing_key()
    official = pki.issue_official_certificate(
        issuing, official_key.public_key(), full_name="A", title="T", unit="U", organisation="O"
    )
    seal = pki.issue_seal_certificate(issuing, seal_key.public_key(), organisation="O")
    chain = [issuing.certificate]
    document = os.urandom(SIZE)
    assert isinstance(official_key, ec.EllipticCurvePrivateKey)
    assert isinstance(seal_key, ec.EllipticCurvePrivateKey)

    def ours() -> None:
        sign_detached(document, official, official_key, chain)
        sign_detached(document, seal, seal_key, chain)

    prehashed = ec.ECDSA(utils.Prehashed(hashes.SHA256()))

    def raw() -> None:
        digest = hashlib.sha256(document).digest()
        official_key.sign(digest, prehashed)
        seal_key.sign(digest, prehashed)

    value = _median_ms(ours, args.iterations)
    baseline = _median_ms(raw, args.iterations)
    result = {
        "bench": "sign_1mb",
        "value": round(value, 3),
        "unit": "ms",
        "baseline": round(baseline, 3),
        "ratio": round(value / baseline, 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
