"""Typed errors raised by the documents package.

Raise sites pass one literal English sentence wrapped in ``N_`` (translated by the handler).
"""

from __future__ import annotations

from typing import Any

from core.errors import N_, BadInput, Conflict, Forbidden, NotFound, TooLarge, VanThuError


class EmptyFile(BadInput):
    """The upload has no bytes; usually a failed browser upload."""

    code = "empty_file"


class UnsupportedFile(BadInput):
    """The content is not one of the file types the office accepts."""

    code = "unsupported_file"


class FileTypeMismatch(BadInput):
    """The name says one type, the bytes say another: never guess which one is right."""

    code = "file_type_mismatch"


class FileTooLarge(TooLarge):
    """Over the configured size; ``limit_mb`` lets the message tell the clerk the limit."""

    code = "file_too_large"

    def __init__(self, message: str, limit_mb: float, **data: Any) -> None:
        super().__init__(message, limit_mb=limit_mb, **data)
        self.limit_mb = limit_mb


class CorruptFile(BadInput):
    """The file claims a known type but cannot be read as one."""

    code = "corrupt_file"


class UnsafeFile(BadInput):
    """The file looks crafted to harm the server (zip bomb, XML entities, path tricks, macros)."""

    code = "unsafe_file"
    audited = True
    audit_action = "documents:upload:refused_unsafe"


class BadFileName(BadInput):
    """Nothing usable is left of the name after cleaning it."""

    code = "bad_file_name"


class BadNumberSymbol(BadInput):
    """An incoming document's "Số/ký hiệu" could not be understood."""

    code = "bad_number_symbol"


class BadDraft(BadInput):
    """A draft is missing a component Decree 30 requires, or one is out of bounds."""

    code = "bad_draft"


class DocumentNotFound(NotFound):
    """No document with this id (or none the user may know about)."""


class DocumentHidden(DocumentNotFound):
    """A confidential document the user may not see: answered exactly like ``DocumentNotFound``.

    Same status, code and body, so nobody learns that a secret document exists; only the audit
    log, which receives ``data``, tells the two apart.
    """

    audited = True

    def diagnostics(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message}


class NotAllowed(Forbidden):
    """The user may know the document exists but may not open or manage it."""


class InvalidDocument(BadInput):
    """A document field is missing or out of bounds."""

    code = "invalid_document"


class WrongFileKind(BadInput):
    """An accepted file type, but not one a document's main file may be (PDF or DOCX)."""

    code = "wrong_file_kind"


class RecipientNotFound(BadInput):
    """A chosen unit or person does not exist (or is deactivated)."""

    code = "recipient_not_found"


class WrongState(Conflict):
    """The action does not fit the document's state (numbering twice, sending a draft...)."""

    code = "wrong_state"


class NotSealed(WrongState):
    """An outgoing document issued or sent without the official's signature and the seal."""

    code = "not_sealed"

    @classmethod
    def unsigned(cls) -> NotSealed:
        """The one message wherever an unsigned document would be issued or sent."""
        return cls(
            N_(
                "A document is issued and sent only after the official has signed it and the "
                "clerk has applied the organisation's seal: submit it for signing first."
            )
        )


class PossibleDuplicate(Conflict):
    """An incoming document with the same number, symbol and issuer is already registered."""

    code = "possible_duplicate"


class DocumentRecalled(VanThuError):
    """The issuer recalled the document (thu hồi): it is frozen for everyone."""

    status = 410
    code = "document_recalled"

    @classmethod
    def frozen(cls) -> DocumentRecalled:
        """The one message for every use of a recalled document."""
        return cls(N_("This document was recalled by its issuer and can no longer be used."))


class BadPage(BadInput):
    """A reading position that is not a page number the reader could have shown."""

    code = "bad_page"


class ConversionUnavailable(VanThuError):
    """LibreOffice (``soffice``) is not installed: the clerk exports the PDF themselves."""

    status = 503
    code = "conversion_unavailable"


class ConversionFailed(BadInput):
    """LibreOffice ran but made no PDF of this file."""

    status = 422
    code = "conversion_failed"


class ConversionTimedOut(BadInput):
    """LibreOffice did not finish within the configured time and was stopped."""

    status = 422
    code = "conversion_timed_out"


class ExportUnavailable(VanThuError):
    """A register's PDF needs a font with Vietnamese letters that this server does not have."""

    status = 503
    code = "export_unavailable"


class MissingOrganId(Conflict):
    """Metadata cannot be exported before the organisation's code (OrganId) is set."""

    code = "missing_organ_id"


class OutOfOrder(WrongState):
    """An action on a document that is not its next step (see `documents.steps`)."""

    code = "out_of_order"


class NotConfirmed(BadInput):
    """An irreversible step was asked for without its confirmation box ticked."""

    code = "not_confirmed"
