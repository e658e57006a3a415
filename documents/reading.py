"""Reading: each opening of a version is a read receipt and an audit event; the sender's report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from accounts.models import Unit, User
from audit.services import event_write
from core.groupcommit import GroupCommitter
from documents import errors
from documents.access import OpenedVersion
from documents.models import Delivery, Document, DocumentVersion, ReadReceipt, UnitReceipt


def record_open(writer: GroupCommitter, reader_id: int, opened: OpenedVersion) -> None:
    """Count one opening of one exact version by one person and audit it; returns once stored.

    The receipt and its audit event commit together, in a transaction shared with the other
    openings of the moment (a province opens its packs at once); the upsert keeps every
    concurrent opening counted on both databases.
    """
    if opened.recalled:
        raise errors.DocumentRecalled.frozen()
    event = event_write(
        "documents:version:open",
        actor=reader_id,
        subject={"document": opened.document_id, "version": opened.number, "sha256": opened.sha256},
    )
    receipt = {
        "document_id": opened.document_id,
        "version_id": opened.version_id,
        "user_id": reader_id,
        "now": event[1]["occurred_at"],
    }
    writer.run([(_receipt_upsert(writer.engine.dialect.name), receipt), event])


@cache
def _receipt_upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE, built once per dialect (it runs on every opening)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    now: sa.BindParameter[Any] = sa.bindparam("now")
    first = insert(ReadReceipt).values(
        document_id=sa.bindparam("document_id"),
        version_id=sa.bindparam("version_id"),
        user_id=sa.bindparam("user_id"),
        first_opened_at=now,
        last_opened_at=now,
        times_opened=1,
    )
    # A first opening inserts the receipt, a later one counts on it.
    return first.on_conflict_do_update(
        index_elements=["version_id", "user_id"],
        set_={
            "last_opened_at": first.excluded.last_opened_at,
            "times_opened": ReadReceipt.times_opened + 1,
        },
    )


@dataclass(frozen=True)
class RecipientStatus:
    user: User
    via_unit: str
    delivered_at: datetime
    #: version number -> the receipt, or None when not opened
    opened: dict[int, ReadReceipt | None]


@dataclass(frozen=True)
class ReceiptReport:
    document: Document
    versions: list[DocumentVersion]
    recipients: list[RecipientStatus]
    units: list[UnitReceipt]

    def opened_count(self, version_number: int) -> int:
        return sum(1 for r in self.recipients if r.opened.get(version_number) is not None)


def receipt_report(session: Session, document: Document) -> ReceiptReport:
    """Per recipient and per version: delivered, opened (first, last, how often). Four queries."""
    versions = list(
        session.scalars(
            sa.select(DocumentVersion)
            .where(DocumentVersion.document_id == document.id)
            .order_by(DocumentVersion.number)
        )
    )
    deliveries = session.execute(
        sa.select(Delivery, User, Unit.name)
        .join(User, User.id == Delivery.user_id)
        .outerjoin(Unit, Unit.id == Delivery.via_unit_id)
        .options(selectinload(User.role_rows))
        .where(Delivery.document_id == document.id)
        .order_by(User.full_name, User.id)
    ).all()
    receipts = {
        (r.user_id, r.version_id): r
        for r in session.scalars(
            sa.select(ReadReceipt).where(ReadReceipt.document_id == document.id)
        )
    }
    units = list(
        session.scalars(
            sa.select(UnitReceipt)
            .options(joinedload(UnitReceipt.unit), joinedload(UnitReceipt.acknowledged_by))
            .where(UnitReceipt.document_id == document.id)
            .order_by(UnitReceipt.id)
        )
    )
    recipients = [
        RecipientStatus(
            user=user,
            via_unit=unit_name or "",
            delivered_at=delivery.delivered_at,
            opened={v.number: receipts.get((user.id, v.id)) for v in versions},
        )
        for delivery, user, unit_name in deliveries
    ]
    return ReceiptReport(document, versions, recipients, units)
