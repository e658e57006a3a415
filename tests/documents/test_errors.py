"""Typed errors of the documents package: HTTP status, codes, audit flags and messages.

A confidential document must be refused exactly like a missing one.
"""

from __future__ import annotations

from core.errors import BadInput, TooLarge
from documents.errors import (
    BadDraft,
    BadFileName,
    BadNumberSymbol,
    CorruptFile,
    DocumentHidden,
    DocumentNotFound,
    DocumentRecalled,
    EmptyFile,
    FileTooLarge,
    FileTypeMismatch,
    InvalidDocument,
    NotAllowed,
    PossibleDuplicate,
    RecipientNotFound,
    UnsafeFile,
    UnsupportedFile,
    WrongFileKind,
    WrongState,
)


def test_file_errors_are_bad_input_or_too_large() -> None:
    for error in (
        EmptyFile,
        UnsupportedFile,
        FileTypeMismatch,
        CorruptFile,
        UnsafeFile,
        BadFileName,
        BadNumberSymbol,
        BadDraft,
    ):
        assert issubclass(error, BadInput) and error("x").status == 400
    assert issubclass(FileTooLarge, TooLarge)
    assert FileTooLarge("x", limit_mb=5).status == 413


def test_unsafe_files_are_audited() -> None:
    assert UnsafeFile("x").audited
    assert not CorruptFile("x").audited


def test_placeholders_are_filled_from_data_and_template_is_kept() -> None:
    error = FileTooLarge(
        "The file is larger than the allowed limit of %(limit_mb)s MB.", limit_mb=20
    )
    assert error.message == "The file is larger than the allowed limit of 20 MB."
    assert error.template.endswith("%(limit_mb)s MB.")
    assert error.diagnostics()["limit_mb"] == 20


def test_hidden_document_answers_like_a_missing_one() -> None:
    message = "This document does not exist, or you may not see it."
    missing = DocumentNotFound(message)
    hidden = DocumentHidden(message, document=42)
    assert (hidden.status, hidden.code) == (missing.status, missing.code) == (404, "not_found")
    assert hidden.diagnostics() == missing.diagnostics()
    assert hidden.audited and hidden.data == {"document": 42}


def test_not_allowed_is_an_audited_403() -> None:
    assert NotAllowed("x").status == 403 and NotAllowed("x").audited


def test_workflow_errors_status() -> None:
    for error in (InvalidDocument, RecipientNotFound, WrongFileKind):
        assert error("x").status == 400
    for conflict in (WrongState, PossibleDuplicate):
        assert conflict("x").status == 409
    assert DocumentRecalled("x").status == 410
    codes = {
        e.code
        for e in (
            InvalidDocument,
            RecipientNotFound,
            WrongFileKind,
            WrongState,
            DocumentRecalled,
            PossibleDuplicate,
        )
    }
    assert len(codes) == 6
