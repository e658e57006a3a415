"""Verifying a stored document's signatures with the organisation's trust store.

Each check is signing.crypto.verification's; this module feeds it stored bytes and records it.
Exporting the bundle is `bundle_export`'s; checking what someone uploads, `upload_checks`'.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from accounts.models import User
from audit import record_event
from core.errors import N_
from core.storage import BlobStore
from documents.models import Document, DocumentVersion
from signing.crypto.pdf_verify import PdfVerifier
from signing.crypto.reports import DocumentReport, SignatureResult, Status, SubIndication
from signing.crypto.verification import Verifier
from signing.errors import PdfUnusable, VerificationError
from signing.models import CertRole, RequestState, Signature, SigningRequest
from signing.settings import SigningSettings
from signing.trust import TrustMaterial, trust_material

#: Overall results besides the ETSI main statuses.
UNSIGNED = "UNSIGNED"
INCOMPLETE = "INCOMPLETE"
_RANK = {Status.TOTAL_PASSED: 0, Status.INDETERMINATE: 1, Status.TOTAL_FAILED: 2}


def verifier_for(trust: TrustMaterial) -> Verifier:
    return Verifier(trust.roots, trust.intermediates, trust.crls)


@dataclass(frozen=True)
class Checked:
    """One stored signature and what the verifier said about it now."""

    signature: Signature
    result: SignatureResult


@dataclass(frozen=True)
class Verdict:
    """A document's signatures on its signed version, checked now; ``status`` sums them up.

    ``status`` is an ETSI main status when the document is sealed, ``INCOMPLETE`` while the
    seal is missing (an unsealed document is not yet a legal original) and ``UNSIGNED``.
    """

    document: Document
    request: SigningRequest | None
    version: DocumentVersion | None
    checked: tuple[Checked, ...]
    report: DocumentReport | None
    status: str
    current_version_signed: bool

    @property
    def valid(self) -> bool:
        return self.status == Status.TOTAL_PASSED.value

    def first_problem(self) -> SignatureResult | None:
        return next((c.result for c in self.checked if c.result.sub_indication), None)


def signed_requests(session: Session, document_ids: list[int]) -> dict[int, SigningRequest]:
    """Per document, the request whose signatures count: the last sealed one, else the last
    with signatures. One query for any number of documents (bulk jobs load a chunk at once).
    """
    rows = session.scalars(
        sa.select(SigningRequest)
        .options(selectinload(SigningRequest.signatures), joinedload(SigningRequest.version))
        .where(
            SigningRequest.document_id.in_(document_ids),
            sa.exists().where(Signature.request_id == SigningRequest.id),
        )
        .order_by(
            SigningRequest.document_id,
            (SigningRequest.state == RequestState.SEALED).desc(),
            SigningRequest.id.desc(),
        )
        .execution_options(populate_existing=True)
    )
    chosen: dict[int, SigningRequest] = {}
    for request in rows:
        chosen.setdefault(request.document_id, request)
    return chosen


def signed_request(session: Session, document: Document) -> SigningRequest | None:
    return signed_requests(session, [document.id]).get(document.id)


def read_signed_bytes(blobs: BlobStore, sha256: str) -> bytes | None:
    """The stored bytes as they are on disk, NOT checked against their name.

    A blob altered on disk must reach the verifier, which names the failure (HASH_FAILURE);
    the blob store's own check would only say "corrupted".
    """
    try:
        return blobs.path_for(sha256).read_bytes()
    except (FileNotFoundError, OSError):
        return None


def verify_stored(
    session: Session,
    blobs: BlobStore,
    settings: SigningSettings,
    document: Document,
    *,
    actor: User | int | None,
    verifier: Verifier | None = None,
    now: dt.datetime | None = None,
    record: bool = True,
) -> Verdict:
    """Check every stored signature of the document's signed version, as of its signing time."""
    request = signed_request(session, document)
    if request is None:
        verdict = Verdict(document, None, None, (), None, UNSIGNED, False)
    else:
        if verifier is None:
            verifier = verifier_for(trust_material(session, settings, now=now))
        data = read_signed_bytes(blobs, signed_file_sha256(request))
        version_data = read_signed_bytes(blobs, request.sha256) if request.pades else None
        verdict = check_request(verifier, document, request, data, now, version_data=version_data)
    if record:
        record_event(
            session,
            "signing:document:verify",
            actor=actor,
            subject={"document": document.id, "request": request.id if request else None},
            details={"status": verdict.status},
        )
    return verdict


def verify_many(
    session: Session, blobs: BlobStore, verifier: Verifier, documents: list[Document]
) -> list[Verdict]:
    """``verify_stored`` for a chunk of documents with one query; not recorded one by one."""
    requests = signed_requests(session, [d.id for d in documents])
    verdicts = []
    for document in documents:
        request = requests.get(document.id)
        if request is None:
            verdicts.append(Verdict(document, None, None, (), None, UNSIGNED, False))
            continue
        data = read_signed_bytes(blobs, signed_file_sha256(request))
        version_data = read_signed_bytes(blobs, request.sha256) if request.pades else None
        verdicts.append(check_request(verifier, document, request, data, version_data=version_data))
    return verdicts


def signed_file_sha256(request: SigningRequest) -> str:
    """The file a request's signatures are checked on: the version's bytes for detached
    signatures; for a PDF signed inside (PAdES), the sealed original or the latest signed PDF."""
    if request.pades:
        if request.original_sha256:
            return request.original_sha256
        outputs = [s.output_sha256 for s in _by_position(request) if s.output_sha256]
        if outputs:
            return outputs[-1]
    return request.sha256


def _by_position(request: SigningRequest) -> list[Signature]:
    return sorted(request.signatures, key=lambda s: (s.position, s.id))


def check_request(
    verifier: Verifier,
    document: Document,
    request: SigningRequest,
    data: bytes | None,
    now: dt.datetime | None = None,
    *,
    version_data: bytes | None = None,
) -> Verdict:
    """The request's signatures over ``data`` (the stored bytes, or a file someone holds).

    For a PDF signed inside, ``data`` is the signed PDF and ``version_data`` the version's
    bytes that earlier approvers signed detached."""
    if request.pades and any(s.output_sha256 for s in request.signatures):
        return _check_embedded(verifier, document, request, data, version_data, now)
    officials = sorted(
        (s for s in request.signatures if s.role is CertRole.OFFICIAL), key=lambda s: s.position
    )
    seal = next((s for s in request.signatures if s.role is CertRole.SEAL), None)
    checked: list[Checked] = []
    report = None
    earlier = officials[:-1] if seal is not None else officials
    for signature in earlier:
        checked.append(Checked(signature, _one(verifier, data, signature, now)))
    if seal is not None and officials:
        try:
            report = verifier.verify_document(data or b"", officials[-1].p7s, seal.p7s, now=now)
        except VerificationError as failed:
            assert isinstance(failed.report, DocumentReport)
            report = failed.report
        if data is None:
            report = _missing(report)
        checked += [Checked(officials[-1], report.official), Checked(seal, report.seal)]
    checked = _order(checked)
    statuses = [c.result.status for c in checked]
    worst = max(statuses, key=_RANK.__getitem__) if statuses else Status.INDETERMINATE
    status = INCOMPLETE if seal is None and worst is Status.TOTAL_PASSED else worst.value
    version = request.version
    return Verdict(
        document,
        request,
        version,
        tuple(checked),
        report,
        status,
        document.current_version_id == request.version_id,
    )


def _check_embedded(
    verifier: Verifier,
    document: Document,
    request: SigningRequest,
    data: bytes | None,
    version_data: bytes | None,
    now: dt.datetime | None,
) -> Verdict:
    """A PAdES request: earlier approvers' detached signatures over the version, then the
    signatures inside the PDF, matched in order to the stored official and seal rows."""
    ordered = _by_position(request)
    checked = [
        Checked(s, _one(verifier, version_data, s, now)) for s in ordered if not s.output_sha256
    ]
    embedded = [s for s in ordered if s.output_sha256]
    problems: tuple[str, ...] = ()
    try:
        if data is None:
            raise PdfUnusable(N_("The signed file is missing from storage."))
        report = PdfVerifier(*verifier.material).check(data, now=now)
        results = report.results()
        problems = report.problems
        if len(results) != len(embedded):
            problems += ("The PDF does not carry the signatures recorded for it.",)
    except PdfUnusable:
        sub = SubIndication.SIGNED_DATA_NOT_FOUND if data is None else SubIndication.FORMAT_FAILURE
        results = [
            SignatureResult(
                slot=s.role.value,
                status=Status.INDETERMINATE if data is None else Status.TOTAL_FAILED,
                sub_indication=sub,
                message="The signed PDF is missing from storage."
                if data is None
                else "The signed PDF cannot be read.",
            )
            for s in embedded
        ]
    checked += [Checked(s, r) for s, r in zip(embedded, results, strict=False)]
    checked = _order(checked)
    statuses = [c.result.status for c in checked]
    if problems or len(results) < len(embedded):
        statuses.append(Status.TOTAL_FAILED)
    worst = max(statuses, key=_RANK.__getitem__) if statuses else Status.INDETERMINATE
    sealed = any(s.role is CertRole.SEAL for s in embedded)
    status = INCOMPLETE if not sealed and worst is Status.TOTAL_PASSED else worst.value
    return Verdict(
        document,
        request,
        request.version,
        tuple(checked),
        None,
        status,
        document.current_version_id == request.version_id,
    )


def _one(
    verifier: Verifier, data: bytes | None, signature: Signature, now: dt.datetime | None
) -> SignatureResult:
    from signing.crypto.pki import Role

    try:
        return verifier.verify_signature(data, signature.p7s, expected_role=Role.OFFICIAL, now=now)
    except VerificationError as failed:
        assert isinstance(failed.report, SignatureResult)
        return replace(failed.report, slot="official")


def _missing(report: DocumentReport) -> DocumentReport:
    """The stored file is gone: say so instead of reporting a hash mismatch with nothing."""

    def missing(result: SignatureResult) -> SignatureResult:
        return replace(
            result,
            status=Status.INDETERMINATE,
            sub_indication=SubIndication.SIGNED_DATA_NOT_FOUND,
            message="The signed file is missing from storage.",
        )

    return replace(report, official=missing(report.official), seal=missing(report.seal))


def _order(checked: list[Checked]) -> list[Checked]:
    """Officials must have signed in the order of the request: each no earlier than the last."""
    result, latest = [], None
    for item in checked:
        when = item.result.signing_time
        if (
            item.signature.role is CertRole.OFFICIAL
            and item.result.status is Status.TOTAL_PASSED
            and latest is not None
            and when is not None
            and when < latest
        ):
            item = Checked(
                item.signature,
                replace(
                    item.result,
                    status=Status.TOTAL_FAILED,
                    sub_indication=SubIndication.ORDER_VIOLATION,
                    message="This official signed before an official who comes earlier.",
                ),
            )
        if item.signature.role is CertRole.OFFICIAL and when is not None:
            latest = max(latest, when) if latest else when
        result.append(item)
    return result
