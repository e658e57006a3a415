"""Checking what someone brings against the organisation's trust store: an uploaded bundle, a
file with its detached signature, or a file held with a printed verification code.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from cryptography import x509
from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from signing.crypto import bundle
from signing.crypto.pdf_reports import PdfReport
from signing.crypto.reports import DocumentReport, SignatureResult
from signing.document_checks import Verdict, check_request, verifier_for
from signing.errors import BundleError, VerificationError
from signing.models import SigningRequest
from signing.settings import SigningSettings
from signing.trust import trust_material


@dataclass(frozen=True)
class UploadVerdict:
    """The outcome of checking an uploaded bundle, file + signature, or signed PDF."""

    status: str
    report: DocumentReport | None = None
    result: SignatureResult | None = None
    pdf: PdfReport | None = None
    unusable: str | None = None
    roots: tuple[x509.Certificate, ...] = ()


def verify_uploaded_bundle(
    session: Session, settings: SigningSettings, data: bytes, *, actor: User | None
) -> UploadVerdict:
    """Check a bundle against the organisation's trust store (not the root inside the bundle)."""
    trust = trust_material(session, settings)
    try:
        report = bundle.verify_bundle(data, trust_roots=trust.roots)
        verdict = UploadVerdict(report.status.value, report=report)
    except BundleError as unusable:
        verdict = UploadVerdict("UNUSABLE", unusable=unusable.message)
    except VerificationError as failed:
        assert isinstance(failed.report, DocumentReport)
        verdict = UploadVerdict(failed.report.status.value, report=failed.report)
    record_event(
        session,
        "signing:bundle:verify",
        actor=actor,
        subject={"sha256": bundle._sha256(data)},
        details={"status": verdict.status},
    )
    return verdict


def verify_uploaded_signature(
    session: Session,
    settings: SigningSettings,
    data: bytes,
    p7s: bytes,
    *,
    actor: User | None,
) -> UploadVerdict:
    """Check one file and one detached signature with the trust store and the fresh CRLs."""
    verifier = verifier_for(trust_material(session, settings))
    try:
        result = verifier.verify_signature(data, p7s)
    except VerificationError as failed:
        assert isinstance(failed.report, SignatureResult)
        result = failed.report
    record_event(
        session,
        "signing:signature:verify",
        actor=actor,
        subject={"sha256": bundle._sha256(data)},
        details={
            "status": result.status.value,
            "sub_indication": result.sub_indication.value if result.sub_indication else None,
        },
    )
    return UploadVerdict(result.status.value, result=result)


def request_by_code(session: Session, code: str) -> SigningRequest | None:
    """The request behind a printed verification code (case and dashes forgiven)."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(cleaned) != 10:
        return None
    return session.scalar(
        sa.select(SigningRequest).where(SigningRequest.code == f"{cleaned[:5]}-{cleaned[5:]}")
    )


def verify_held_file(
    session: Session,
    settings: SigningSettings,
    request: SigningRequest,
    data: bytes,
    *,
    actor: User | None,
) -> Verdict:
    """Check a file someone holds against the signatures stored for a verification code.

    Recorded for signed-in people only: an anonymous check must not grow the permanent log.
    """
    verifier = verifier_for(trust_material(session, settings))
    verdict = check_request(verifier, request.document, request, data)
    if actor is not None:
        record_event(
            session,
            "signing:document:verify",
            actor=actor,
            subject={"document": request.document_id, "request": request.id},
            details={"status": verdict.status, "held_file": True},
        )
    return verdict
