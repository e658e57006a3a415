"""The signing flow: submit one version, officials sign in order or decline; then sealing.py.

Numbers are reserved at submission and used at sealing; a decline makes the number void.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from accounts.models import Role, User
from audit import record_event
from core.db import utcnow
from core.errors import N_
from core.storage import BlobStore, StagedBlobs
from documents import access, drafting, numbering, returns
from documents.models import (
    AccessGrant,
    Direction,
    Document,
    DocumentVersion,
    Status,
)
from signing import credentials, notices, pdf_signing
from signing.crypto import cms
from signing.crypto.pki import Role as CertificateRole
from signing.crypto.verification import Verifier
from signing.errors import (
    InvalidSigningRequest,
    NoCertificate,
    NotSigner,
    SigningRecordNotFound,
    VerificationError,
    WrongSigningState,
)
from signing.models import (
    Certificate,
    CertRole,
    RequestState,
    Signature,
    SigningRequest,
    SigningStep,
    StepState,
)
from signing.settings import SigningSettings
from signing.trust import trust_material

MAX_APPROVERS = 5
ACTIVE_STATES = (RequestState.PENDING, RequestState.AWAITING_SEAL)


def new_code() -> str:
    """Ten base32 characters (50 random bits) shown as XXXXX-XXXXX: short enough to type."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii")[:10]
    return f"{raw[:5]}-{raw[5:]}"


def get_request(session: Session, request_id: int) -> SigningRequest:
    request = session.get(
        SigningRequest,
        request_id,
        options=[selectinload(SigningRequest.steps), selectinload(SigningRequest.signatures)],
    )
    if request is None:
        raise SigningRecordNotFound(N_("This signing request does not exist."))
    return request


def active_request(session: Session, document: Document) -> SigningRequest | None:
    return session.scalar(
        sa.select(SigningRequest)
        .where(SigningRequest.document_id == document.id, SigningRequest.state.in_(ACTIVE_STATES))
        .order_by(SigningRequest.id.desc())
        .limit(1)
    )


def requests_of(session: Session, document: Document) -> list[SigningRequest]:
    """Every request of a document, newest first: the signature history."""
    return list(
        session.scalars(
            sa.select(SigningRequest)
            .options(
                selectinload(SigningRequest.steps).joinedload(SigningStep.user),
                selectinload(SigningRequest.signatures).joinedload(Signature.certificate),
                joinedload(SigningRequest.version),
            )
            .where(SigningRequest.document_id == document.id)
            .order_by(SigningRequest.id.desc())
        )
    )


def is_stale(request: SigningRequest) -> bool:
    """A new version was uploaded after submission: signatures never carry over to it."""
    return request.version_id != request.document.current_version_id


# --- submission ----------------------------------------------------------------------------------


def require_clerk(actor: User, document: Document, message: str) -> None:
    if not (actor.has_role(Role.CLERK) and access.can_manage(actor, document)):
        raise NotSigner(message, document=document.id)


def reserve(session: Session, actor: User, document: Document, today: date) -> str:
    """Reserve the number and date first, so the clerk can put them into the final file."""
    require_clerk(
        actor, document, N_("Only the issuing unit's clerks submit documents for signing.")
    )
    if document.direction is not Direction.OUTGOING or document.status is not Status.DRAFT:
        raise WrongSigningState(N_("Only an outgoing draft can be submitted for signing."))
    if document.number_symbol is None:
        numbering.reserve_number(session, actor, document, today)
    return document.number_symbol or ""


def shows_number(version: DocumentVersion, number_symbol: str) -> bool:
    """Whether the version's text shows the number and symbol (see `drafting.shows_number`)."""
    return drafting.shows_number(version.text, number_symbol)


def submit(
    session: Session,
    blobs: StagedBlobs,
    actor: User,
    document: Document,
    approver_ids: Sequence[int],
    *,
    today: date,
) -> SigningRequest:
    """Fix the version to sign and the officials who sign it, in order.

    The number and date are reserved now, and the signed bytes must show them: a generated
    template is laid out again with them; an uploaded file must already show them (reserve the
    number first, then upload the final file). The last approver is the signer named on the
    document, whose signature goes into the verification bundle.
    """
    approvers = check_submission(session, actor, document, approver_ids, today=today)
    version = _version_to_sign(session, blobs, actor, document)
    pades = version.kind in pdf_signing.PADES_KINDS
    if pades:
        pdf_signing.check_submittable(blobs.store.get(version.sha256))
    request = SigningRequest(
        document_id=document.id,
        version_id=version.id,
        sha256=version.sha256,
        number_symbol=document.number_symbol or "",
        state=RequestState.PENDING,
        code=new_code(),
        created_by_id=actor.id,
        pades=pades,
    )
    session.add(request)
    session.flush()
    request.steps = [
        SigningStep(position=n, user_id=user.id) for n, user in enumerate(approvers, 1)
    ]
    _grant_access(session, actor, document, version, approvers)
    notices.ask_to_sign(session, approvers[0].id, document)
    session.flush()
    record_event(
        session,
        "signing:request:create",
        actor=actor,
        subject={"document": document.id, "request": request.id, "sha256": version.sha256},
        details={"version": version.number, "approvers": [u.id for u in approvers]},
    )
    return request


def check_submission(
    session: Session,
    actor: User,
    document: Document,
    approver_ids: Sequence[int],
    *,
    today: date,
) -> list[User]:
    """Everything a submission is refused for, checked before any file is made; the number is
    reserved. Returns the officials who sign, in order."""
    require_clerk(
        actor, document, N_("Only the issuing unit's clerks submit documents for signing.")
    )
    correction = returns.awaiting_signature(session, document)
    draft = document.direction is Direction.OUTGOING and document.status is Status.DRAFT
    if not (draft or correction):
        raise WrongSigningState(N_("Only an outgoing draft can be submitted for signing."))
    _supersede_stale(session, actor, document)
    if active_request(session, document) is not None:
        raise WrongSigningState(N_("This document is already waiting for signatures."))
    approvers = _approvers(session, document, approver_ids)
    if document.number_symbol is None:
        numbering.reserve_number(session, actor, document, today)
    return approvers


def _approvers(session: Session, document: Document, approver_ids: Sequence[int]) -> list[User]:
    ids = list(approver_ids)
    if not ids:
        raise InvalidSigningRequest(N_("Choose at least one official to sign."))
    if len(ids) > MAX_APPROVERS or len(set(ids)) != len(ids):
        raise InvalidSigningRequest(
            N_("Choose at most %(max)d different officials."), max=MAX_APPROVERS
        )
    if document.signer_id is None:
        raise InvalidSigningRequest(
            N_("Choose the signer in the document's details before submitting it for signing.")
        )
    if ids[-1] != document.signer_id:
        raise InvalidSigningRequest(
            N_("The last official to sign must be the signer named on the document.")
        )
    found = {
        u.id: u
        for u in session.scalars(
            sa.select(User).options(selectinload(User.role_rows)).where(User.id.in_(ids))
        )
    }
    users = [found.get(i) for i in ids]
    if any(u is None or not u.active or not u.has_role(Role.OFFICIAL) for u in users):
        raise InvalidSigningRequest(N_("Every person who signs must be an active official."))
    return [u for u in users if u is not None]


def _version_to_sign(
    session: Session, blobs: StagedBlobs, actor: User, document: Document
) -> DocumentVersion:
    current = refuse_unless_numbered(session, document)
    if current is not None and shows_number(current, document.number_symbol or ""):
        return current
    return drafting.render_numbered_version(session, blobs, actor, document)


def refuse_unless_numbered(session: Session, document: Document) -> DocumentVersion | None:
    """The current version, if it shows the reserved number or is the template laid out again
    with it; an uploaded file that does not show it is refused."""
    current = session.get(DocumentVersion, document.current_version_id or 0)
    number = document.number_symbol or ""
    if current is None or current.note == drafting.TEMPLATE_NOTE or shows_number(current, number):
        return current
    raise InvalidSigningRequest(
        N_(
            "The current file does not show the number %(number)s. Upload the final file "
            "showing it, then submit again."
        ),
        number=number,
    )


def _grant_access(
    session: Session,
    actor: User,
    document: Document,
    version: DocumentVersion,
    people: list[User],
) -> None:
    """Approvers must be able to open the very version they sign, confidential, from another
    unit, or a later draft than the one that was sent to them."""
    for person in people:
        if not access.can_open(session, person, version):
            session.add(
                AccessGrant(document_id=document.id, user_id=person.id, granted_by_id=actor.id)
            )


def _supersede_stale(session: Session, actor: User, document: Document) -> None:
    for request in session.scalars(
        sa.select(SigningRequest).where(
            SigningRequest.document_id == document.id,
            SigningRequest.state.in_(ACTIVE_STATES),
            SigningRequest.version_id != (document.current_version_id or 0),
        )
    ):
        request.state = RequestState.SUPERSEDED
        request.finished_at = utcnow()
        notices.settle(session, document)
        record_event(
            session,
            "signing:request:supersede",
            actor=actor,
            subject={"document": document.id, "request": request.id},
        )


# --- the officials -------------------------------------------------------------------------------


def check_bytes(request: SigningRequest, shown_sha256: str) -> None:
    if is_stale(request):
        raise WrongSigningState(
            N_(
                "A new version was uploaded after this one was submitted; signatures never "
                "carry over. The clerk must submit the new version."
            )
        )
    if shown_sha256.strip().lower() != request.sha256:
        raise WrongSigningState(
            N_("The document changed since you opened this page. Reload it and check again.")
        )
    if request.document.status is Status.RECALLED:
        raise WrongSigningState(N_("This document was recalled."))
    if request.document.number_symbol != request.number_symbol:
        raise WrongSigningState(
            N_(
                "The number %(number)s shown in the signed file is no longer reserved for this "
                "document. Withdraw the request and submit the document again."
            ),
            number=request.number_symbol,
        )


def sign(
    session: Session,
    blobs: BlobStore | StagedBlobs,
    settings: SigningSettings,
    actor: User,
    request: SigningRequest,
    pin: str,
    shown_sha256: str,
    *,
    now: dt.datetime | None = None,
) -> Signature:
    """The official whose turn it is signs the exact bytes they were shown.

    A PDF is signed inside the file by the named signer, the last official (see pdf_signing);
    ``blobs`` should then be the request's staged blobs, so a failure leaves no signed PDF behind.
    """
    if request.state is not RequestState.PENDING:
        raise WrongSigningState(N_("This request is not waiting for an official's signature."))
    step = request.current_step()
    if step is None or step.user_id != actor.id:
        raise NotSigner(N_("It is not your turn to sign this document."), request=request.id)
    check_bytes(request, shown_sha256)
    moment = now or utcnow()
    certificate = credentials.official_certificate(session, actor, moment)
    signer = credentials.unlock(session, settings, certificate, pin, actor=actor, now=moment)
    staged = blobs if isinstance(blobs, StagedBlobs) else StagedBlobs(blobs)
    output: str | None = None
    if request.pades and step is request.steps[-1]:
        moment = moment.replace(microsecond=0)
        p7s, output = pdf_signing.sign_official(
            session, staged, settings, request, signer, actor, moment
        )
    else:
        data = staged.store.get(request.sha256)
        p7s = signer.sign_detached(data)
        self_check(session, settings, data, p7s, CertificateRole.OFFICIAL)
    signature = add_signature(
        request, CertRole.OFFICIAL, step.position, certificate, actor, p7s,
        signing_time=moment if output else None, output_sha256=output,
    )  # fmt: skip
    step.state = StepState.SIGNED
    step.acted_at = utcnow()
    following = next((s for s in request.steps if s.state is StepState.WAITING), None)
    notices.settle(session, request.document, notices.SIGN)
    if following is None:
        request.state = RequestState.AWAITING_SEAL
        notices.ask_to_seal(session, request.created_by_id, request.document)
    else:
        notices.ask_to_sign(session, following.user_id, request.document)
    session.flush()
    record_event(
        session,
        "signing:signature:create",
        actor=actor,
        subject={
            "document": request.document_id,
            "request": request.id,
            "sha256": request.sha256,
        },
        details={
            "role": "official",
            "certificate": certificate.serial,
            "position": step.position,
            "output_sha256": signature.output_sha256,
        },
    )
    return signature


def decline(session: Session, actor: User, request: SigningRequest, reason: str) -> None:
    """The official whose turn it is refuses; the number becomes void and the clerk is told."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidSigningRequest(N_("Say why you decline to sign."))
    if request.state is not RequestState.PENDING:
        raise WrongSigningState(N_("This request is not waiting for an official's signature."))
    step = request.current_step()
    if step is None or step.user_id != actor.id:
        raise NotSigner(N_("It is not your turn to sign this document."), request=request.id)
    step.state = StepState.DECLINED
    step.acted_at = utcnow()
    request.state = RequestState.DECLINED
    request.finished_at = step.acted_at
    request.decline_reason = reason[:500]
    document = request.document
    if document.number_symbol is not None and document.status is Status.DRAFT:
        numbering.void_number(session, actor, document, reason)
    notices.settle(session, document)
    notices.tell_declined(
        session, request.created_by_id, document, request.number_symbol, reason[:500]
    )
    session.flush()
    record_event(
        session,
        "signing:request:decline",
        actor=actor,
        subject={"document": document.id, "request": request.id},
        details={"position": step.position},
    )


def cancel(session: Session, actor: User, request: SigningRequest) -> None:
    """The clerk withdraws a request (e.g. to correct the file); the number stays reserved."""
    require_clerk(
        actor, request.document, N_("Only the issuing unit's clerks can withdraw this request.")
    )
    if not request.state.active:
        raise WrongSigningState(N_("This request is already closed."))
    request.state = RequestState.CANCELLED
    request.finished_at = utcnow()
    notices.settle(session, request.document)
    record_event(
        session,
        "signing:request:cancel",
        actor=actor,
        subject={"document": request.document_id, "request": request.id},
    )


def add_signature(
    request: SigningRequest,
    role: CertRole,
    position: int,
    certificate: Certificate,
    actor: User,
    p7s: bytes,
    *,
    signing_time: dt.datetime | None = None,
    output_sha256: str | None = None,
) -> Signature:
    """Record a checked signature on ``request``: of its exact version, at ``position``.

    A PAdES signature gives its time (its CMS has no signingTime attribute) and the signed PDF.
    """
    signature = Signature(
        request_id=request.id,
        document_id=request.document_id,
        version_id=request.version_id,
        sha256=request.sha256,
        role=role,
        position=position,
        certificate_id=certificate.id,
        signer_id=actor.id,
        signing_time=signing_time or cms.parse_signed_data(p7s).signing_time,
        p7s=p7s,
        output_sha256=output_sha256,
    )
    request.signatures.append(signature)
    return signature


def self_check(
    session: Session,
    settings: SigningSettings,
    data: bytes,
    p7s: bytes,
    role: CertificateRole,
    *,
    official: bytes | None = None,
) -> None:
    """Verify what was just produced, so a signature that would fail is never stored."""
    trust = trust_material(session, settings)
    verifier = Verifier(trust.roots, trust.intermediates, trust.crls)
    try:
        if official is not None:
            verifier.verify_document(data, official, p7s)
        else:
            verifier.verify_signature(data, p7s, expected_role=role)
    except VerificationError as failed:
        raise NoCertificate(
            N_(
                "The new signature would not verify (%(reason)s), so nothing was stored. "
                "Ask the administrator to check the certificate, the trust store and the CRL."
            ),
            reason=failed.report.summary().splitlines()[-1][:300],
        ) from None
