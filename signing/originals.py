"""Submitting a drafted Word document for signature as its PDF original (PAdES).

With LibreOffice, the Word file is first turned into PDF by a background job, which then
submits the PDF: the official signs inside the file, the clerk seals it as an incremental
update. Without LibreOffice the Word file is submitted as before, with detached .p7s files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from accounts.models import User
from core.errors import N_
from core.storage import BlobStore, StagedBlobs
from documents import originals
from documents.conversion_models import PdfConversion
from documents.convert import PdfConverter
from documents.drafting import Settings
from documents.files import FileKind
from documents.models import Document, DocumentVersion
from signing import flow
from signing.errors import WrongSigningState
from signing.models import SigningRequest

#: The job kind: convert, then submit the PDF for signature.
KIND = "signing.submit_original"


def submit_as_original(
    session: Session,
    blobs: StagedBlobs,
    actor: User,
    document: Document,
    approver_ids: Sequence[int],
    *,
    today: date,
    converting: originals.Converting | None,
) -> SigningRequest | PdfConversion:
    """Submit ``document`` for signature by ``approver_ids`` (the named signer last), as a PDF
    original whenever this server can make one (the caller commits).

    A Word version with LibreOffice at hand: the number is reserved and the submission checked
    now, and a conversion is returned whose job makes the PDF and submits it (the same waiting
    one if the clerk clicks twice). Otherwise the version is submitted at once and the request
    returned: signed inside the file if it is a PDF, detached if it is a Word file.
    """
    current = session.get(DocumentVersion, document.current_version_id or 0)
    word = current is not None and current.kind == FileKind.DOCX.value
    if converting is None or not word or not converting.converter.available:
        return flow.submit(session, blobs, actor, document, approver_ids, today=today)
    waiting = originals.pending_conversion(session, document)
    if waiting is not None and waiting.job_kind != KIND:
        raise WrongSigningState(
            N_("The PDF original is being made; submit it for signing once it exists.")
        )
    approvers = flow.check_submission(session, actor, document, approver_ids, today=today)
    flow.refuse_unless_numbered(session, document)
    follow_up = {"approvers": [user.id for user in approvers], "today": today.isoformat()}
    return originals.request_pdf_original(
        session, actor, document, converting, kind=KIND, follow_up=follow_up
    )


def run_submission(
    session: Session,
    blobs: BlobStore,
    conversion_id: int,
    job_id: int,
    converter: PdfConverter,
    settings: Settings,
) -> dict[str, Any]:
    """The job: the PDF original, then its submission, in one transaction (or neither)."""
    return originals.run_conversion(
        session, blobs, conversion_id, job_id, converter, settings, then=_submit_converted
    )


def _submit_converted(
    session: Session,
    blobs: StagedBlobs,
    actor: User,
    document: Document,
    follow_up: Mapping[str, Any],
) -> SigningRequest:
    approvers = [int(user_id) for user_id in follow_up["approvers"]]
    today = date.fromisoformat(str(follow_up["today"]))
    return flow.submit(session, blobs, actor, document, approvers, today=today)
