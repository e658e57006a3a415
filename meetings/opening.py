"""Opening a document of an agenda item: a document's version through `documents.reading`
(its receipt and audit event), a meeting material with a receipt of its own, the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from accounts.models import User
from audit import commit_event
from core.db import utcnow
from core.errors import N_
from core.groupcommit import Write
from documents import reading
from documents.models import Document, DocumentVersion
from meetings import access, packs
from meetings.errors import ItemNotFound
from meetings.models import AgendaItem, MaterialReceipt, MaterialVersion

T = TypeVar("T")


def open_attachment(
    session: Session,
    user: User,
    meeting_id: int,
    item_id: int,
    attachment_id: int,
    *,
    how: reading.How,
    prepare_document: Callable[[Document, DocumentVersion], T],
    prepare_material: Callable[[MaterialVersion], T],
    count: bool = True,
) -> tuple[AgendaItem, T]:
    """Open the exact version on an item ``user`` sees, of a meeting they see.

    A document's version goes through `reading.open_version`, which asks the documents' rule
    (a withheld or confidential version is refused there, a recalled one is gone) and records
    the receipt; a material is counted here with its own receipt and audit event. A counted
    opening also marks the item looked at, in the receipt's transaction.
    """
    found = access.get_attachment(session, user, meeting_id, item_id, attachment_id)
    item, attachment = found.item, found.attachment
    if attachment is None:
        raise ItemNotFound(N_("This document is not on this agenda item."), item=item_id)
    details = {"meeting": meeting_id, "item": item.id}
    looked = [packs.look(session.get_bind().dialect.name, user.id, item.id)]
    if attachment.version_id is not None:
        assert attachment.document_id is not None
        prepared = reading.open_version(
            session,
            user,
            attachment.document_id,
            int(found.version_number or 0),
            how=how,
            prepare=prepare_document,
            count=count,
            details=details,
            along=looked,
        )
        return item, prepared
    version = session.get(MaterialVersion, attachment.material_version_id)
    assert version is not None
    prepared_material = prepare_material(version)
    if count:
        try:
            _record(session, user, version, how, details, looked)
        except BaseException:
            close = getattr(prepared_material, "close", None)
            if close is not None:
                close()
            raise
    return item, prepared_material


def _record(
    session: Session,
    user: User,
    version: MaterialVersion,
    how: reading.How,
    details: dict[str, Any],
    along: list[Write],
) -> None:
    """Count one opening of one exact material version, committed with its audit event."""
    receipt = {
        "material_id": version.material_id,
        "material_version_id": version.id,
        "user_id": user.id,
        "now": utcnow(),
    }
    commit_event(
        session,
        "meetings:material:open",
        actor=user.id,
        subject={
            "material": version.material_id,
            "version": version.number,
            "sha256": version.sha256,
        },
        details={"how": how.value, **details},
        along=[(_receipt_upsert(session.get_bind().dialect.name), receipt), *along],
    )


def _receipt_upsert(dialect: str) -> Any:
    return reading.receipt_upsert(dialect, MaterialReceipt, "material_id", "material_version_id")
