"""The inbox: what was sent to a person, receipts their unit owes, and their notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


def _inbox(user: User) -> sa.Select[Document, datetime, bool]:
    return (
        sa.select(Document, Delivery.delivered_at, _unread(user))
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
    )


def _unread(user: User) -> sa.ColumnElement[bool]:
    return ~sa.exists().where(
        ReadReceipt.version_id == Document.current_version_id, ReadReceipt.user_id == user.id
    )


def inbox(
    session: Session, user: User, *, unread_only: bool = False, limit: int = 100
) -> list[InboxEntry]:
    """What was sent to ``user``, newest first, with unread marked: one query."""
    statement = _inbox(user).order_by(Delivery.delivered_at.desc(), Document.id.desc()).limit(limit)
    if unread_only:
        statement = statement.where(_unread(user))
    return [InboxEntry(doc, at, bool(unread)) for doc, at, unread in session.execute(statement)]


def count_unread(session: Session, user: User) -> int:
    statement = _inbox(user).where(_unread(user))
    return session.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0


def _unit_receipts_pending(user: User) -> sa.Select[Any]:
    return sa.select(UnitReceipt).where(
        UnitReceipt.unit_id == user.unit_id,
        UnitReceipt.acknowledged_at.is_(None),
        ~returned_by_unit(UnitReceipt.document_id, UnitReceipt.unit_id),
    )


def unit_receipts_pending(session: Session, user: User) -> list[UnitReceipt]:
    """Documents sent to the clerk's unit and not yet acknowledged."""
    return list(
        session.scalars(
            _unit_receipts_pending(user)
            .options(joinedload(UnitReceipt.document))
            .order_by(UnitReceipt.delivered_at, UnitReceipt.id)
        )
    )


def count_unit_receipts_pending(session: Session, user: User) -> int:
    statement = _unit_receipts_pending(user).subquery()
    return session.scalar(sa.select(sa.func.count()).select_from(statement)) or 0


def notifications_for(session: Session, user: User) -> list[Notification]:
    return list(
        session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc())
            .limit(20)
        )
    )
