"""Benchmark: verifying signed PDFs (official + seal, chain, CRL from the DSS) with pyHanko.

Each PDF carries the official's signature, the seal as an incremental update, and a DSS with
the chain and a CRL of REVOKED_ON_CRL entries. Value: PDFs/s through
signing.crypto.pdf_verify (byte ranges, CMS, path validation with the CRL, pyHanko's difference
analysis, roles and order). Baseline, in the same run: raw ECDSA verification of the same two
signatures per PDF (cryptography, signed attributes only), as PDFs/s. ratio = value / baseline,
i.e. the baseline's time per PDF over ours. Best of --rounds, interleaved.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the test kit signs the PDFs

from signing.crypto import pki
from signing.crypto.pdf_verify import PdfVerifier, open_pdf
from signing.keys import generate_signing_key
from tests.signing.pdf_testkit import add_dss, base_pdf, sign_pdf

REVOKED_ON_CRL = 200

Raw = tuple[bytes, bytes, ec.EllipticCurvePublicKey]


def _setup(count: int) -> tuple[Callable[[], PdfVerifier], list[bytes]]:
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
    return lambda: PdfVerifier([root.certificate]), pdfs


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


def _ours(make_verifier: Callable[[], PdfVerifier], pdfs: list[bytes]) -> float:
    start = time.perf_counter()
    verifier = make_verifier()
    for data in pdfs:
        report = verifier.check(data)
        if report.verdict != "TOTAL_PASSED":
            raise SystemExit(f"a bench PDF did not verify: {report.summary()}")
    return len(pdfs) / (time.perf_counter() - start)


def _baseline(raw: list[Raw]) -> float:
    algorithm = ec.ECDSA(hashes.SHA256())
    start = time.perf_counter()
    for message, signature, public in raw:
        public.verify(signature, message, algorithm)
    return len(raw) / 2 / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    make_verifier, pdfs = _setup(args.count)
    raw = _raw_signatures(pdfs)
    assert len(raw) == 2 * args.count
    ours, base = [], []
    for _ in range(args.rounds):  # interleaved, so background load hits both alike
        ours.append(_ours(make_verifier, pdfs))
        base.append(_baseline(raw))
    value, baseline = max(ours), max(base)
    result = {
        "bench": "verify_pdf_bulk",
        "value": round(value, 1),
        "unit": "PDFs/s",
        "baseline": round(baseline, 1),
        "ratio": round(value / baseline, 4),
        "target": 0.2,
        "count": args.count,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
