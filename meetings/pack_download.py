"""The whole pack in one zip for offline reading: everything one participant may see, each file
opened through the same gate as on screen (access rule, a read receipt of that exact version and
an audit event), built in the background and downloadable by that participant only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from accounts.models import User
from core.db import utcnow
from core.errors import N_
from core.jobs import Job, JobState, job_status
from core.storage import BlobStore
from documents import reading
from documents.models import Document, DocumentVersion
from meetings import access, opening, packs
from meetings.bundles import Member, ZipBundle, safe_name
from meetings.errors import EmptyPack, MeetingNotFound
from meetings.models import MaterialVersion, Meeting

#: The job kind registered with core.jobs.
KIND = "meetings.pack_zip"
#: Called after each file with (files done, files in the pack).
Progress = Callable[[int, int], None]


def payload(session: Session, user: User, meeting: Meeting) -> dict[str, Any]:
    """What the job needs, once it is sure there is something to download: a pack with no
    document ``user`` may open is refused here, before anything is queued."""
    pack = packs.build(session, user, meeting)
    if not _files(pack):
        raise EmptyPack(N_("Your pack of this meeting has no document to download yet."))
    return {"meeting": meeting.id}


def build(
    session: Session, store: BlobStore, user: User, meeting_id: int, progress: Progress
) -> dict[str, Any]:
    """Write ``user``'s whole pack of the meeting into a zip in ``store``; return the job's
    result (the zip's SHA-256, size, name and file count).

    The pack is what `packs.build` shows them now; each file then goes through
    `opening.open_attachment`, which asks the rules again and records the receipt, so a file
    refused in between stops the build with the refusal's message and no zip.
    """
    meeting = access.get_meeting(session, user, meeting_id)
    pack = packs.build(session, user, meeting)
    files = _files(pack)
    if not files:
        raise EmptyPack(N_("Your pack of this meeting has no document to download yet."))
    built_at = utcnow()
    listed: list[dict[str, Any]] = []
    progress(0, len(files))
    with ZipBundle(store, built_at) as bundle:
        for done, (entry, document) in enumerate(files, start=1):
            folder = safe_name(f"{entry.placed.number} {entry.item.title}".strip(), "noi-dung")

            def add(sha256: str, file_name: str, folder: str = folder) -> Member:
                handle, size = store.open_verified(sha256)
                with handle:
                    return bundle.add_stream(f"{folder}/{safe_name(file_name)}", handle, size)

            def add_document(_document: Document, version: DocumentVersion) -> Member:
                return add(version.sha256, version.file_name)

            def add_material(version: MaterialVersion) -> Member:
                return add(version.sha256, version.file_name)

            session.commit()  # the receipt commits on its own: this session must hold no write
            _item, member = opening.open_attachment(
                session,
                user,
                meeting.id,
                entry.item.id,
                document.attachment_id,
                how=reading.How.PACK,
                prepare_document=add_document,
                prepare_material=add_material,
            )
            listed.append(
                {
                    "path": member.path,
                    "item": entry.placed.number,
                    "item_title": entry.item.title,
                    "title": document.title,
                    "number_symbol": document.number_symbol,
                    "version": document.version,
                    "kind": "material" if document.is_material else "document",
                    "sha256": member.sha256,
                }
            )
            progress(done, len(files))
        stored = bundle.finish(
            {
                "meeting": {
                    "id": meeting.id,
                    "title": meeting.title,
                    "starts_at": meeting.starts_at.isoformat(),
                },
                "reader": {"id": user.id, "name": user.full_name},
                "built_at": built_at.isoformat(),
                "documents": listed,
                "withheld": [
                    {"item": e.placed.number, "item_title": e.item.title, "documents": e.withheld}
                    for e in pack.items
                    if e.withheld
                ],
            }
        )
    return {
        "meeting": meeting.id,
        "sha256": stored.sha256,
        "size": stored.size,
        "documents": len(listed),
        "file_name": f"{safe_name(meeting.title, 'cuoc-hop')} - {built_at:%Y%m%d}.zip",
    }


@dataclass(frozen=True)
class Download:
    """A whole-pack download as its page shows it."""

    job: Job
    meeting_id: int

    @property
    def ready(self) -> bool:
        return self.job.state is JobState.DONE and bool((self.job.result or {}).get("sha256"))

    @property
    def sha256(self) -> str:
        return str((self.job.result or {})["sha256"])

    @property
    def file_name(self) -> str:
        return str((self.job.result or {}).get("file_name") or "pack.zip")


def get_download(session: Session, user: User, meeting: Meeting, job_id: int) -> Download:
    """``user``'s own download of ``meeting``'s pack; anyone else's (or another job) is not
    found, as `core.jobs.job_status` answers."""
    job = job_status(session, job_id, user)
    if job.kind != KIND or job.payload.get("meeting") != meeting.id:
        raise MeetingNotFound(N_("This download does not exist."), meeting=meeting.id)
    return Download(job, meeting.id)


def _files(pack: packs.Pack) -> list[tuple[packs.PackItem, packs.PackDocument]]:
    """The pack's files, in agenda order; a recalled document is gone and is left out."""
    return [(e, d) for e in pack.items for d in e.documents if not d.recalled]
