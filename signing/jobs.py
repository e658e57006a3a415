"""Bulk verification of every document signed in a date range, as a job whose row shows progress.

The runner commits as it goes so any process can show the progress; one event records the job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.clock import VIETNAM
from core.db import utcnow
from core.errors import N_
from core.storage import BlobStore
from documents.models import Document
from signing.crypto.reports import SignatureResult, Status
from signing.document_checks import Verdict, verifier_for, verify_many
from signing.errors import InvalidSigningRequest, SigningRecordNotFound
from signing.models import (
    JobState,
    Signature,
    VerificationJob,
    VerificationResult,
)
from signing.settings import SigningSettings
from signing.trust import trust_material

MAX_DAYS = 3660
#: Jobs still "running" without progress for this long died with their process.
STALE_AFTER = dt.timedelta(minutes=10)
CSV_COLUMNS = [
    "document_id",
    "number_symbol",
    "sha256",
    "status",
    "official",
    "seal",
    "sealed_at",
    "message",
]


def create_job(session: Session, actor: User, date_from: date, date_to: date) -> VerificationJob:
    if date_to < date_from:
        raise InvalidSigningRequest(N_("The end date is before the start date."))
    if (date_to - date_from).days > MAX_DAYS:
        raise InvalidSigningRequest(N_("Choose a range of at most ten years."))
    job = VerificationJob(
        requested_by_id=actor.id, date_from=date_from, date_to=date_to, state=JobState.QUEUED
    )
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: int) -> VerificationJob:
    job = session.get(VerificationJob, job_id)
    if job is None:
        raise SigningRecordNotFound(N_("This verification job does not exist."))
    if (
        job.state is JobState.RUNNING
        and (job.updated_at or job.created_at) < utcnow() - STALE_AFTER
    ):
        job.state = JobState.FAILED
        job.error = "The job stopped making progress (its process ended)."
    return job


def recent_jobs(session: Session, limit: int = 20) -> list[VerificationJob]:
    return list(
        session.scalars(sa.select(VerificationJob).order_by(VerificationJob.id.desc()).limit(limit))
    )


def _bounds(date_from: date, date_to: date) -> tuple[dt.datetime, dt.datetime]:
    """The range in Vietnam days, as UTC instants [start, end)."""
    start = dt.datetime.combine(date_from, dt.time(), VIETNAM)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), VIETNAM)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def signed_document_ids(session: Session, date_from: date, date_to: date) -> list[int]:
    start, end = _bounds(date_from, date_to)
    return list(
        session.scalars(
            sa.select(Signature.document_id)
            .where(Signature.signing_time >= start, Signature.signing_time < end)
            .group_by(Signature.document_id)
            .order_by(Signature.document_id)
        )
    )


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def run_job(
    session: Session,
    blobs: BlobStore,
    settings: SigningSettings,
    job_id: int,
    *,
    batch: int = 100,
) -> VerificationJob:
    """Verify each document, committing counters every ``batch`` documents; never raises.

    One verifier serves the whole job, so each signer's chain and each CRL are checked once.
    """
    job = get_job(session, job_id)
    try:
        ids = signed_document_ids(session, job.date_from, job.date_to)
        job.state, job.total, job.updated_at = JobState.RUNNING, len(ids), utcnow()
        session.commit()
        verifier = verifier_for(trust_material(session, settings))
        for chunk in _chunks(ids, batch):
            documents = list(session.scalars(sa.select(Document).where(Document.id.in_(chunk))))
            verdicts = verify_many(session, blobs, verifier, documents)
            for verdict in verdicts:
                _count(job, verdict.status)
            session.add_all(_row(job, verdict) for verdict in verdicts if verdict.request)
            job.updated_at = utcnow()
            session.commit()
        job.state, job.finished_at = JobState.DONE, utcnow()
        record_event(
            session,
            "signing:verification:bulk",
            actor=job.requested_by_id,
            subject={"job": job.id},
            details={
                "from": job.date_from.isoformat(),
                "to": job.date_to.isoformat(),
                "total": job.total,
                "passed": job.passed,
                "failed": job.failed,
                "indeterminate": job.indeterminate,
            },
        )
        session.commit()
    except Exception as exc:  # a job must end in a state the page can show
        session.rollback()
        job = get_job(session, job_id)
        job.state, job.finished_at = JobState.FAILED, utcnow()
        job.error = f"{type(exc).__name__}: {exc}"[:500]
        session.commit()
    return job


def _count(job: VerificationJob, status: str) -> None:
    job.done += 1
    if status == Status.TOTAL_PASSED.value:
        job.passed += 1
    elif status == Status.TOTAL_FAILED.value:
        job.failed += 1
    else:
        job.indeterminate += 1


def _row(job: VerificationJob, verdict: Verdict) -> VerificationResult:
    request = verdict.request
    assert request is not None
    report = verdict.report
    seal = report.seal if report else None
    official = report.official if report else None
    problem = verdict.first_problem()
    return VerificationResult(
        job_id=job.id,
        document_id=verdict.document.id,
        request_id=request.id,
        number_symbol=verdict.document.number_symbol or "",
        sha256=request.sha256,
        status=verdict.status,
        official_status=_label(official),
        seal_status=_label(seal),
        sealed_at=seal.signing_time if seal else None,
        message=problem.message if problem else "",
    )


def _label(result: SignatureResult | None) -> str:
    if result is None:
        return ""
    sub = f"/{result.sub_indication.value}" if result.sub_indication else ""
    return f"{result.status.value}{sub}"


def results_of(session: Session, job: VerificationJob) -> list[VerificationResult]:
    return list(
        session.scalars(
            sa.select(VerificationResult)
            .where(VerificationResult.job_id == job.id)
            .order_by(VerificationResult.document_id)
        )
    )
