"""The exact versions on an agenda's items: documents already in VanThu (attached as the version
the secretary may open), meeting materials uploaded for the meeting, their replacement after
publishing (notes follow the new version) and their removal.

Every change claims the meeting's version through `agenda.may_change`, as the agenda's do.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.db import utcnow
from core.errors import N_
from core.storage import BlobStore, StagedBlobs
from documents import access as document_access
from documents.circulation import refuse_if_recalled
from documents.files import InspectedFile, inspect_upload
from documents.models import Document, DocumentVersion
from meetings import agenda, notes
from meetings.errors import BadMeeting
from meetings.models import (
    AgendaItem,
    ItemDocument,
    Material,
    MaterialVersion,
    Meeting,
)


def attach_document(
    session: Session,
    actor: User,
    meeting: Meeting,
    item_id: int,
    document_id: int,
    number: int | None,
    *,
    expected_version: int,
) -> ItemDocument:
    """Attach one exact version (the current one when ``number`` is None) of a VanThu document
    that ``actor`` may open; participants who see the item may then open that version."""
    agenda.may_change(session, actor, meeting, expected_version)
    item = agenda.item_of(session, meeting, item_id)
    document, version = _openable_version(session, actor, document_id, number)
    if session.scalar(
        sa.select(ItemDocument.id).where(
            ItemDocument.item_id == item.id, ItemDocument.document_id == document.id
        )
    ):
        raise BadMeeting(N_("This document is already on this item: replace its version instead."))
    return _attach(
        session,
        actor,
        meeting,
        item,
        "meetings:attachment:add",
        {"document": document.id, "version": version.number, "sha256": version.sha256},
        document_id=document.id,
        version_id=version.id,
    )


def add_material(
    session: Session,
    staged: StagedBlobs,
    actor: User,
    meeting: Meeting,
    item_id: int,
    *,
    title: str,
    data: bytes,
    file_name: str,
    max_bytes: int,
    expected_version: int,
) -> ItemDocument:
    """Upload a meeting material (no number, no signature) and attach its first version.

    The file is screened like any upload and stored in ``staged``: if the transaction fails,
    the caller's `StagedBlobs` block removes it again.
    """
    agenda.may_change(session, actor, meeting, expected_version)
    item = agenda.item_of(session, meeting, item_id)
    title = " ".join(title.split())
    inspected = inspect_upload(data, file_name, max_bytes)
    title = title or inspected.safe_name
    if len(title) > 500:
        raise BadMeeting(N_("The title is too long (at most 500 characters)."))
    material = Material(meeting_id=meeting.id, title=title, created_by_id=actor.id)
    session.add(material)
    session.flush()
    version = _store_material_version(session, staged, actor, material, data, inspected, 1)
    return _attach(
        session,
        actor,
        meeting,
        item,
        "meetings:material:upload",
        {"material": material.id, "version": 1, "sha256": version.sha256},
        material_id=material.id,
        material_version_id=version.id,
    )


def _attach(
    session: Session,
    actor: User,
    meeting: Meeting,
    item: AgendaItem,
    action: str,
    details: dict[str, Any],
    **version: int,
) -> ItemDocument:
    """Put an exact version (a document's or a material's, ``version``'s columns) last on
    ``item``, mark the item changed and audit it."""
    attachment = ItemDocument(
        item_id=item.id,
        position=_next_position(session, item),
        attached_by_id=actor.id,
        **version,
    )
    session.add(attachment)
    item.changed_at = utcnow()
    session.flush()
    record_event(
        session,
        action,
        actor=actor,
        subject={"meeting": meeting.id, "item": item.id, "attachment": attachment.id},
        details=details,
    )
    return attachment


def replace_document_version(
    session: Session,
    actor: User,
    meeting: Meeting,
    attachment_id: int,
    number: int | None,
    *,
    expected_version: int,
    store: BlobStore,
) -> ItemDocument:
    """Put another version of the same document on the item (the current one if ``number`` is
    None): from now on participants open that version, and the item shows as changed. Notes
    written on the item's document are re-anchored on that version (their text read from
    ``store``)."""
    agenda.may_change(session, actor, meeting, expected_version)
    attachment, item = _attachment(session, meeting, attachment_id)
    if attachment.document_id is None:
        raise BadMeeting(N_("Upload a new file to replace a meeting material."))
    document, version = _openable_version(session, actor, attachment.document_id, number)
    if version.id == attachment.version_id:
        raise BadMeeting(N_("This version is already the one on the agenda."))
    before = session.scalar(
        sa.select(DocumentVersion.number).where(DocumentVersion.id == attachment.version_id)
    )
    attachment.version_id = version.id
    item.changed_at = utcnow()
    session.flush()
    notes.follow_new_version(session, store, attachment)
    record_event(
        session,
        "meetings:attachment:replace",
        actor=actor,
        subject={"meeting": meeting.id, "item": item.id, "attachment": attachment.id},
        details={
            "document": document.id,
            "from_version": before,
            "version": version.number,
            "sha256": version.sha256,
        },
    )
    return attachment


def replace_material(
    session: Session,
    staged: StagedBlobs,
    actor: User,
    meeting: Meeting,
    attachment_id: int,
    *,
    data: bytes,
    file_name: str,
    max_bytes: int,
    expected_version: int,
) -> ItemDocument:
    """Upload a new version of a meeting material; the item shows as changed."""
    agenda.may_change(session, actor, meeting, expected_version)
    attachment, item = _attachment(session, meeting, attachment_id)
    if attachment.material_id is None:
        raise BadMeeting(N_("Choose another version of the document to replace it."))
    inspected = inspect_upload(data, file_name, max_bytes)
    material = session.get(Material, attachment.material_id)
    assert material is not None
    number = (
        session.scalar(
            sa.select(sa.func.max(MaterialVersion.number)).where(
                MaterialVersion.material_id == material.id
            )
        )
        or 0
    ) + 1
    version = _store_material_version(session, staged, actor, material, data, inspected, number)
    attachment.material_version_id = version.id
    item.changed_at = utcnow()
    session.flush()
    notes.follow_new_version(session, staged.store, attachment)
    record_event(
        session,
        "meetings:material:upload",
        actor=actor,
        subject={"meeting": meeting.id, "item": item.id, "attachment": attachment.id},
        details={"material": material.id, "version": number, "sha256": version.sha256},
    )
    return attachment


def detach(
    session: Session, actor: User, meeting: Meeting, attachment_id: int, *, expected_version: int
) -> None:
    """Take a document off an item; receipts of it stay."""
    agenda.may_change(session, actor, meeting, expected_version)
    attachment, item = _attachment(session, meeting, attachment_id)
    details = {"document": attachment.document_id, "material": attachment.material_id}
    session.delete(attachment)
    item.changed_at = utcnow()
    session.flush()
    record_event(
        session,
        "meetings:attachment:remove",
        actor=actor,
        subject={"meeting": meeting.id, "item": item.id, "attachment": attachment_id},
        details=details,
    )


def _attachment(
    session: Session, meeting: Meeting, attachment_id: int
) -> tuple[ItemDocument, AgendaItem]:
    row = session.execute(
        sa.select(ItemDocument, AgendaItem)
        .join(AgendaItem, AgendaItem.id == ItemDocument.item_id)
        .where(ItemDocument.id == attachment_id, AgendaItem.meeting_id == meeting.id)
    ).first()
    if row is None:
        raise BadMeeting(N_("This document is not on this agenda."))
    return row[0], row[1]


def _openable_version(
    session: Session, actor: User, document_id: int, number: int | None
) -> tuple[Document, DocumentVersion]:
    """The version, if ``actor`` may open it by the documents' rule and it was not recalled."""
    if number is None:
        document = document_access.get_document(session, actor, document_id)
        current = session.get(DocumentVersion, document.current_version_id or 0)
        if current is None:
            raise BadMeeting(N_("This document has no file yet."))
        number = current.number
    document, version = document_access.get_version(session, actor, document_id, number)
    refuse_if_recalled(document)
    return document, version


def _next_position(session: Session, item: AgendaItem) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count(ItemDocument.id)).where(ItemDocument.item_id == item.id)
        )
        or 0
    )


def _store_material_version(
    session: Session,
    staged: StagedBlobs,
    actor: User,
    material: Material,
    data: bytes,
    inspected: InspectedFile,
    number: int,
) -> MaterialVersion:
    version = MaterialVersion(
        material_id=material.id,
        number=number,
        sha256=staged.put(data),
        kind=inspected.kind.value,
        mime=inspected.mime,
        file_name=inspected.safe_name,
        size=inspected.size,
        uploaded_by_id=actor.id,
    )
    session.add(version)
    session.flush()
    return version


def attachable_documents(session: Session, user: User, *, limit: int = 200) -> list[Document]:
    """Documents ``user`` may open a version of, newest first: what they may attach."""
    return list(
        session.scalars(
            sa.select(Document)
            .where(document_access.visible_to(user), Document.current_version_id.is_not(None))
            .order_by(Document.created_at.desc(), Document.id.desc())
            .limit(limit)
        )
    )
