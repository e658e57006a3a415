"""The PDF original: the final, numbered Word file turned into a PDF version by a background job.

The PDF is a new version like an upload, so the numbered-text rule holds: it must carry the
numbered text word for word. Signing (PAdES) then works on this PDF.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.db import utcnow
from core.errors import N_, VanThuError
from core.jobs import Job, JobState
from core.storage import BlobStore, StagedBlobs
from documents import errors, reading
from documents.circulation import refuse_if_recalled
from documents.conversion_models import ConversionState, PdfConversion
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
    current = word_version(session, document)
    symbol = document.number_symbol or ""
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


# --- the conversion as a background job ----------------------------------------------------------

#: The job kind of the document page's "make the PDF original".
KIND = "documents.pdf_original"
#: ``enqueue(kind, owner_id, payload) -> job id``: core.jobs' enqueue, bound to the app.
Enqueue = Callable[[str, int, Mapping[str, Any]], int]
#: What a conversion job does once the PDF version exists, in the same transaction.
FollowUp = Callable[[Session, StagedBlobs, User, Document, Mapping[str, Any]], object]
_TO_QUEUE = "vanthu.pdf_conversions"


@dataclass(frozen=True)
class Converting:
    """How conversions run here, given by the caller: LibreOffice, the documents' settings, and
    the queue that takes the jobs."""

    converter: PdfConverter
    settings: Settings
    enqueue: Enqueue


def request_pdf_original(
    session: Session,
    actor: User,
    document: Document,
    converting: Converting,
    *,
    kind: str = KIND,
    follow_up: Mapping[str, Any] | None = None,
) -> PdfConversion:
    """Ask for the document's PDF original; its job is queued once the caller commits.

    The checks a conversion would fail on are made now, so the clerk hears at once. A
    conversion already waiting for this document is returned instead of a second one: the
    unique key on (document, pending) decides, so two clicks at the same instant make one job.
    """
    word_version(session, document)
    converting.converter.require()
    release_abandoned(session, document)
    conversion = PdfConversion(
        document_id=document.id,
        requested_by_id=actor.id,
        state=ConversionState.PENDING,
        pending=True,
        job_kind=kind,
        follow_up=dict(follow_up) if follow_up is not None else None,
    )
    try:
        with session.begin_nested():
            session.add(conversion)
    except IntegrityError:
        waiting = pending_conversion(session, document)
        if waiting is None:  # ended between our insert and this read: a new click will do
            raise errors.WrongState(
                N_("The PDF original was just being made; reload the page.")
            ) from None
        return waiting
    record_event(
        session,
        "documents:conversion:request",
        actor=actor,
        subject={"document": document.id, "conversion": conversion.id},
        details={"kind": kind},
    )
    queue_after_commit(session, converting.enqueue, conversion)
    return conversion


def word_version(session: Session, document: Document) -> DocumentVersion:
    """The current Word version a PDF original is made of; refused in the clerk's words when
    the document cannot get one."""
    refuse_if_recalled(document)
    if document.status is not Status.DRAFT:
        raise errors.WrongState(
            N_("An issued document cannot get a new version, so no new PDF either.")
        )
    if document.number_symbol is None:
        raise errors.WrongState(
            N_("Reserve the number first: the PDF original must show its number and date.")
        )
    current = session.get(DocumentVersion, document.current_version_id or 0)
    if current is None or current.kind != FileKind.DOCX.value:
        raise errors.WrongState(
            N_("The current version is not a Word file; only a Word file is turned into PDF.")
        )
    return current


def pending_conversion(session: Session, document: Document) -> PdfConversion | None:
    return session.scalar(
        sa.select(PdfConversion).where(
            PdfConversion.document_id == document.id, PdfConversion.pending.is_(True)
        )
    )


def latest_conversion(session: Session, document: Document) -> PdfConversion | None:
    """The document's most recent conversion, for its page."""
    return session.scalar(
        sa.select(PdfConversion)
        .where(PdfConversion.document_id == document.id)
        .order_by(PdfConversion.id.desc())
        .limit(1)
    )


def job_of(session: Session, conversion: PdfConversion) -> Job | None:
    return session.get(Job, conversion.job_id) if conversion.job_id is not None else None


def release_abandoned(session: Session, document: Document) -> None:
    """A conversion whose job the queue gave up (its worker died too often) ends as failed, so
    that it no longer blocks a new one."""
    for conversion in session.scalars(
        sa.select(PdfConversion)
        .join(Job, Job.id == PdfConversion.job_id)
        .where(
            PdfConversion.document_id == document.id,
            PdfConversion.pending.is_(True),
            Job.state == JobState.FAILED,
        )
    ):
        _end(conversion, ConversionState.FAILED)
        conversion.error = N_("The conversion was interrupted; start it again.")
    session.flush()


def cancel_pending(session: Session, actor: User, document: Document) -> None:
    """Withdraw a waiting conversion (its document is being drafted again); its job then skips."""
    conversion = pending_conversion(session, document)
    if conversion is None:
        return
    _end(conversion, ConversionState.CANCELLED)
    session.flush()
    record_event(
        session,
        "documents:conversion:cancel",
        actor=actor,
        subject={"document": document.id, "conversion": conversion.id},
    )


def queue_after_commit(session: Session, enqueue: Enqueue, conversion: PdfConversion) -> None:
    """The job is queued only once the conversion row is committed, so a worker always finds
    it, and never for a transaction that rolled back."""
    session.info.setdefault(_TO_QUEUE, []).append(
        (enqueue, conversion.job_kind, conversion.requested_by_id, conversion.id)
    )


@sa.event.listens_for(Session, "after_commit")
def _queue_committed(session: Session) -> None:
    waiting = session.info.pop(_TO_QUEUE, [])
    for enqueue, kind, owner_id, conversion_id in waiting:
        try:
            enqueue(kind, owner_id, {"conversion": conversion_id})
        except VanThuError as refused:  # the queue is down: say so rather than wait forever
            with Session(session.get_bind()) as own:
                conversion = own.get_one(PdfConversion, conversion_id)
                _fail(conversion, refused)
                own.commit()


@sa.event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_TO_QUEUE, None)


def run_conversion(
    session: Session,
    blobs: BlobStore,
    conversion_id: int,
    job_id: int,
    converter: PdfConverter,
    settings: Settings,
    then: FollowUp | None = None,
) -> dict[str, Any]:
    """The job: make the PDF version (and what follows it) in one transaction, or record why
    not. A failure keeps nothing: the staged blobs are removed and no version row stays."""
    conversion = session.get_one(PdfConversion, conversion_id)
    if conversion.state is not ConversionState.PENDING:  # withdrawn meanwhile
        return {"skipped": conversion.state.value}
    conversion.job_id = job_id
    session.commit()
    actor = session.get_one(User, conversion.requested_by_id)
    document = session.get_one(Document, conversion.document_id)
    try:
        with StagedBlobs(blobs) as staged:
            version = make_pdf_original(session, staged, actor, document, converter, settings)
            if then is not None:
                then(session, staged, actor, document, conversion.follow_up or {})
            _end(conversion, ConversionState.DONE)
            conversion.version_id = version.id
            session.commit()
    except Exception as exc:
        session.rollback()
        conversion = session.get_one(PdfConversion, conversion_id)
        _fail(conversion, exc)
        record_event(
            session,
            "documents:conversion:fail",
            actor=actor,
            subject={"document": conversion.document_id, "conversion": conversion.id},
            details={"error": conversion.error_code},
        )
        session.commit()
        raise
    return {"document": document.id, "version": version.number}


def _end(conversion: PdfConversion, state: ConversionState) -> None:
    conversion.state, conversion.pending, conversion.finished_at = state, None, utcnow()


def _fail(conversion: PdfConversion, exc: BaseException) -> None:
    _end(conversion, ConversionState.FAILED)
    if isinstance(exc, VanThuError):
        conversion.error_code = exc.code
        conversion.error = exc.template[:500]
        conversion.error_data = {k: str(v) for k, v in exc.data.items()}
    else:  # the details go to the job's own log line, not to the clerk's page
        conversion.error_code = "unexpected"
        conversion.error = N_("The conversion stopped on an unexpected error.")


@dataclass(frozen=True)
class ConversionStatus:
    """Where a document's latest conversion is, as its page and its status URL show it."""

    conversion: PdfConversion
    #: "queued", "running", "done", "failed" or "cancelled".
    state: str
    #: The PDF version made, once done.
    version_number: int | None

    @property
    def pending(self) -> bool:
        return self.state in ("queued", "running")


def conversion_status(session: Session, document: Document) -> ConversionStatus | None:
    conversion = latest_conversion(session, document)
    if conversion is None:
        return None
    job = job_of(session, conversion)
    if conversion.state is ConversionState.PENDING:
        if job is not None and job.state is JobState.FAILED:  # given up; the next request says
            state = "failed"
        else:
            state = "running" if job is not None and job.state is JobState.RUNNING else "queued"
    else:
        state = conversion.state.value
    number = conversion.version.number if conversion.version is not None else None
    return ConversionStatus(conversion, state, number)
