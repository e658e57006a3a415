"""Typed errors of the signing package.

One class per situation a caller handles differently: wrong PIN, locked PIN, invalid signature...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.errors import BadInput, Conflict, Forbidden, NotFound, TooManyAttempts, VanThuError

if TYPE_CHECKING:
    from signing.crypto.pdf_reports import PdfReport
    from signing.crypto.reports import DocumentReport, SignatureResult


class CertificateIssueError(BadInput):
    """A certificate or CRL request was refused: bad name, validity out of policy, bad key."""

    code = "certificate_issue_refused"


class Pkcs12Error(BadInput):
    """An uploaded PKCS#12 file is unusable: not PKCS#12, no key or certificate, mismatched."""

    code = "pkcs12_invalid"


class Pkcs12PasswordError(Pkcs12Error):
    """The PKCS#12 file is well formed but the password does not open it."""

    code = "pkcs12_wrong_password"


class WeakPin(BadInput):
    """A new signing PIN does not meet the PIN policy."""

    code = "weak_pin"


class WeakPassphrase(BadInput):
    """A CA key passphrase is too short to protect a key that can mint certificates."""

    code = "weak_passphrase"


class PinError(BadInput):
    """The signing PIN does not decrypt the key; the caller records a failed attempt."""

    code = "wrong_pin"


class PinLocked(TooManyAttempts):
    """Too many recent wrong PINs: unlocking is refused for ``retry_after`` seconds."""

    code = "pin_locked"


class PinBlocked(Forbidden):
    """So many wrong PINs that the key stays blocked until an administrator resets it."""

    code = "pin_blocked"


class KeyBlobError(VanThuError):
    """A stored key is not an encrypted PKCS#8 blob we can open: corruption, not user error."""

    status = 500
    code = "key_blob_invalid"


class SigningError(VanThuError):
    """Producing a signature was refused, e.g. the key does not belong to the certificate."""

    status = 500
    code = "signing_failed"


class VerificationError(VanThuError):
    """A signature or a document did not verify; ``report`` says which check failed and why.

    Raised rather than returned so a failed verification can never be mistaken for a pass.
    """

    status = 422
    code = "signature_invalid"

    def __init__(self, report: DocumentReport | SignatureResult | PdfReport) -> None:
        super().__init__(report.summary())
        self.report = report

    def diagnostics(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, "report": self.report.to_dict()}


class BundleError(BadInput):
    """A verification bundle cannot be checked at all: not a zip, missing file, bad manifest."""

    code = "bundle_unusable"


class PdfUnusable(BadInput):
    """A PDF cannot be checked at all: not a PDF, damaged, encrypted or carrying no signature."""

    code = "pdf_unusable"


class CmsFormatError(BadInput):
    """Bytes that are not a well-formed detached CMS SignedData with one signer."""

    code = "cms_malformed"


class PkiNotReady(Conflict):
    """The organisation CA or seal does not exist yet (``vanthu pki init``) or is unusable."""

    code = "pki_not_ready"


class NoCertificate(Conflict):
    """The person has no valid certificate and key to sign with (enrol, or ask for a new one)."""

    code = "no_certificate"


class DuplicateKey(BadInput):
    """This public key is already certified: one key, one certificate."""

    code = "duplicate_key"


class NotSigner(Forbidden):
    """Not this person's turn, or not a person allowed to sign, seal or act on this request."""

    code = "not_signer"


class WrongSigningState(Conflict):
    """The request does not allow this now: seal before the officials, version changed, done."""

    code = "wrong_signing_state"


class InvalidSigningRequest(BadInput):
    """Approvers, reason or file do not make a valid request."""

    code = "invalid_signing_request"


class SigningRecordNotFound(NotFound):
    """No such request, certificate, job or verification code."""

    code = "not_found"
