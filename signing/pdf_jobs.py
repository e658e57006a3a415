"""Bulk verification of uploaded signed PDFs (a .zip of them, or several files), as a job.

The upload is checked and its PDFs stored (content-addressed blobs) before the job is queued,
so a refused upload leaves nothing behind; the job checks each PDF with one verifier and keeps
one result per file in the job's result, for its page and its CSV report.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from audit import record_event
from core.errors import N_
from core.jobs import Job, JobState, Owner, job_status
from core.storage import BlobStore, StagedBlobs
from signing.crypto.pdf_batch import TrustDer, available_workers, check_many
from signing.crypto.pdf_verify import is_pdf
from signing.errors import InvalidSigningRequest, SigningRecordNotFound
from signing.settings import SigningSettings
from signing.trust import trust_material

#: The job kind registered with core.jobs.
KIND = "signing.verify_pdfs"
MAX_FILES = 2000
MAX_FILE_SIZE = 64 * 1024 * 1024
MAX_TOTAL_SIZE = 1024 * 1024 * 1024
#: Called after each batch with (files done, files in the job, result so far).
Report = Callable[[int, int, Mapping[str, Any]], None]


@dataclass(frozen=True)
class PdfBulkVerification:
    """A PDF bulk verification as its page shows it."""

    id: int
    state: JobState
    done: int
    total: int
    tallies: dict[str, int]
    files: list[dict[str, Any]]
    error: str | None

    @classmethod
    def of(cls, job: Job) -> PdfBulkVerification:
        result = job.result or {}
        return cls(
            id=job.id,
            state=job.state,
            done=job.done,
            total=job.total,
            tallies={k: v for k, v in result.items() if isinstance(v, int)},
            files=list(result.get("files", [])),
            error=job.error,
        )


def _name(raw: str) -> str:
    """A member's base name, printable, for the report only (never a path on disk)."""
    base = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in base if not unicodedata.category(ch).startswith("C"))
    return text[:180] or "?"


def _unzip(data: bytes) -> list[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            if len(infos) > MAX_FILES:
                raise InvalidSigningRequest(N_("The archive holds too many files."))
            if sum(i.file_size for i in infos) > MAX_TOTAL_SIZE:
                raise InvalidSigningRequest(N_("The archive is too large."))
            members, total = [], 0
            for info in infos:
                if info.file_size > MAX_FILE_SIZE:
                    raise InvalidSigningRequest(N_("A file in the archive is too large."))
                with archive.open(info) as member:
                    data = member.read(MAX_FILE_SIZE + 1)
                total += len(data)  # the sizes a zip declares may lie: count what came out
                if len(data) > MAX_FILE_SIZE or total > MAX_TOTAL_SIZE:
                    raise InvalidSigningRequest(N_("The archive is too large."))
                members.append((_name(info.filename), data))
            return members
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise InvalidSigningRequest(N_("The archive is not a readable zip file.")) from exc
    except (RuntimeError, NotImplementedError, ValueError) as exc:  # encrypted, odd compression
        raise InvalidSigningRequest(
            N_("The archive uses zip features that are not supported.")
        ) from exc


def collect_pdfs(uploads: Sequence[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The files to check: the PDFs uploaded, or those inside one uploaded .zip.

    Other files inside a zip are kept so the report lists them as unusable; an upload that is
    neither PDFs nor a zip holding at least one PDF is refused.
    """
    files: list[tuple[str, bytes]] = []
    for name, data in uploads:
        if is_pdf(data):
            files.append((_name(name), data))
        elif data[:4] == b"PK\x03\x04":
            files += _unzip(data)
        elif data:
            raise InvalidSigningRequest(N_("Upload signed PDF files or one .zip holding them."))
    if not any(is_pdf(data) for _, data in files):
        raise InvalidSigningRequest(N_("There is no PDF file to check."))
    if len(files) > MAX_FILES:
        raise InvalidSigningRequest(N_("Too many files for one verification job."))
    return files


def stage_upload(staged: StagedBlobs, files: Sequence[tuple[str, bytes]]) -> dict[str, Any]:
    """Store each file and return the job's payload (names and digests, in upload order)."""
    return {"files": [{"name": name, "sha256": staged.put(data)} for name, data in files]}


def get_pdf_verification(session: Session, job_id: int, user: Owner) -> PdfBulkVerification:
    """The job, if ``user`` started it (core.jobs' rule) and it is a PDF bulk verification."""
    job = job_status(session, job_id, user)
    if job.kind != KIND:
        raise SigningRecordNotFound(N_("This verification job does not exist."))
    return PdfBulkVerification.of(job)


def _tally(verdict: str) -> str:
    return {
        "TOTAL_PASSED": "passed",
        "TOTAL_FAILED": "failed",
        "INDETERMINATE": "indeterminate",
        "INCOMPLETE": "incomplete",
    }.get(verdict, "unusable")


def verify_files(
    session: Session,
    blobs: BlobStore,
    settings: SigningSettings,
    job_id: int,
    report: Report,
    *,
    batch: int = 50,
    workers: int | None = None,
) -> dict[str, Any]:
    """Check every file of the job in upload order; return the tallies and the rows.

    A large job is spread over the cores (``workers``, default: all this process may use).
    """
    job = session.get_one(Job, job_id)
    entries = list(job.payload.get("files", []))
    trust = trust_material(session, settings)
    items = [
        (
            str(entry["name"]),
            str(entry["sha256"]),
            str(blobs.path_for(entry["sha256"])) if blobs.exists(entry["sha256"]) else None,
        )
        for entry in entries
    ]
    tallies = {"passed": 0, "failed": 0, "indeterminate": 0, "incomplete": 0, "unusable": 0}
    rows: list[dict[str, Any]] = []
    report(0, len(entries), dict(tallies))
    material = TrustDer.of(trust.roots, trust.intermediates, trust.crls)
    checked = check_many(
        material, items, workers=available_workers() if workers is None else workers
    )
    for index, row in enumerate(checked, start=1):
        tallies[_tally(row["status"])] += 1
        rows.append(row)
        if index % batch == 0 or index == len(entries):
            report(index, len(entries), dict(tallies))
    record_event(
        session,
        "signing:verification:pdf_bulk",
        actor=job.owner_id,
        subject={"job": job_id},
        details={"total": len(entries), **tallies},
    )
    return {**tallies, "files": rows}
