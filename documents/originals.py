"""The PDF original: the clerk turns the final, numbered Word file into a PDF version.

The PDF is a new version like an upload, so the numbered-text rule holds: it must carry the
numbered text word for word. Signing (PAdES) then works on this PDF.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.errors import N_
from core.storage import StagedBlobs
from documents import errors, reading
from documents.circulation import refuse_if_recalled
from documents.convert import PdfConverter
from documents.drafting import (
    TEMPLATE_NOTE,
    Settings,
    add_version,
    refuse_unless_numbered_text,
    render_numbered_version,
    shows_number,
)
from documents.extract import extract_text
from documents.files import FileKind, inspect_upload
from documents.models import Document, DocumentVersion, Status

PDF_ORIGINAL_NOTE = "pdf-original"


def make_pdf_original(
    session: Session,
    blobs: StagedBlobs,
    actor: User,
    document: Document,
    converter: PdfConverter,
    settings: Settings,
) -> DocumentVersion:
    """Convert the current Word version into a new PDF version (the caller commits).

    A generated template that does not show the reserved number yet is laid out again with
    it first, so the PDF shows the number and date. Nothing is stored when the conversion
    fails: the caller's staged blobs and transaction are dropped with the error.
    """
    refuse_if_recalled(document)
    if document.status is not Status.DRAFT:
        raise errors.WrongState(
            N_("An issued document cannot get a new version, so no new PDF either.")
        )
    symbol = document.number_symbol
    if symbol is None:
        raise errors.WrongState(
            N_("Reserve the number first: the PDF original must show its number and date.")
        )
    current = session.get(DocumentVersion, document.current_version_id or 0)
    if current is None or current.kind != FileKind.DOCX.value:
        raise errors.WrongState(
            N_("The current version is not a Word file; only a Word file is turned into PDF.")
        )
    if current.note == TEMPLATE_NOTE and not shows_number(current.text, symbol):
        current = render_numbered_version(session, blobs, actor, document)
    docx = reading.open_version(
        session,
        actor,
        document.id,
        current.number,
        how=reading.How.FILE,
        prepare=lambda _document, version: blobs.store.get(version.sha256),
        count=False,  # read by the server for the clerk, not a reading
    )
    pdf = converter.docx_to_pdf(docx)
    name = current.file_name.rsplit(".", 1)[0] + ".pdf"
    inspected = inspect_upload(pdf, name, settings.max_upload_bytes)
    text = extract_text(pdf, FileKind.PDF)
    refuse_unless_numbered_text(session, document, text)
    version = add_version(
        session, blobs, actor, document, pdf, name, PDF_ORIGINAL_NOTE, inspected, text
    )
    record_event(
        session,
        "documents:version:pdf_original",
        actor=actor,
        subject={"document": document.id, "version": version.number},
        details={"from_version": current.number},
    )
    return version
