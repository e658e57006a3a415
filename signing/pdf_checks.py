"""Checking a signed PDF someone uploads (auditors' page, the public code page), recorded.

The check itself is signing.crypto.pdf_verify's, against the organisation's trust store and its
fresh CRLs besides the certificates and CRLs the PDF carries in its DSS. On the public code page
the held PDF is first matched with the document behind the code, by its exact bytes.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.errors import N_
from core.storage import BlobStore
from signing.crypto.pdf_files import has_embedded_signature, is_pdf
from signing.crypto.pdf_reports import PdfReport
from signing.crypto.pdf_verify import PdfVerifier
from signing.errors import PdfUnusable
from signing.models import Signature, SigningRequest
from signing.settings import SigningSettings
from signing.trust import TrustMaterial, trust_material
from signing.upload_checks import UploadVerdict


def pdf_verifier_for(trust: TrustMaterial) -> PdfVerifier:
    return PdfVerifier(trust.roots, trust.intermediates, trust.crls)


def check_pdf(session: Session, settings: SigningSettings, data: bytes) -> PdfReport:
    """The report for ``data``; ``PdfUnusable`` (400) when it cannot be checked, nothing kept."""
    return pdf_verifier_for(trust_material(session, settings)).check(data)


def verify_uploaded_pdf(
    session: Session,
    settings: SigningSettings,
    data: bytes,
    *,
    actor: User | None,
    record: bool = True,
) -> UploadVerdict:
    """Check an uploaded signed PDF; recorded unless ``record`` is off (anonymous visitors)."""
    report = check_pdf(session, settings, data)
    if record:
        record_event(
            session,
            "signing:pdf:verify",
            actor=actor,
            subject={"sha256": hashlib.sha256(data).hexdigest()},
            details={
                "status": report.verdict,
                "signatures": len(report.signatures),
                "modified_after_signing": report.modified_after_signing,
            },
        )
    return UploadVerdict(report.verdict, pdf=report)


class HeldMatch(enum.StrEnum):
    """How a PDF someone holds relates to the document behind a verification code."""

    #: The signed PDF stored for the code (the sealed original once sealed): the same bytes.
    SAME = "same"
    #: The same document at an earlier signing stage: unsigned, or before a later signature.
    EARLIER_STAGE = "earlier_stage"
    #: The signed original with something appended after it (a signature, a change): its
    #: signatures say whether what was appended is allowed.
    APPENDED = "appended"
    #: Any other file: not this document, whatever signatures it carries.
    DIFFERENT = "different"


@dataclass(frozen=True)
class HeldPdf:
    """The match, the stage's last signature (None: before any), and the PDF's own check."""

    match: HeldMatch
    stage: Signature | None = None
    verdict: UploadVerdict | None = None


def match_held_pdf(
    request: SigningRequest, data: bytes, original: bytes | None = None
) -> tuple[HeldMatch, Signature | None]:
    """Compare a held PDF with every PDF the request's signing produced, by exact bytes.

    Each PAdES signature stored the PDF it produced; the last of them (the sealed original once
    sealed) is the document itself, each one before it an earlier stage, the version submitted
    for signing the stage before any signature. ``original`` (the last stage's bytes) lets a
    file that merely appends to the original be told from a different one.
    """
    digest = hashlib.sha256(data).hexdigest()
    stages = sorted(
        (s for s in request.signatures if s.output_sha256), key=lambda s: (s.position, s.id)
    )
    latest = request.original_sha256 or (stages[-1].output_sha256 if stages else None)
    last = stages[-1] if stages else None
    if request.pades and latest is not None and digest == latest:
        return HeldMatch.SAME, last
    for signature in stages:
        if signature.output_sha256 == digest:
            return HeldMatch.EARLIER_STAGE, signature
    if request.pades and digest == request.sha256:
        return HeldMatch.EARLIER_STAGE, None
    if original and len(data) > len(original) and data.startswith(original):
        return HeldMatch.APPENDED, last
    return HeldMatch.DIFFERENT, None


def check_held_pdf(
    session: Session,
    blobs: BlobStore,
    settings: SigningSettings,
    request: SigningRequest,
    data: bytes,
    *,
    actor: User | None,
) -> HeldPdf:
    """Match a PDF held by a citizen with the document behind the code, then check its
    signatures unless it is another file. Nothing is stored; signed-in people are recorded."""
    if not is_pdf(data):
        raise PdfUnusable(N_("The file is not a PDF. Upload the signed PDF you received."))
    match, stage = match_held_pdf(request, data, _original(blobs, request))
    if actor is not None:
        record_event(
            session,
            "signing:pdf:match",
            actor=actor,
            subject={"document": request.document_id, "request": request.id},
            details={"match": match.value},
        )
    if match is HeldMatch.DIFFERENT or not has_embedded_signature(data):
        return HeldPdf(match, stage)
    verdict = verify_uploaded_pdf(session, settings, data, actor=actor, record=actor is not None)
    return HeldPdf(match, stage, verdict)


def _original(blobs: BlobStore, request: SigningRequest) -> bytes | None:
    """The last signed stage's bytes (the sealed original once sealed), if stored."""
    outputs = [s.output_sha256 for s in request.signatures if s.output_sha256]
    digest = request.original_sha256 or (outputs[-1] if outputs else None)
    if not request.pades or digest is None or not blobs.exists(digest):
        return None
    return blobs.get(digest)
