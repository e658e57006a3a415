"""The clerk seals a request the officials signed: the organisation's seal over the same version.

The number reserved at submission is used here, and the document becomes issued.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.db import utcnow
from core.errors import N_
from core.storage import StagedBlobs
from documents import numbering, returns
from documents.models import Status
from signing import credentials, notices, pdf_signing
from signing.crypto.pki import Role as CertificateRole
from signing.errors import (
    WrongSigningState,
)
from signing.flow import add_signature, check_bytes, require_clerk, self_check
from signing.models import (
    CertRole,
    RequestState,
    Signature,
    SigningRequest,
)
from signing.settings import SigningSettings

#: What another domain does once a document is sealed (the meetings circulate their Giấy mời):
#: called in the seal's transaction, so that a failure keeps neither the seal nor the reaction.
#: Registered by the app factory (core/app.py); signing knows none of them.
SealedHook = Callable[[Session, User, SigningRequest], None]
_ON_SEALED: dict[str, SealedHook] = {}


def on_sealed(name: str, hook: SealedHook) -> None:
    """Call ``hook(session, clerk, request)`` after every seal from now on."""
    _ON_SEALED[name] = hook


def seal(
    session: Session,
    blobs: StagedBlobs,
    settings: SigningSettings,
    actor: User,
    request: SigningRequest,
    pin: str,
    shown_sha256: str,
    *,
    today: date,
    now: dt.datetime | None = None,
) -> Signature:
    """The clerk applies the organisation seal over the same bytes; the document is issued.

    Only a clerk of the issuing unit, only after every official signed: the seal stands for
    the organisation's acceptance of what its official signed (Decree 30, Art. 5 and 14).
    """
    require_clerk(
        actor,
        request.document,
        N_("Only the issuing unit's clerks apply the organisation's seal."),
    )
    if request.state is RequestState.PENDING:
        raise WrongSigningState(N_("The seal is applied only after every official has signed."))
    if request.state is not RequestState.AWAITING_SEAL:
        raise WrongSigningState(N_("This request is already closed."))
    check_bytes(request, shown_sha256)
    moment = now or utcnow()
    certificate = credentials.seal_certificate(session, moment)
    signer = credentials.unlock(session, settings, certificate, pin, actor=actor, now=moment)
    officials = [s for s in request.signatures if s.role is CertRole.OFFICIAL]
    if not officials:
        raise WrongSigningState(N_("The seal is applied only after every official has signed."))
    output: str | None = None
    if request.pades:
        moment = moment.replace(microsecond=0)
        p7s, output = pdf_signing.seal(session, blobs, settings, request, signer, moment)
    else:
        data = blobs.store.get(request.sha256)
        p7s = signer.sign_detached(data)
        self_check(session, settings, data, p7s, CertificateRole.SEAL, official=officials[-1].p7s)
    position = len(request.steps) + 1
    signature = add_signature(
        request, CertRole.SEAL, position, certificate, actor, p7s,
        signing_time=moment if output else None, output_sha256=output,
    )  # fmt: skip
    request.original_sha256 = output
    attachments = (
        pdf_signing.seal_attachments(session, blobs, settings, request, signer, moment)
        if request.pades
        else []
    )
    request.state = RequestState.SEALED
    request.finished_at = utcnow()
    notices.settle(session, request.document)
    if request.document.status is Status.ISSUED:  # a corrected version after a return
        returns.seal_correction(session, actor, request.document, request.version_id)
    else:
        numbering.issue(
            session, blobs, actor, request.document, today, sealed_version_id=request.version_id
        )
    session.flush()
    record_event(
        session,
        "signing:seal:create",
        actor=actor,
        subject={
            "document": request.document_id,
            "request": request.id,
            "sha256": request.sha256,
        },
        details={
            "role": "seal",
            "certificate": certificate.serial,
            "original_sha256": request.original_sha256,
            "attachments": {str(a.attachment_id): a.sha256 for a in attachments},
        },
    )
    for _name, hook in sorted(_ON_SEALED.items()):
        hook(session, actor, request)
    return signature
