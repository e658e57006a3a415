"""The archive of a closed meeting: one zip with its agenda (JSON and a readable page), every
exact version on it, its participants, who read what (CSV), the sections other parts add
(notes shared with the meeting, attendance and outcomes), and a manifest of SHA-256 hashes.

The archive's own SHA-256 goes into the audit log ("meetings:meeting:archived"), and the meeting
is then archived. Its chair, its secretary and auditors download it.

A confidential document (độ mật) stays with the people named on it and a recalled one is
withdrawn: the archive lists them with their hashes, without their bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from accounts.models import Role, User
from audit import record_event
from core.db import utcnow
from core.errors import N_
from core.jobs import Job, JobState
from core.storage import BlobStore
from documents.models import Document, DocumentVersion, ReadReceipt, Status
from meetings import access, agenda, participants
from meetings.bundles import ZipBundle, safe_name
from meetings.errors import ArchiveNotFound, MeetingNotFound, WrongState
from meetings.models import (
    AgendaItem,
    ItemAccess,
    ItemDocument,
    Material,
    MaterialReceipt,
    MaterialVersion,
    Meeting,
    MeetingArchive,
    MeetingStatus,
    Participant,
)

#: The job kind registered with core.jobs.
KIND = "meetings.archive"
Progress = Callable[[int, int], None]
#: Renders the agenda (as in agenda.json) as a readable HTML page.
RenderAgenda = Callable[[dict[str, Any]], str]
#: A part of the archive another module adds: given the session and the meeting, its files as
#: (path inside the section's folder, bytes). Notes shared with the meeting and attendance with
#: outcomes plug in here with `add_section`, when their modules exist.
Section = Callable[[Session, Meeting], Iterable[tuple[str, bytes]]]
_SECTIONS: dict[str, Section] = {}

RECEIPT_COLUMNS = [
    "item",
    "kind",
    "document_id",
    "material_id",
    "title",
    "version",
    "sha256",
    "user_id",
    "username",
    "full_name",
    "first_opened_at",
    "last_opened_at",
    "times_opened",
]
PARTICIPANT_COLUMNS = [
    "participant_id",
    "user_id",
    "name",
    "organisation",
    "role",
    "representative_id",
    "representative",
    "removed_at",
]


def add_section(name: str, section: Section) -> None:
    """Put ``section``'s files under ``name/`` in every archive built from now on."""
    _SECTIONS[name] = section


# --- asking for it -------------------------------------------------------------------------------


def ask(session: Session, actor: User, meeting: Meeting) -> MeetingArchive:
    """Note that the closed ``meeting``'s archive is to be built (the caller then queues the job
    and gives it to `started`). Asking again is refused while a build runs or once built."""
    access.refuse_unless_manager(actor, meeting)
    if meeting.status is not MeetingStatus.CLOSED:
        raise WrongState(N_("Only a closed meeting is archived."))
    row = session.scalar(sa.select(MeetingArchive).where(MeetingArchive.meeting_id == meeting.id))
    if row is None:
        row = MeetingArchive(meeting_id=meeting.id, requested_by_id=actor.id)
        session.add(row)
        session.flush()
        return row
    if row.sha256 is not None:
        raise WrongState(N_("This meeting is archived already."))
    job = session.get(Job, row.job_id) if row.job_id is not None else None
    if job is not None and not job.finished:
        raise WrongState(N_("The archive is being built; wait for it to finish."))
    row.requested_by_id, row.requested_at = actor.id, utcnow()
    return row


def started(session: Session, meeting: Meeting, job_id: int) -> None:
    """Remember the job building the archive, for the pages that show its progress."""
    session.execute(
        sa.update(MeetingArchive)
        .where(MeetingArchive.meeting_id == meeting.id)
        .values(job_id=job_id)
    )


@dataclass(frozen=True)
class ArchiveState:
    """The archive as the meeting's page shows it: the row and its latest job, if any."""

    archive: MeetingArchive | None
    job: Job | None

    @property
    def built(self) -> bool:
        return self.archive is not None and self.archive.sha256 is not None

    @property
    def building(self) -> bool:
        return not self.built and self.job is not None and not self.job.finished

    @property
    def failed(self) -> bool:
        return not self.built and self.job is not None and self.job.state is JobState.FAILED


def state(session: Session, user: User, meeting: Meeting) -> ArchiveState:
    """The archive of ``meeting`` for someone who may download it (one statement)."""
    _refuse_unless_keeper(session, user, meeting)
    row = session.execute(
        sa.select(MeetingArchive, Job)
        .outerjoin(Job, Job.id == MeetingArchive.job_id)
        .where(MeetingArchive.meeting_id == meeting.id)
    ).first()
    return ArchiveState(None, None) if row is None else ArchiveState(row[0], row[1])


def keeper_meeting(session: Session, user: User, meeting_id: int) -> Meeting:
    """The meeting, for its chair and secretary or an auditor (who need not be invited)."""
    if user.has_role(Role.AUDITOR):
        meeting = session.get(Meeting, meeting_id)
        if meeting is None:
            raise MeetingNotFound(
                N_("This meeting does not exist, or you may not see it."), meeting=meeting_id
            )
        return meeting
    return access.get_meeting(session, user, meeting_id, manage=True)


def downloaded(session: Session, user: User, meeting: Meeting) -> MeetingArchive:
    """The built archive, for its keepers; the download is audited with the archive's hash."""
    found = state(session, user, meeting)
    if not found.built or found.archive is None:
        raise ArchiveNotFound(N_("This meeting’s archive has not been built yet."))
    record_event(
        session,
        "meetings:archive:download",
        actor=user,
        subject={"meeting": meeting.id},
        details={"sha256": found.archive.sha256},
    )
    return found.archive


def _refuse_unless_keeper(session: Session, user: User, meeting: Meeting) -> None:
    if not (meeting.is_manager(user) or user.has_role(Role.AUDITOR)):
        access.refuse_unless_manager(user, meeting)


# --- building it ---------------------------------------------------------------------------------


def build(
    session: Session,
    store: BlobStore,
    meeting_id: int,
    actor_id: int | None,
    render_agenda: RenderAgenda,
    progress: Progress,
) -> dict[str, Any]:
    """Build the archive of a closed meeting, store it, record its hash in the audit log and
    archive the meeting; return the job's result. The caller commits.

    Built once: a second run (a duplicate message) returns the archive already built.
    """
    meeting = session.get(Meeting, meeting_id)
    row = session.scalar(sa.select(MeetingArchive).where(MeetingArchive.meeting_id == meeting_id))
    if meeting is None or row is None:
        raise WrongState(N_("Only a closed meeting is archived."))
    if row.sha256 is not None:
        return _result(meeting, row)
    if meeting.status is not MeetingStatus.CLOSED:
        raise WrongState(N_("Only a closed meeting is archived."))
    described = _agenda(session, meeting)
    documents = [d for item in described["items"] for d in item["documents"]]
    total = len(documents) + 3 + len(_SECTIONS)
    step = 0
    built_at = utcnow()
    progress(step, total)
    with ZipBundle(store, built_at) as bundle:
        for document in documents:
            if document["left_out"] is None:
                handle, size = store.open_verified(document["sha256"])
                with handle:
                    member = bundle.add_stream(document["path"], handle, size)
                document["path"] = member.path
            step += 1
            progress(step, total)
        bundle.add_bytes("agenda.json", _json(described))
        bundle.add_bytes("agenda.html", render_agenda(described).encode("utf-8"))
        step += 1
        bundle.add_bytes("participants.csv", _participants_csv(session, meeting))
        bundle.add_bytes("receipts.csv", _receipts_csv(session, meeting, described))
        step += 1
        progress(step, total)
        for name, section in sorted(_SECTIONS.items()):
            for path, data in section(session, meeting):
                bundle.add_bytes(f"{safe_name(name)}/{path}", data)
            step += 1
            progress(step, total)
        stored = bundle.finish(
            {
                "meeting": described["meeting"],
                "built_at": built_at.isoformat(),
                "sections": sorted(_SECTIONS),
                "left_out": [
                    {"document_id": d["document_id"], "sha256": d["sha256"], "why": d["left_out"]}
                    for d in documents
                    if d["left_out"] is not None
                ],
            }
        )
    row.sha256, row.size, row.files, row.built_at = (
        stored.sha256,
        stored.size,
        len(stored.members),
        built_at,
    )
    meeting.status = MeetingStatus.ARCHIVED
    session.flush()
    record_event(
        session,
        "meetings:meeting:archived",
        actor=actor_id,
        subject={"meeting": meeting.id},
        details={"sha256": stored.sha256, "size": stored.size, "files": len(stored.members)},
    )
    progress(total, total)
    return _result(meeting, row)


def _result(meeting: Meeting, row: MeetingArchive) -> dict[str, Any]:
    return {"meeting": meeting.id, "sha256": row.sha256, "size": row.size, "files": row.files}


def file_name(meeting: Meeting) -> str:
    return f"{safe_name(meeting.title, 'cuoc-hop')} - {meeting.starts_at:%Y%m%d} - luu-tru.zip"


def _agenda(session: Session, meeting: Meeting) -> dict[str, Any]:
    """The meeting, its agenda tree and every exact version on it, as agenda.json says."""
    items = agenda.items_of(session, meeting)
    presenters = {
        u.id: u.full_name
        for u in session.scalars(
            sa.select(User).where(User.id.in_([i.presenter_id for i in items if i.presenter_id]))
        )
    }
    listed: dict[int, list[int]] = defaultdict(list)
    for item_id, participant_id in session.execute(
        sa.select(ItemAccess.item_id, ItemAccess.participant_id)
        .join(AgendaItem, AgendaItem.id == ItemAccess.item_id)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(ItemAccess.item_id, ItemAccess.participant_id)
    ):
        listed[item_id].append(participant_id)
    attached: dict[int, list[dict[str, Any]]] = defaultdict(list)
    placed = agenda.layout(meeting, items)
    numbers = {p.item.id: p.number for p in placed}
    for row in session.execute(
        sa.select(
            ItemDocument.id,
            ItemDocument.item_id,
            Document.id,
            Document.subject,
            Document.number_symbol,
            Document.confidentiality,
            Document.status,
            DocumentVersion.number,
            DocumentVersion.sha256,
            DocumentVersion.file_name,
            DocumentVersion.mime,
            DocumentVersion.size,
            Material.id,
            Material.title,
            MaterialVersion.number,
            MaterialVersion.sha256,
            MaterialVersion.file_name,
            MaterialVersion.mime,
            MaterialVersion.size,
        )
        .join(AgendaItem, AgendaItem.id == ItemDocument.item_id)
        .outerjoin(Document, Document.id == ItemDocument.document_id)
        .outerjoin(DocumentVersion, DocumentVersion.id == ItemDocument.version_id)
        .outerjoin(Material, Material.id == ItemDocument.material_id)
        .outerjoin(MaterialVersion, MaterialVersion.id == ItemDocument.material_version_id)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(ItemDocument.item_id, ItemDocument.position, ItemDocument.id)
    ):
        (attachment_id, item_id, document_id, subject, number_symbol, secrecy, status) = row[:7]
        if document_id is not None:
            version, sha256, name, mime, size = row[7:12]
            left_out = (
                "confidential"
                if secrecy.is_secret
                else ("recalled" if status is Status.RECALLED else None)
            )
            title = subject
        else:
            version, sha256, name, mime, size = row[14:19]
            left_out, title = None, row[13]
        folder = safe_name(str(numbers.get(item_id) or item_id), "noi-dung")
        attached[item_id].append(
            {
                "attachment_id": attachment_id,
                "kind": "document" if document_id is not None else "material",
                "document_id": document_id,
                "material_id": row[12],
                "title": title,
                "number_symbol": number_symbol or "",
                "version": version,
                "sha256": sha256,
                "file_name": name,
                "mime": mime,
                "size": size,
                "path": None if left_out else f"documents/{folder}/{safe_name(str(name))}",
                "left_out": left_out,
            }
        )
    return {
        "meeting": {
            "id": meeting.id,
            "title": meeting.title,
            "kind": meeting.kind.value,
            "starts_at": meeting.starts_at.isoformat(),
            "ends_at": meeting.ends_at.isoformat(),
            "room": meeting.room,
            "online_link": meeting.online_link,
            "confidentiality": meeting.confidentiality.value,
            "chair": {"id": meeting.chair_id, "name": meeting.chair.full_name},
            "secretary": {"id": meeting.secretary_id, "name": meeting.secretary.full_name},
            "published_at": meeting.published_at.isoformat() if meeting.published_at else None,
        },
        "items": [
            {
                "id": p.item.id,
                "number": p.number,
                "depth": p.depth,
                "parent_id": p.item.parent_id,
                "title": p.item.title,
                "description": p.item.description,
                "kind": p.item.kind.value,
                "restricted": p.item.restricted,
                "access_list": listed.get(p.item.id, []),
                "late": p.item.late,
                "presenter": presenters.get(p.item.presenter_id or 0) or p.item.presenter_name,
                "duration_minutes": p.item.duration_minutes,
                "starts_at": p.starts_at.isoformat(),
                "documents": attached.get(p.item.id, []),
            }
            for p in placed
        ],
    }


def _participants_csv(session: Session, meeting: Meeting) -> bytes:
    rows = [
        [
            p.id,
            p.user_id or "",
            p.display_name,
            p.organisation,
            p.role.value,
            p.representative_id or "",
            p.representative.full_name if p.representative else "",
            p.removed_at.isoformat() if p.removed_at else "",
        ]
        for p in participants.listing(session, meeting)
    ]
    return _csv(PARTICIPANT_COLUMNS, rows)


def _receipts_csv(session: Session, meeting: Meeting, described: dict[str, Any]) -> bytes:
    """Who of the meeting's people (participants, representatives, chair, secretary) opened
    which version of each document and material on the agenda, first, last and how often."""
    on_agenda: dict[tuple[str, int], tuple[str, str]] = {
        (d["kind"], d["document_id"] or d["material_id"]): (item["number"] or "", d["title"])
        for item in described["items"]
        for d in item["documents"]
    }
    people = _people(meeting)
    reader = aliased(User)
    rows: list[list[Any]] = []
    kinds = (
        ("document", ReadReceipt, ReadReceipt.document_id, DocumentVersion, ReadReceipt.version_id),
        (
            "material",
            MaterialReceipt,
            MaterialReceipt.material_id,
            MaterialVersion,
            MaterialReceipt.material_version_id,
        ),
    )
    for kind, receipt, thing, version, version_id in kinds:
        ids = [key for (k, key) in on_agenda if k == kind]
        found = session.execute(
            sa.select(
                thing,
                version.number,
                version.sha256,
                reader.id,
                reader.username,
                reader.full_name,
                receipt.first_opened_at,
                receipt.last_opened_at,
                receipt.times_opened,
            )
            .join(version, version.id == version_id)
            .join(reader, reader.id == receipt.user_id)
            .where(thing.in_(ids), receipt.user_id.in_(people))
            .order_by(thing, version.number, reader.id)
        )
        for thing_id, number, sha256, user_id, username, name, first, last, times in found:
            item, title = on_agenda[(kind, thing_id)]
            ids_columns = [thing_id, ""] if kind == "document" else ["", thing_id]
            opened = [first.isoformat(), last.isoformat(), times]
            rows.append(
                [item, kind, *ids_columns, title, number, sha256, user_id, username, name, *opened]
            )
    return _csv(RECEIPT_COLUMNS, rows)


def _people(meeting: Meeting) -> sa.CompoundSelect:
    invited = sa.select(Participant.user_id).where(
        Participant.meeting_id == meeting.id, Participant.user_id.is_not(None)
    )
    sent = sa.select(Participant.representative_id).where(
        Participant.meeting_id == meeting.id, Participant.representative_id.is_not(None)
    )
    managers = sa.select(User.id).where(User.id.in_([meeting.chair_id, meeting.secretary_id]))
    return invited.union(sent, managers)


def _csv(columns: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark (Excel reads Vietnamese then), spreadsheet formulas
    neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
