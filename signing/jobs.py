"""Bulk verification of every document signed in a date range, run as a background job.

core.jobs keeps the job's state and progress; this module checks the range, verifies each
document and keeps one result row per document for the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from audit import record_event
from core.clock import VIETNAM
from core.errors import N_
from core.jobs import Job, JobState, Owner, job_status
from core.storage import BlobStore
from documents.models import Document
from signing.crypto.reports import SignatureResult, Status
from signing.document_checks import Verdict, verifier_for, verify_many
from signing.errors import InvalidSigningRequest, SigningRecordNotFound
from signing.models import Signature, VerificationResult
from signing.settings import SigningSettings
from signing.trust import trust_material

#: The job kind registered with core.jobs.
KIND = "signing.verify_bulk"
MAX_DAYS = 3660
#: Called after each batch with (documents done, documents in the range, tallies so far).
Report = Callable[[int, int, Mapping[str, int]], None]


@dataclass(frozen=True)
class BulkVerification:
    """A bulk verification job as its pages show it: the range, the progress, the tallies."""

    id: int
    date_from: date
    date_to: date
    state: JobState
    done: int
    total: int
    passed: int
    failed: int
    indeterminate: int
    error: str | None

    @classmethod
    def of(cls, job: Job) -> BulkVerification:
        tallies = job.result or {}
        return cls(
            id=job.id,
            date_from=date.fromisoformat(job.payload["date_from"]),
            date_to=date.fromisoformat(job.payload["date_to"]),
            state=job.state,
            done=job.done,
            total=job.total,
            passed=tallies.get("passed", 0),
            failed=tallies.get("failed", 0),
            indeterminate=tallies.get("indeterminate", 0),
            error=job.error,
        )


def job_payload(date_from: date, date_to: date) -> dict[str, Any]:
    """What a bulk verification job needs, once the range is known to be acceptable."""
    if date_to < date_from:
        raise InvalidSigningRequest(N_("The end date is before the start date."))
    if (date_to - date_from).days > MAX_DAYS:
        raise InvalidSigningRequest(N_("Choose a range of at most ten years."))
    return {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}


def get_verification(session: Session, job_id: int, user: Owner) -> BulkVerification:
    """The job, if ``user`` started it (core.jobs' rule) and it is a bulk verification."""
    job = job_status(session, job_id, user)
    if job.kind != KIND:
        raise SigningRecordNotFound(N_("This verification job does not exist."))
    return BulkVerification.of(job)


def recent_verifications(session: Session, user: Owner, limit: int = 20) -> list[BulkVerification]:
    """The user's own latest bulk verifications, newest first."""
    rows = session.scalars(
        sa.select(Job)
        .where(Job.owner_id == user.id, Job.kind == KIND)
        .order_by(Job.id.desc())
        .limit(limit)
    )
    return [BulkVerification.of(job) for job in rows]


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


def verify_range(
    session: Session,
    blobs: BlobStore,
    settings: SigningSettings,
    job_id: int,
    report: Report,
    *,
    batch: int = 100,
) -> dict[str, int]:
    """Verify each document signed in the job's range; return the tallies.

    ``report`` commits each batch's result rows with the progress, so any process can show
    it. A job run again after its worker died starts over. One verifier serves the whole job,
    so each signer's chain and each CRL are checked once. The caller commits the last event.
    """
    job = session.get_one(Job, job_id)
    verification = BulkVerification.of(job)
    session.execute(sa.delete(VerificationResult).where(VerificationResult.job_id == job_id))
    ids = signed_document_ids(session, verification.date_from, verification.date_to)
    tallies = {"passed": 0, "failed": 0, "indeterminate": 0}
    done = 0
    report(done, len(ids), tallies)
    verifier = verifier_for(trust_material(session, settings))
    for chunk in _chunks(ids, batch):
        documents = list(session.scalars(sa.select(Document).where(Document.id.in_(chunk))))
        verdicts = verify_many(session, blobs, verifier, documents)
        for verdict in verdicts:
            tallies[_tally(verdict.status)] += 1
        done += len(verdicts)
        session.add_all(_row(job_id, verdict) for verdict in verdicts if verdict.request)
        report(done, len(ids), tallies)
    record_event(
        session,
        "signing:verification:bulk",
        actor=job.owner_id,
        subject={"job": job_id},
        details={
            "from": verification.date_from.isoformat(),
            "to": verification.date_to.isoformat(),
            "total": len(ids),
            **tallies,
        },
    )
    return tallies


def _tally(status: str) -> str:
    if status == Status.TOTAL_PASSED.value:
        return "passed"
    if status == Status.TOTAL_FAILED.value:
        return "failed"
    return "indeterminate"


def _row(job_id: int, verdict: Verdict) -> VerificationResult:
    request = verdict.request
    assert request is not None
    report = verdict.report
    seal = report.seal if report else None
    official = report.official if report else None
    problem = verdict.first_problem()
    return VerificationResult(
        job_id=job_id,
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


def results_of(session: Session, job: BulkVerification) -> list[VerificationResult]:
    return list(
        session.scalars(
            sa.select(VerificationResult)
            .where(VerificationResult.job_id == job.id)
            .order_by(VerificationResult.document_id)
        )
    )
