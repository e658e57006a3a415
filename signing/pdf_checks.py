"""Checking a signed PDF someone uploads (auditors' page, the public code page), recorded.

The check itself is signing.crypto.pdf_verify's, against the organisation's trust store and its
fresh CRLs besides the certificates and CRLs the PDF carries in its DSS.
"""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from signing.crypto.pdf_verify import PdfReport, PdfVerifier
from signing.document_checks import UploadVerdict
from signing.settings import SigningSettings
from signing.trust import TrustMaterial, trust_material


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
