"""Returning a received document to its sender (Decree 30, Art. 21).

The receiving unit's clerk checks a document before registering it; one that fails (not
authentic, incomplete, sent to the wrong unit) goes back to its sender with the reason instead
of getting an incoming number. The return is the unit's: other recipient units are unaffected.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts import notifications
from accounts.models import Role, User
from audit import record_event
from core.errors import N_
from documents import errors
from documents.models import (
    Circulation,
    CirculationRecipient,
    Document,
    ReceiptReturn,
    UnitReceipt,
)

REASON_LENGTH = 500


def return_to_sender(
    session: Session,
    actor: User,
    document: Document,
    reason: str,
    *,
    email: bool = False,
    site_url: str | None = None,
) -> ReceiptReturn:
    """The clerk of a unit the document was sent to returns it, before registering it.

    The people who sent it to the unit and the issuing unit's clerks are notified (in VanThu,
    and by e-mail with ``email``). Nothing is committed here.
    """
    reason = " ".join(reason.split())
    if not actor.has_role(Role.CLERK):
        raise errors.NotAllowed(N_("Only a clerk can return a document to its sender."))
    receipt = session.scalar(
        sa.select(UnitReceipt).where(
            UnitReceipt.document_id == document.id, UnitReceipt.unit_id == actor.unit_id
        )
    )
    if receipt is None or receipt.circulation_id is None:
        raise errors.NotAllowed(
            N_("Only a document sent to your unit through VanThu can be returned to its sender."),
            document=document.id,
        )
    if not reason:
        raise errors.InvalidDocument(N_("Write the reason for returning the document."))
    if len(reason) > REASON_LENGTH:
        raise errors.InvalidDocument(N_("The reason is too long (at most 500 characters)."))
    if receipt.acknowledged_at is not None:
        raise errors.WrongState(
            N_("This document is already registered by your unit; it can no longer be returned.")
        )
    if is_returned(session, document.id, actor.unit_id):
        raise errors.WrongState(N_("Your unit already returned this document."))
    returned = ReceiptReturn(
        document_id=document.id, unit_id=actor.unit_id, returned_by_id=actor.id, reason=reason
    )
    session.add(returned)
    session.flush()
    senders = _senders(session, document, actor.unit_id)
    notifications.notify(
        session,
        senders,
        "document_returned",
        N_("%(unit)s returned %(number)s"),
        N_("The document was returned to its sender instead of being registered: %(reason)s"),
        f"/documents/{document.id}",
        email=email,
        params={
            "unit": actor.unit.name,
            "number": document.number_symbol or "",
            "reason": reason,
        },
        actor=actor,
        site_url=site_url,
    )
    record_event(
        session,
        "documents:receipt:return",
        actor=actor,
        subject={"document": document.id, "unit": actor.unit_id},
        details={"reason": reason, "notified": sorted(u.id for u in senders)},
    )
    return returned


def _senders(session: Session, document: Document, unit_id: int) -> list[User]:
    """Who sent the document to the unit, and the issuing unit's clerks."""
    sent_by = (
        sa.select(Circulation.sent_by_id)
        .join(CirculationRecipient, CirculationRecipient.circulation_id == Circulation.id)
        .where(
            CirculationRecipient.document_id == document.id, CirculationRecipient.unit_id == unit_id
        )
    )
    clerks = sa.select(User.id).where(
        User.unit_id == document.unit_id, User.role_rows.any(role=Role.CLERK)
    )
    return list(
        session.scalars(
            sa.select(User)
            .where(User.active, sa.or_(User.id.in_(sent_by), User.id.in_(clerks)))
            .order_by(User.id)
        )
    )


def is_returned(session: Session, document_id: int, unit_id: int) -> bool:
    return bool(session.scalar(sa.select(returned_by_unit(document_id, unit_id))))


def returned_by_unit(document_id: object, unit_id: object) -> sa.Exists:
    """SQL: the unit returned the document (either may be a column or a value)."""
    return sa.exists().where(
        ReceiptReturn.document_id == document_id, ReceiptReturn.unit_id == unit_id
    )


def refuse_if_returned(session: Session, document: Document, unit_id: int) -> None:
    if is_returned(session, document.id, unit_id):
        raise errors.WrongState(
            N_("Your unit returned this document to its sender; it cannot be registered.")
        )


def returns_of(session: Session, document: Document) -> list[ReceiptReturn]:
    """Every unit's return of the document, oldest first."""
    return list(
        session.scalars(
            sa.select(ReceiptReturn)
            .where(ReceiptReturn.document_id == document.id)
            .order_by(ReceiptReturn.returned_at, ReceiptReturn.id)
        )
    )
