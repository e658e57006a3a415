"""Confirming a recall (thu hồi): each recipient unit tells the sender it deleted or froze it.

The issuer recalls a document (`circulation.recall`); VanThu freezes it at once, and each unit
it was sent to confirms back through its clerk (Decree 30: the recipient deletes the recalled
document and notifies the sender). Both registers show the recall and who has confirmed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts import notifications
from accounts.models import Role, Unit, User
from audit import record_event
from core.errors import N_
from documents import errors, notices
from documents.models import Document, RecallConfirmation, Status, UnitReceipt


def confirm(
    session: Session,
    actor: User,
    document: Document,
    *,
    email: bool = False,
    site_url: str | None = None,
) -> RecallConfirmation:
    """A clerk of a unit the recalled document was sent to confirms it deleted or froze it;
    the issuing unit's clerks are notified. Nothing is committed here."""
    if not actor.has_role(Role.CLERK) or not _sent_to(session, document, actor.unit_id):
        raise errors.NotAllowed(
            N_("Only the clerks of a unit this document was sent to can confirm its recall."),
            document=document.id,
        )
    if document.status is not Status.RECALLED:
        raise errors.WrongState(N_("This document has not been recalled."))
    if session.scalar(
        sa.select(
            sa.exists().where(
                RecallConfirmation.document_id == document.id,
                RecallConfirmation.unit_id == actor.unit_id,
            )
        )
    ):
        raise errors.WrongState(N_("Your unit already confirmed this recall."))
    confirmation = RecallConfirmation(
        document_id=document.id, unit_id=actor.unit_id, confirmed_by_id=actor.id
    )
    session.add(confirmation)
    session.flush()
    senders = list(
        session.scalars(
            sa.select(User)
            .where(
                User.active,
                User.unit_id == document.unit_id,
                User.role_rows.any(role=Role.CLERK),
            )
            .order_by(User.id)
        )
    )
    notifications.notify(
        session,
        senders,
        "recall_confirmed",
        N_("%(unit)s confirmed the recall of %(number)s"),
        N_("%(subject)s: the unit deleted or froze the recalled document."),
        notices.link(document),
        email=email,
        params={"unit": actor.unit.name, **notices.about(document)},
        actor=actor,
        site_url=site_url,
        subject=notices.subject(document),
    )
    record_event(
        session,
        "documents:recall:confirm",
        actor=actor,
        subject={"document": document.id, "unit": actor.unit_id},
        details={"notified": sorted(u.id for u in senders)},
    )
    return confirmation


def _sent_to(session: Session, document: Document, unit_id: int) -> bool:
    return bool(
        session.scalar(
            sa.select(
                sa.exists().where(
                    UnitReceipt.document_id == document.id,
                    UnitReceipt.unit_id == unit_id,
                    UnitReceipt.circulation_id.is_not(None),
                )
            )
        )
    )


@dataclass(frozen=True)
class UnitRecall:
    """One recipient unit of a recalled document, and its confirmation if it gave one."""

    unit: Unit
    confirmation: RecallConfirmation | None

    @property
    def confirmed(self) -> bool:
        return self.confirmation is not None


def recall_status(session: Session, document: Document) -> list[UnitRecall]:
    """Every unit the document was sent to, by name, with its confirmation (or None)."""
    rows = session.execute(
        sa.select(Unit, RecallConfirmation)
        .join(UnitReceipt, UnitReceipt.unit_id == Unit.id)
        .outerjoin(
            RecallConfirmation,
            sa.and_(
                RecallConfirmation.document_id == UnitReceipt.document_id,
                RecallConfirmation.unit_id == Unit.id,
            ),
        )
        .where(UnitReceipt.document_id == document.id, UnitReceipt.circulation_id.is_not(None))
        .order_by(Unit.name, Unit.id)
    )
    return [UnitRecall(unit, confirmation) for unit, confirmation in rows]


@dataclass
class RecallMark:
    """What a register line says about a recalled document."""

    recalled_at: datetime | None
    reason: str
    confirmed: list[RecallConfirmation] = field(default_factory=list)
    waiting_units: list[Unit] = field(default_factory=list)

    @property
    def confirmed_units(self) -> list[Unit]:
        return [c.unit for c in self.confirmed]


def register_marks(session: Session, documents: Iterable[Document | None]) -> dict[int, RecallMark]:
    """For the recalled documents among ``documents``: who confirmed and who has not yet.

    One query for any number of lines (none when nothing listed was recalled).
    """
    marks = {
        d.id: RecallMark(d.recalled_at, d.recall_reason or "")
        for d in documents
        if d is not None and d.status is Status.RECALLED
    }
    if not marks:
        return marks
    rows = session.execute(
        sa.select(UnitReceipt.document_id, Unit, RecallConfirmation)
        .join(Unit, Unit.id == UnitReceipt.unit_id)
        .outerjoin(
            RecallConfirmation,
            sa.and_(
                RecallConfirmation.document_id == UnitReceipt.document_id,
                RecallConfirmation.unit_id == UnitReceipt.unit_id,
            ),
        )
        .where(UnitReceipt.document_id.in_(marks), UnitReceipt.circulation_id.is_not(None))
        .order_by(UnitReceipt.document_id, Unit.name, Unit.id)
    )
    for document_id, unit, confirmation in rows:
        mark = marks[document_id]
        if confirmation is None:
            mark.waiting_units.append(unit)
        else:
            mark.confirmed.append(confirmation)
    return marks


def waiting_for(session: Session, user: User) -> list[Document]:
    """Recalled documents sent to the clerk's unit that it has not confirmed yet."""
    if not user.has_role(Role.CLERK):
        return []
    return list(
        session.scalars(
            sa.select(Document)
            .join(UnitReceipt, UnitReceipt.document_id == Document.id)
            .where(
                UnitReceipt.unit_id == user.unit_id,
                UnitReceipt.circulation_id.is_not(None),
                Document.status == Status.RECALLED,
                ~sa.exists().where(
                    RecallConfirmation.document_id == Document.id,
                    RecallConfirmation.unit_id == user.unit_id,
                ),
            )
            .order_by(Document.recalled_at, Document.id)
        )
    )
