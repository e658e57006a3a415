"""The verification bundle of a sealed document, exported for an auditor to check offline:
the file, its .p7s signatures, the chain, the CRL and a manifest (or the sealed PDF itself).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.errors import N_
from core.storage import BlobStore
from documents.models import Document
from signing import credentials
from signing.crypto import bundle
from signing.document_checks import signed_request
from signing.errors import WrongSigningState
from signing.models import CertRole, RequestState, SigningRequest
from signing.settings import SigningSettings
from signing.trust import trust_material


def sealed_request(session: Session, document: Document) -> SigningRequest:
    """The request that sealed ``document``; refused if it was not signed and sealed."""
    request = signed_request(session, document)
    if request is None or request.state is not RequestState.SEALED:
        raise WrongSigningState(N_("This document has not been signed and sealed yet."))
    return request


def export_bundle(
    session: Session,
    blobs: BlobStore,
    settings: SigningSettings,
    document: Document,
    request: SigningRequest,
    *,
    actor: User | None,
) -> tuple[str, bytes]:
    """The verification bundle of the sealed version: file, .p7s files, chain, CRL, manifest.

    It holds the original's bytes: open the version (`documents.reading.open_version`) first.
    A PDF signed inside (PAdES) is its own bundle: chain and CRL are in its DSS, so the sealed
    PDF itself is what is exported.
    """
    if request.pades and request.original_sha256:
        record_event(
            session,
            "signing:bundle:export",
            actor=actor,
            subject={
                "document": document.id,
                "request": request.id,
                "sha256": request.original_sha256,
            },
            details={"pades": True},
        )
        stem = (document.number_symbol or f"document-{document.id}").replace("/", "-")
        return f"{stem}.pdf", blobs.get(request.original_sha256)
    officials = sorted(
        (s for s in request.signatures if s.role is CertRole.OFFICIAL), key=lambda s: s.position
    )
    seal = next(s for s in request.signatures if s.role is CertRole.SEAL)
    official = officials[-1]
    trust = trust_material(session, settings)
    chain = list(trust.own_chain)
    for extra in credentials.chain_for(session, official.certificate):
        if extra not in chain:
            chain.append(extra)
    version = request.version
    data = blobs.get(request.sha256)
    metadata = {
        "document_id": document.id,
        "number_symbol": document.number_symbol or "",
        "issued_on": document.issued_on.isoformat() if document.issued_on else "",
        "type": document.doc_type.label,
        "subject": document.subject,
        "issuing_body": document.unit.name,
        "organisation": settings.organisation,
        "version": version.number,
        "verification_code": request.code,
    }
    archive = bundle.build_bundle(
        data, version.file_name, official.p7s, seal.p7s, chain, trust.own_crl, metadata
    )
    record_event(
        session,
        "signing:bundle:export",
        actor=actor,
        subject={"document": document.id, "request": request.id, "sha256": request.sha256},
    )
    stem = (document.number_symbol or f"document-{document.id}").replace("/", "-")
    return f"{stem}.zip", archive
