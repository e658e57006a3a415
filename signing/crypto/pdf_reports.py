"""What checking a signed PDF found: each embedded signature's ETSI result with what only a PDF
has (its timestamp, changes after signing), and the file's verdict (INCOMPLETE until sealed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from signing.crypto.pki import Role
from signing.crypto.reports import SignatureResult, Status, iso

INCOMPLETE = "INCOMPLETE"
_RANK = {Status.TOTAL_PASSED: 0, Status.INDETERMINATE: 1, Status.TOTAL_FAILED: 2}

#: Which time a signature's chain was checked at: a trusted RFC 3161 timestamp, the time the
#: signer claims (signed attribute or /M), or, with neither, the time of the check.
TRUSTED_TIMESTAMP = "trusted_timestamp"
SIGNING_TIME_CLAIM = "signing_time_claim"
VERIFICATION_TIME = "verification_time"
TIME_BASES = {
    TRUSTED_TIMESTAMP: "the trusted timestamp",
    SIGNING_TIME_CLAIM: "the signing time the signer claims",
    VERIFICATION_TIME: "the time of this check",
}


@dataclass(frozen=True)
class PdfSignature:
    """One embedded signature: the ETSI result plus what only a PDF has."""

    result: SignatureResult
    field_name: str
    timestamp_time: dt.datetime | None
    modification: str
    modified_after_signing: bool
    covers_whole_file: bool
    #: The moment the chain and the CRL were checked at, and where it came from (``TIME_BASES``).
    validated_at: dt.datetime | None = None
    time_basis: str = VERIFICATION_TIME

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.result.to_dict(),
            "field": self.field_name,
            "timestamp_time": iso(self.timestamp_time),
            "validation_time": iso(self.validated_at),
            "time_basis": self.time_basis,
            "modification": self.modification,
            "modified_after_signing": self.modified_after_signing,
            "covers_whole_file": self.covers_whole_file,
        }

    def summary(self) -> str:
        line = self.result.summary()
        if self.timestamp_time is not None:
            line += f" (timestamp {iso(self.timestamp_time)})"
        if self.validated_at is not None:
            line += f" Chain checked at {iso(self.validated_at)}: {TIME_BASES[self.time_basis]}."
        if self.modified_after_signing:
            line += " MODIFIED AFTER SIGNING."
        return line


@dataclass(frozen=True)
class PdfReport:
    """Every signature of a PDF in file order; ``problems`` are document-level findings."""

    document_sha256: str
    signatures: tuple[PdfSignature, ...]
    problems: tuple[str, ...] = ()

    @property
    def status(self) -> Status:
        """The worst signature status; a document-level problem fails the document."""
        states = [s.result.status for s in self.signatures]
        worst = max(states, key=_RANK.__getitem__, default=Status.INDETERMINATE)
        return Status.TOTAL_FAILED if self.problems else worst

    @property
    def sealed(self) -> bool:
        return any(s.result.role is Role.SEAL for s in self.signatures)

    @property
    def verdict(self) -> str:
        """The ETSI status, or INCOMPLETE while an otherwise valid file has no seal yet."""
        status = self.status
        if status is Status.TOTAL_PASSED and not self.sealed:
            return INCOMPLETE
        return status.value

    @property
    def modified_after_signing(self) -> bool:
        return any(s.modified_after_signing for s in self.signatures)

    def results(self) -> list[SignatureResult]:
        return [s.result for s in self.signatures]

    def first_problem(self) -> SignatureResult | None:
        return next((s.result for s in self.signatures if s.result.sub_indication), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.verdict,
            "document_sha256": self.document_sha256,
            "signatures": [s.to_dict() for s in self.signatures],
            "modified_after_signing": self.modified_after_signing,
            "problems": list(self.problems),
        }

    def summary(self) -> str:
        lines = [f"PDF {self.document_sha256}: {self.verdict}"]
        lines += [s.summary() for s in self.signatures]
        return "\n".join([*lines, *self.problems])
