"""Opening a document of an agenda item: a document's version through `documents.reading`
(its receipt and audit event), a meeting material with a receipt of its own, the same way."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from audit import commit_event
from core.db import utcnow
from core.errors import N_
from documents import reading
from documents.models import Document, DocumentVersion
from meetings import access
from meetings.errors import ItemNotFound
from meetings.models import AgendaItem, ItemDocument, MaterialReceipt, MaterialVersion, Meeting

T = TypeVar("T")


def open_attachment(
    session: Session,
    user: User,
    meeting: Meeting,
    item_id: int,
    attachment_id: int,
    *,
    how: reading.How,
    prepare_document: Callable[[Document, DocumentVersion], T],
    prepare_material: Callable[[MaterialVersion], T],
    count: bool = True,
) -> tuple[AgendaItem, T]:
    """Open the exact version on an item ``user`` sees (``meeting`` they may see).

    A document's version goes through `reading.open_version`, which asks the documents' rule
    (a withheld or confidential version is refused there, a recalled one is gone) and records
    the receipt; a material is counted here with its own receipt and audit event.
    """
    item = access.get_item(session, user, meeting, item_id)
    attachment = session.get(ItemDocument, attachment_id)
    if attachment is None or attachment.item_id != item.id:
        raise ItemNotFound(N_("This document is not on this agenda item."), item=item_id)
    details = {"meeting": meeting.id, "item": item.id}
    if attachment.version_id is not None:
        assert attachment.document_id is not None
        number = session.scalar(
            sa.select(DocumentVersion.number).where(DocumentVersion.id == attachment.version_id)
        )
        prepared = reading.open_version(
            session,
            user,
            attachment.document_id,
            int(number or 0),
            how=how,
            prepare=prepare_document,
            count=count,
            details=details,
        )
        return item, prepared
    version = session.get(MaterialVersion, attachment.material_version_id)
    assert version is not None
    prepared_material = prepare_material(version)
    if count:
        try:
            _record(session, user, version, how, details)
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
        along=[(_receipt_upsert(session.get_bind().dialect.name), receipt)],
    )


@cache
def _receipt_upsert(dialect: str) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    now: sa.BindParameter[Any] = sa.bindparam("now")
    first = insert(MaterialReceipt).values(
        material_id=sa.bindparam("material_id"),
        material_version_id=sa.bindparam("material_version_id"),
        user_id=sa.bindparam("user_id"),
        first_opened_at=now,
        last_opened_at=now,
        times_opened=1,
    )
    return first.on_conflict_do_update(
        index_elements=["material_version_id", "user_id"],
        set_={
            "last_opened_at": first.excluded.last_opened_at,
            "times_opened": MaterialReceipt.times_opened + 1,
        },
    )
