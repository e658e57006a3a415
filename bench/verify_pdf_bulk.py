"""Benchmark: verifying signed PDFs (official + seal, chain, CRL from the DSS) with pyHanko.

Each PDF carries the official's signature, the seal as an incremental update, and a DSS with
the chain and a CRL of REVOKED_ON_CRL entries. Value: PDFs/s through
signing.crypto.pdf_verify (byte ranges, CMS, path validation with the CRL, pyHanko's difference
analysis, roles and order). Baseline, in the same run: raw ECDSA verification of the same two
signatures per PDF (cryptography, signed attributes only), as PDFs/s. ratio = value / baseline,
i.e. the baseline's time per PDF over ours. Best of --rounds, interleaved.

With --workers N both sides run the same way in N forked processes, each with its share of the
files already in memory and one verifier per process (one batch each), so the ratio stays a
like-for-like comparison; the single-process figures are printed alongside.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the test kit signs the PDFs

from signing.crypto import pki
from signing.crypto.pdf_files import open_pdf
from signing.crypto.pdf_verify import PdfVerifier
from signing.keys import generate_signing_key
from tests.signing.pdf_testkit import add_dss, base_pdf, sign_pdf

REVOKED_ON_CRL = 200

Raw = tuple[bytes, bytes, ec.EllipticCurvePublicKey]


def _setup(count: int) -> tuple[x509.Certificate, list[bytes]]:
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
    chain = issuing.chain
    official_cred = pki.Credential(official, official_key, chain)
    seal_cred = pki.Credential(seal, seal_key, chain)
    pdfs = []
    for number in range(count):
        data = sign_pdf(
            base_pdf(f"So: {number}/QD-UBND. Bench document"), official_cred, "Official"
        )
        data = sign_pdf(data, seal_cred, "Seal", box_x=260)
        pdfs.append(add_dss(data, chain, [crl]))
    return root.certificate, pdfs


def _raw_signatures(pdfs: list[bytes]) -> list[Raw]:
    """The same signatures as (signed attributes, signature value, public key)."""
    raw: list[Raw] = []
    for data in pdfs:
        for embedded in open_pdf(data)[1]:
            signer = embedded.signer_info
            # The signed attributes are signed as a SET OF, not with their [0] IMPLICIT tag.
            attributes = b"\x31" + signer["signed_attrs"].dump()[1:]
            key = embedded.signer_cert.public_key.dump()
            public = load_der_public_key(key)
            assert isinstance(public, ec.EllipticCurvePublicKey)
            raw.append((attributes, signer["signature"].native, public))
    return raw


# What forked workers inherit: the files, their raw signatures and the root, set before forking.
_SHARED: dict[str, object] = {}


def _ours_slice(bounds: tuple[int, int]) -> int:
    pdfs, root = _SHARED["pdfs"], _SHARED["root"]
    assert isinstance(pdfs, list) and isinstance(root, x509.Certificate)
    verifier = PdfVerifier([root])  # one batch per process
    for data in pdfs[bounds[0] : bounds[1]]:
        report = verifier.check(data)
        if report.verdict != "TOTAL_PASSED":
            raise SystemExit(f"a bench PDF did not verify: {report.summary()}")
    return bounds[1] - bounds[0]


def _baseline_slice(bounds: tuple[int, int]) -> int:
    raw = _SHARED["raw"]
    assert isinstance(raw, list)
    algorithm = ec.ECDSA(hashes.SHA256())
    for message, signature, public in raw[2 * bounds[0] : 2 * bounds[1]]:
        public.verify(signature, message, algorithm)
    return bounds[1] - bounds[0]


def _rate(work: Callable[[tuple[int, int]], int], count: int, workers: int) -> float:
    """PDFs per second for ``work`` over all files, in this process or in ``workers`` forks."""
    if workers == 1:
        start = time.perf_counter()
        done = work((0, count))
        return done / (time.perf_counter() - start)
    step = -(-count // workers)
    slices = [(i, min(i + step, count)) for i in range(0, count, step)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(_warm, range(workers))  # the forks exist before the clock starts
        start = time.perf_counter()
        done = sum(pool.map(work, slices))
        return done / (time.perf_counter() - start)


def _warm(_: int) -> None:
    return None


def _measure(count: int, workers: int, rounds: int) -> tuple[float, float]:
    ours, base = [], []
    for _ in range(rounds):  # interleaved, so background load hits both alike
        ours.append(_rate(_ours_slice, count, workers))
        base.append(_rate(_baseline_slice, count, workers))
    return max(ours), max(base)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="processes for both sides")
    args = parser.parse_args()
    root, pdfs = _setup(args.count)
    raw = _raw_signatures(pdfs)
    assert len(raw) == 2 * args.count
    _SHARED.update(pdfs=pdfs, raw=raw, root=root)
    value, baseline = _measure(args.count, 1, args.rounds)
    result: dict[str, object] = {
        "bench": "verify_pdf_bulk",
        "value": round(value, 1),
        "unit": "PDFs/s",
        "baseline": round(baseline, 1),
        "ratio": round(value / baseline, 4),
        "target": 0.2,
        "count": args.count,
    }
    if args.workers > 1:
        pooled, pooled_base = _measure(args.count, args.workers, args.rounds)
        result.update(
            workers=args.workers,
            single_process_ratio=result["ratio"],
            value=round(pooled, 1),
            baseline=round(pooled_base, 1),
            ratio=round(pooled / pooled_base, 4),
            single_process_value=round(value, 1),
            single_process_baseline=round(baseline, 1),
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
