"""The inbox: what was sent to a person, receipts their unit owes, and their notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from accounts.models import User
from documents.access import visible_to
from documents.models import Delivery, Document, Notification, ReadReceipt, UnitReceipt
from documents.returns import returned_by_unit


@dataclass(frozen=True)
class InboxEntry:
    document: Document
    delivered_at: datetime
    unread: bool


def inbox(
    session: Session, user: User, *, unread_only: bool = False, limit: int = 100
) -> list[InboxEntry]:
    """What was sent to ``user``, newest first, with unread marked: one query."""
    opened = sa.exists().where(
        ReadReceipt.version_id == Document.current_version_id, ReadReceipt.user_id == user.id
    )
    statement = (
        sa.select(Document, Delivery.delivered_at, ~opened)
        .join(Delivery, Delivery.document_id == Document.id)
        .where(
            Delivery.user_id == user.id,
            visible_to(user),
            # Sent only through a unit that returned it: the unit did not accept it.
            sa.or_(
                Delivery.via_unit_id.is_(None),
                ~returned_by_unit(Delivery.document_id, Delivery.via_unit_id),
            ),
        )
        .order_by(Delivery.delivered_at.desc(), Document.id.desc())
        .limit(limit)
    )
    if unread_only:
        statement = statement.where(~opened)
    return [InboxEntry(doc, at, bool(unread)) for doc, at, unread in session.execute(statement)]


def unit_receipts_pending(session: Session, user: User) -> list[UnitReceipt]:
    """Documents sent to the clerk's unit and not yet acknowledged."""
    return list(
        session.scalars(
            sa.select(UnitReceipt)
            .options(joinedload(UnitReceipt.document))
            .where(
                UnitReceipt.unit_id == user.unit_id,
                UnitReceipt.acknowledged_at.is_(None),
                ~returned_by_unit(UnitReceipt.document_id, UnitReceipt.unit_id),
            )
            .order_by(UnitReceipt.delivered_at)
        )
    )


def notifications_for(session: Session, user: User) -> list[Notification]:
    return list(
        session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc())
            .limit(20)
        )
    )
