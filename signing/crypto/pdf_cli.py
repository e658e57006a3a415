"""`vanthu verify FILE`: a signed PDF (PAdES) or a verification bundle, checked offline.

A PDF is recognised by its first bytes (pyHanko is then imported); anything else goes to the
bundle checker. The exit codes are the bundle checker's: 0 valid, 1 invalid (or not yet sealed),
2 unusable input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from cryptography import x509

from signing.crypto import bundle
from signing.crypto.bundle import _clean
from signing.crypto.pki import fingerprint_sha256, name_text
from signing.crypto.reports import Status
from signing.crypto.verify_args import parse_verify_args, read_trust_roots
from signing.errors import PdfUnusable

if TYPE_CHECKING:
    from signing.crypto.pdf_reports import PdfReport

_HEAD = 1024


def _looks_like_pdf(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(_HEAD).lstrip()[:5].startswith(b"%PDF-")
    except OSError:
        return False


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None) -> int:
    """``vanthu verify FILE [--json] [--trust-root ROOT.pem]``; returns the exit status."""
    stream = out or sys.stdout
    args_list = list(sys.argv[1:] if argv is None else argv)
    args = parse_verify_args(args_list)
    if isinstance(args, int):
        return args
    if not _looks_like_pdf(args.file):
        return bundle.main(args_list, out=stream)
    # pyHanko is imported only for a PDF: the bundle check and --help stay quick to start.
    from signing.crypto.pdf_files import open_signed_pdf
    from signing.crypto.pdf_verify import PdfVerifier

    try:
        data = Path(args.file).read_bytes()
        given = _trust_roots(args.trust_root)
        pdf = open_signed_pdf(data)  # read once: its DSS roots, then its signatures
        roots = given or pdf.dss_roots()
        if not roots:
            raise PdfUnusable("The PDF carries no root certificate; give it with --trust-root.")
        report = PdfVerifier(roots).check(pdf)
    except (PdfUnusable, OSError) as exc:
        message = exc.message if isinstance(exc, PdfUnusable) else "The file cannot be read."
        _unusable(stream, message, as_json=args.json)
        return 2
    code = 0 if report.verdict == Status.TOTAL_PASSED.value else 1
    view = _View(Path(args.file).name, report, roots, given is not None, code)
    stream.write(view.json() if args.json else view.text())
    return code


def _trust_roots(path: Path | None) -> list[x509.Certificate] | None:
    try:
        return read_trust_roots(path)
    except ValueError as exc:
        raise PdfUnusable(str(exc)) from exc


def _unusable(stream: IO[str], message: str, *, as_json: bool) -> None:
    if as_json:
        body = {"result": "unusable", "exit_code": 2, "error": "pdf_unusable", "message": message}
        stream.write(json.dumps(body, ensure_ascii=False) + "\n")
    else:
        stream.write(f"UNUSABLE INPUT: {_clean(message)}\n")


class _View:
    """A checked PDF for the auditor, as text or JSON; file-borne text goes through ``_clean``."""

    def __init__(
        self,
        name: str,
        report: PdfReport,
        roots: Sequence[x509.Certificate],
        roots_given: bool,
        code: int,
    ) -> None:
        self.name, self.report, self.roots = name, report, roots
        self.roots_given, self.code = roots_given, code

    def anchors(self) -> list[dict[str, str]]:
        return [
            {"subject": name_text(root.subject), "sha256": fingerprint_sha256(root)}
            for root in self.roots
        ]

    def json(self) -> str:
        body = {
            "result": "valid" if self.code == 0 else "invalid",
            "exit_code": self.code,
            "document": {"file": self.name, "kind": "pdf"},
            "trust_anchor": {
                "source": "trust-root" if self.roots_given else "pdf",
                "roots": self.anchors(),
            },
            "report": self.report.to_dict(),
        }
        return json.dumps(body, ensure_ascii=False) + "\n"

    def text(self) -> str:
        report = self.report
        lines = [
            f"Document: {_clean(self.name)} (signed PDF)",
            f"SHA-256:  {report.document_sha256}",
        ]
        lines.append("")
        for number, signature in enumerate(report.signatures, start=1):
            lines.append(f"{number}. {_clean(signature.summary())}")
            if signature.result.signer:
                lines.append(f"    certificate: {_clean(signature.result.signer)}")
            lines.append(f"    field: {_clean(signature.field_name)}")
        lines += [f"Problem: {_clean(problem)}" for problem in report.problems]
        lines.append("")
        source = "given with --trust-root" if self.roots_given else "TAKEN FROM THE PDF"
        lines.append(f"Trust anchor ({source}):")
        for anchor in self.anchors():
            lines += [f"    {_clean(anchor['subject'])}", f"    SHA-256 {anchor['sha256']}"]
        if not self.roots_given:
            lines.append(
                "    Compare this fingerprint with the one your organisation publishes; "
                "the result means nothing if they differ."
            )
        verdict = "VALID" if self.code == 0 else "INVALID"
        if report.verdict == "INCOMPLETE":
            verdict = "NOT YET SEALED"
        lines += ["", f"RESULT: {verdict} ({report.verdict})", ""]
        return "\n".join(lines)
