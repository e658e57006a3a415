"""The one command line of `vanthu verify`, shared by the PDF and the bundle checkers.

Both entry points accept the same options and map argparse's outcome to the same exit codes
(0 after --help, 2 for a bad command line), so a script calling either sees one interface.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509

from signing.crypto.pki import load_pem_chain

#: Exit codes of `vanthu verify`, whatever the file.
VALID, INVALID, UNUSABLE = 0, 1, 2

DESCRIPTION = (
    "Check a signed PDF or a VanThu verification bundle offline. Exit 0: valid; "
    "1: invalid or not yet sealed; 2: unusable input. Without --trust-root the root "
    "carried by the file is used and its SHA-256 fingerprint printed: compare it with "
    "the one your organisation publishes."
)


def verify_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vanthu verify", description=DESCRIPTION)
    parser.add_argument("file", help="the signed .pdf or the bundle .zip")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--trust-root", type=Path, help="PEM file with the trusted root CA(s)")
    return parser


def parse_verify_args(argv: Sequence[str]) -> argparse.Namespace | int:
    """The parsed options, or the exit code when argparse stopped (help printed, bad usage)."""
    try:
        return verify_parser().parse_args(list(argv))
    except SystemExit as exc:
        return VALID if exc.code in (0, None) else UNUSABLE


def read_trust_roots(path: Path | None) -> list[x509.Certificate] | None:
    """The certificates of a --trust-root file; ``ValueError`` with a message if unreadable."""
    if path is None:
        return None
    try:
        return load_pem_chain(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ValueError(f"Cannot read a certificate from {path}.") from exc
