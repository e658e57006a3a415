"""Typed errors of the tamper-evident audit log.

Verifiers raise these instead of returning False, so a failed check is never taken for success.
"""

from __future__ import annotations

from typing import Any

from core.errors import BadInput, Forbidden, NotFound, VanThuError


class AuditError(VanThuError):
    """Base of every audit-log error, so callers can catch the whole family at once."""

    status = 422
    code = "audit_error"


class ProofError(AuditError):
    """A Merkle inclusion or consistency proof does not hold, or is malformed."""

    code = "proof_invalid"


class CheckpointError(AuditError):
    """A signed note or checkpoint is malformed, unsigned by the expected key, or forged."""

    code = "checkpoint_invalid"


class KeyFormatError(CheckpointError):
    """A signer or verifier key string cannot be parsed; nothing can be checked with it."""

    code = "key_invalid"


class ReceiptError(AuditError):
    """A tlog-proof receipt cannot be parsed."""

    code = "receipt_invalid"


class CanonicalJSONError(BadInput):
    """A value cannot be written as, or bytes are not, RFC 8785 canonical JSON."""

    code = "not_canonical_json"


class BundleError(AuditError):
    """An exported audit bundle failed verification.

    ``place`` names where: ``entry 17``, ``checkpoints/00000040``, ``log.vkey``, ``receipt F``.
    ``entry`` and ``checkpoint`` carry the same place in machine-readable form when they apply.
    ``exit_code`` is what ``vanthu audit verify`` exits with.
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        place: str,
        entry: int | None = None,
        checkpoint: str | None = None,
        **data: Any,
    ) -> None:
        super().__init__(message, place=place, entry=entry, checkpoint=checkpoint, **data)
        self.place = place
        self.entry = entry
        self.checkpoint = checkpoint


class BundleTampered(BundleError):
    """The bundle was readable and something in it is not what the log signed (exit 1)."""

    code = "bundle_tampered"
    exit_code = 1


class BundleUnusable(BundleError):
    """The bundle cannot be checked at all: missing files, unreadable key (exit 2)."""

    code = "bundle_unusable"
    exit_code = 2


class LogInconsistent(AuditError):
    """The stored tree no longer matches what the log signed, so it refuses to append or sign.

    Raised instead of signing a checkpoint inconsistent with an earlier one: the log's promise
    is broken only by someone editing the database, and an operator must look at it.
    """

    status = 500
    code = "log_inconsistent"


class EntryNotFound(NotFound):
    """No log entry, checkpoint or matching event for the given number or filter."""

    code = "log_entry_not_found"


class BadLogRequest(BadInput):
    """A proof or receipt was asked for with sizes or input that make no sense."""

    code = "bad_log_request"


class ReceiptNotYours(Forbidden):
    """Only auditors and the person who acted may take an entry's receipt."""

    code = "receipt_not_yours"


class WitnessAlarm(AuditError):
    """The log showed a witness a checkpoint that contradicts one it signed before (exit 1)."""

    code = "log_rewrote_history"
    exit_code = 1


class WitnessUnusable(AuditError):
    """The witness could not check anything: no answer, bad key, bad state file (exit 2)."""

    code = "witness_unusable"
    exit_code = 2
