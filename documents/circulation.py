"""Circulation: the issuer sends a document to units and people, or recalls it (thu hồi)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from accounts import notifications
from accounts.models import Unit, User
from audit import record_event
from core.db import dialect_insert, utcnow
from core.errors import N_
from documents import errors, notices
from documents.models import (
    Circulation,
    CirculationRecipient,
    Delivery,
    Direction,
    Document,
    Status,
    UnitReceipt,
)


@dataclass(frozen=True)
class CirculationResult:
    circulation: Circulation
    delivered: int
    units: int


def circulate(
    session: Session,
    actor: User,
    document: Document,
    *,
    unit_ids: Iterable[int] = (),
    user_ids: Iterable[int] = (),
    message: str = "",
) -> CirculationResult:
    """Send the current version to units (all their active members) and to named people.

    Each person gets one inbox entry per document however often it is sent; each unit gets a
    receipt its clerk acknowledges. Confidential documents go to named people only.
    """
    if document.status is not Status.ISSUED:
        raise errors.NotSealed.unsigned()
    if document.direction is Direction.OUTGOING and not document.is_sealed:
        raise errors.NotSealed.unsigned()
    if document.current_version_id is None:
        raise errors.WrongState(N_("Upload the document's file before sending it."))
    units, users = set(unit_ids), set(user_ids)
    if not units and not users:
        raise errors.RecipientNotFound(N_("Choose at least one unit or person to send to."))
    if units and document.is_confidential:
        raise errors.InvalidDocument(
            N_("A confidential document can only be sent to named people, not to units.")
        )
    found_units = set(session.scalars(sa.select(Unit.id).where(Unit.id.in_(units))))
    found_users = set(session.scalars(sa.select(User.id).where(User.id.in_(users), User.active)))
    if found_units != units or found_users != users:
        raise errors.RecipientNotFound(N_("Some of the chosen recipients do not exist."))

    members = (
        session.execute(
            sa.select(User.id, User.unit_id).where(User.unit_id.in_(units), User.active)
        ).all()
        if units
        else []
    )
    recipients: dict[int, int | None] = dict.fromkeys(users)
    for uid, unit_id in members:
        recipients.setdefault(uid, unit_id)
    circulation = deliver(session, document, actor, recipients, message.strip()[:1000])
    record_recipients(session, circulation, recipients, units)
    now = circulation.sent_at
    if units:
        session.execute(
            dialect_insert(session, UnitReceipt).on_conflict_do_nothing(
                index_elements=["document_id", "unit_id"]
            ),
            [
                {
                    "document_id": document.id,
                    "unit_id": uid,
                    "circulation_id": circulation.id,
                    "delivered_at": now,
                }
                for uid in sorted(units)
            ],
        )
    record_event(
        session,
        "documents:document:circulate",
        actor=actor,
        subject={"document": document.id, "circulation": circulation.id},
        details={"units": sorted(units), "people": sorted(users), "delivered": len(recipients)},
    )
    return CirculationResult(circulation, len(recipients), len(units))


def deliver(
    session: Session,
    document: Document,
    actor: User,
    recipients: Mapping[int, int | None],
    message: str,
) -> Circulation:
    """Put the current version in each person's inbox once, as one circulation.

    ``recipients`` maps a user id to the unit through which they received it (None if named).
    """
    circulation = Circulation(
        document_id=document.id,
        version_id=document.current_version_id,
        sent_by_id=actor.id,
        message=message,
        sent_at=utcnow(),
    )
    session.add(circulation)
    session.flush()
    if recipients:
        session.execute(
            dialect_insert(session, Delivery).on_conflict_do_nothing(
                index_elements=["document_id", "user_id"]
            ),
            [
                {
                    "document_id": document.id,
                    "user_id": uid,
                    "via_unit_id": via_unit,
                    "circulation_id": circulation.id,
                    "delivered_at": circulation.sent_at,
                }
                for uid, via_unit in sorted(recipients.items())
            ],
        )
    return circulation


def record_recipients(
    session: Session, circulation: Circulation, users: Iterable[int], units: Iterable[int]
) -> None:
    """Remember who was sent this very version: the access rule lets them open it, and no other."""
    base = {
        "circulation_id": circulation.id,
        "document_id": circulation.document_id,
        "version_id": circulation.version_id,
    }
    for column, ids in (("user_id", sorted(users)), ("unit_id", sorted(units))):
        if ids:
            session.execute(
                dialect_insert(session, CirculationRecipient).on_conflict_do_nothing(
                    index_elements=["version_id", column]
                ),
                [{**base, column: value} for value in ids],
            )


def recall(session: Session, actor: User, document: Document, reason: str) -> int:
    """Freeze a sent document (thu hồi) and notify everyone who received it."""
    reason = " ".join(reason.split())
    if not reason:
        raise errors.InvalidDocument(N_("Say why the document is recalled."))
    refuse_if_recalled(document)
    if document.status is not Status.ISSUED:
        raise errors.WrongState(N_("Only an issued document can be recalled."))
    document.status = Status.RECALLED
    document.recalled_at = utcnow()
    document.recall_reason = reason[:500]
    notices.recalled(session, document)
    recipients = list(
        session.scalars(
            sa.select(User)
            .join(Delivery, Delivery.user_id == User.id)
            .where(Delivery.document_id == document.id)
            .order_by(User.id)
        )
    )
    notifications.notify(
        session,
        recipients,
        "recalled",
        N_("Recalled by its issuer: %(number)s"),
        N_("Subject: %(subject)s. Reason: %(reason)s"),
        notices.link(document),
        email=False,
        params={**notices.about(document), "reason": document.recall_reason},
        actor=actor,
        subject=notices.subject(document),
    )
    record_event(
        session,
        "documents:document:recall",
        actor=actor,
        subject={"document": document.id},
        details={"notified": len(recipients)},
    )
    return len(recipients)


def refuse_if_recalled(document: Document) -> None:
    if document.status is Status.RECALLED:
        raise errors.DocumentRecalled.frozen()


def recipients_choice(session: Session) -> tuple[list[Unit], list[User]]:
    units = list(session.scalars(sa.select(Unit).order_by(Unit.name)))
    users = list(
        session.scalars(
            sa.select(User)
            .where(User.active)
            .order_by(User.full_name)
            .options(selectinload(User.role_rows))
        )
    )
    return units, users
