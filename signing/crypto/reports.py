"""Verification outcomes: ETSI main statuses and sub-indications, per signature and per document.

A ``Draft`` collects what is known while checking, so a failed signature still names its signer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from signing.crypto.pki import Role


class Status(StrEnum):
    """Main status after ETSI EN 319 102-1."""

    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"


class SubIndication(StrEnum):
    """Why a signature did not pass: ETSI EN 319 102-1 names plus ORDER_VIOLATION, ROLE_MISMATCH
    and MODIFIED_AFTER_SIGNING (a PDF whose content an incremental update changed)."""

    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    TRY_LATER = "TRY_LATER"
    ORDER_VIOLATION = "ORDER_VIOLATION"
    ROLE_MISMATCH = "ROLE_MISMATCH"
    MODIFIED_AFTER_SIGNING = "MODIFIED_AFTER_SIGNING"


# Proven wrong whatever evidence comes later; the others could pass with more or fresher evidence.
DEFINITE = frozenset(
    {
        SubIndication.FORMAT_FAILURE,
        SubIndication.HASH_FAILURE,
        SubIndication.SIG_CRYPTO_FAILURE,
        SubIndication.REVOKED,
        SubIndication.EXPIRED,
        SubIndication.NOT_YET_VALID,
        SubIndication.ORDER_VIOLATION,
        SubIndication.ROLE_MISMATCH,
        SubIndication.MODIFIED_AFTER_SIGNING,
    }
)


_SLOT_LABELS = {"official": "Official's signature", "seal": "Organisation seal"}


def iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


@dataclass(frozen=True)
class SignatureResult:
    """The outcome for one signature; ``signer`` etc. are filled as far as the checks got."""

    slot: str
    status: Status
    sub_indication: SubIndication | None
    message: str
    role: Role = Role.UNKNOWN
    signer: str | None = None
    signer_name: str | None = None
    serial: int | None = None
    signing_time: dt.datetime | None = None
    certificate_sha256: str | None = None
    trust_anchor_sha256: str | None = None
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; serial in hex as certificate viewers show it."""
        return {
            "slot": self.slot,
            "status": self.status.value,
            "sub_indication": self.sub_indication.value if self.sub_indication else None,
            "message": self.message,
            "role": self.role.value,
            "signer": self.signer,
            "signer_name": self.signer_name,
            "serial": None if self.serial is None else format(self.serial, "X"),
            "signing_time": iso(self.signing_time),
            "certificate_sha256": self.certificate_sha256,
            "trust_anchor_sha256": self.trust_anchor_sha256,
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        """One line for logs and the CLI."""
        label = _SLOT_LABELS.get(self.slot, "Signature")
        who = f" by {self.signer_name}" if self.signer_name else ""
        when = f" at {iso(self.signing_time)}" if self.signing_time else ""
        code = f" [{self.sub_indication.value}]" if self.sub_indication else ""
        return f"{label}{who}{when}: {self.status.value}{code} {self.message}"


@dataclass(frozen=True)
class DocumentReport:
    """Both signatures of one document version; ``problems`` are document-level failures."""

    document_sha256: str
    official: SignatureResult
    seal: SignatureResult
    problems: tuple[str, ...] = ()

    @property
    def status(self) -> Status:
        """TOTAL_PASSED only when both signatures passed and there is no document-level problem."""
        states = {self.official.status, self.seal.status}
        if self.problems or Status.TOTAL_FAILED in states:
            return Status.TOTAL_FAILED
        if Status.INDETERMINATE in states:
            return Status.INDETERMINATE
        return Status.TOTAL_PASSED

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "document_sha256": self.document_sha256,
            "signatures": [self.official.to_dict(), self.seal.to_dict()],
            "problems": list(self.problems),
        }

    def summary(self) -> str:
        lines = [f"Document {self.document_sha256}: {self.status.value}"]
        lines += [self.official.summary(), self.seal.summary(), *self.problems]
        return "\n".join(lines)


class Failure(Exception):
    """A check refused the signature: the sub-indication and the sentence shown for it."""

    def __init__(self, sub: SubIndication, message: str) -> None:
        super().__init__(message)
        self.sub = sub
        self.message = message
