"""The processing trail of a document (Annex VI TraceHeaderList), read from what VanThu recorded.

Each step names a unit and a time: the issuer sending it, each unit it reached, registering it,
returning it, giving it to someone for handling. No person is named: the trail leaves the unit.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import Unit
from documents.assignment_models import Assignment
from documents.models import Circulation, Document, ReceiptReturn, UnitReceipt


class TraceAction(enum.StrEnum):
    """In the order steps happening at the same moment are listed."""

    SENT = "sent"
    DELIVERED = "delivered"
    RETURNED = "returned"
    REGISTERED = "registered"
    ASSIGNED = "assigned"


_RANK = {action: n for n, action in enumerate(TraceAction)}


@dataclass(frozen=True)
class TraceHeader:
    unit_id: int
    organ_name: str
    action: TraceAction
    at: datetime
    organ_id: str | None = None


def trails(
    session: Session,
    document_ids: Iterable[int],
    organ_id_of: Callable[[Unit], str | None],
) -> dict[int, list[TraceHeader]]:
    """Each document's steps, oldest first, in six statements however many documents;
    ``organ_id_of`` names each unit's organisation (metadata's rule)."""
    ids = sorted(set(document_ids))
    steps: dict[int, list[TraceHeader]] = {}
    if not ids:
        return steps
    sources: list[tuple[TraceAction, sa.Executable]] = [
        (
            TraceAction.SENT,
            sa.select(Circulation.document_id, Document.unit_id, Circulation.sent_at)
            .join(Document, Document.id == Circulation.document_id)
            .where(Circulation.document_id.in_(ids)),
        ),
        (
            TraceAction.DELIVERED,
            sa.select(UnitReceipt.document_id, UnitReceipt.unit_id, UnitReceipt.delivered_at)
            .where(UnitReceipt.document_id.in_(ids), UnitReceipt.circulation_id.is_not(None)),
        ),
        (
            TraceAction.REGISTERED,
            sa.select(UnitReceipt.document_id, UnitReceipt.unit_id, UnitReceipt.acknowledged_at)
            .where(UnitReceipt.document_id.in_(ids), UnitReceipt.acknowledged_at.is_not(None)),
        ),
        (
            TraceAction.RETURNED,
            sa.select(ReceiptReturn.document_id, ReceiptReturn.unit_id, ReceiptReturn.returned_at)
            .where(ReceiptReturn.document_id.in_(ids)),
        ),
        (
            TraceAction.ASSIGNED,
            sa.select(Assignment.document_id, Assignment.unit_id, Assignment.assigned_at)
            .where(Assignment.document_id.in_(ids)),
        ),
    ]  # fmt: skip
    found: list[tuple[int, int, TraceAction, datetime]] = []
    for action, statement in sources:
        for document_id, unit_id, at in session.execute(statement):
            if at is not None:
                found.append((document_id, unit_id, action, at))
    units = _units(session, {unit_id for _, unit_id, _, _ in found})
    for document_id, unit_id, action, at in found:
        unit = units[unit_id]
        steps.setdefault(document_id, []).append(
            TraceHeader(unit_id, unit.name, action, at, organ_id_of(unit))
        )
    for trail in steps.values():
        trail.sort(key=lambda s: (s.at, _RANK[s.action], s.organ_name, s.unit_id))
    return steps


def _units(session: Session, ids: set[int]) -> dict[int, Unit]:
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(sa.select(Unit).where(Unit.id.in_(ids)))}
