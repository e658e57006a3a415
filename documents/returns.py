"""Returning a received document to its sender (Decree 30, Art. 21), and sending it again.

The receiving unit's clerk checks a document before registering it; one that fails (not
authentic, incomplete, sent to the wrong unit) goes back to its sender with the reason instead
of getting an incoming number. The return is the unit's: other recipient units are unaffected.
The sender corrects it as a new version (signed and sealed again) and sends that version to the
unit, whose receipt is then bound to it; the return stays on record, linked to the re-sending.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from accounts import notifications
from accounts.models import Role, Unit, User
from audit import record_event
from core.errors import N_
from core.storage import StagedBlobs
from documents import drafting, errors, notices
from documents.access import can_manage
from documents.circulation import deliver, record_recipients, refuse_if_recalled
from documents.drafting import MAIN_FILE_KINDS
from documents.extract import extract_text
from documents.files import inspect_upload
from documents.models import (
    Circulation,
    CirculationRecipient,
    Delivery,
    Direction,
    Document,
    DocumentVersion,
    ReceiptReturn,
    Status,
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
        document_id=document.id,
        unit_id=actor.unit_id,
        version_id=session.scalar(
            sa.select(Circulation.version_id).where(Circulation.id == receipt.circulation_id)
        ),
        returned_by_id=actor.id,
        reason=reason,
    )
    session.add(returned)
    session.flush()
    senders = _senders(session, document, actor.unit_id)
    notifications.notify(
        session,
        senders,
        "document_returned",
        N_("%(unit)s returned %(number)s"),
        N_("%(subject)s: returned to its sender instead of being registered. Reason: %(reason)s"),
        notices.link(document),
        email=email,
        params={"unit": actor.unit.name, "reason": reason, **notices.about(document)},
        actor=actor,
        site_url=site_url,
        subject=notices.subject(document),
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
    """SQL: the unit returned the document and has not been sent a corrected version since
    (either may be a column or a value)."""
    return sa.exists().where(
        ReceiptReturn.document_id == document_id,
        ReceiptReturn.unit_id == unit_id,
        ReceiptReturn.resent_circulation_id.is_(None),
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


# --- correcting and sending again ----------------------------------------------------------------


def open_returns(session: Session, document: Document) -> list[ReceiptReturn]:
    """The returns of the document not yet answered by sending a corrected version."""
    return [r for r in returns_of(session, document) if r.resent_circulation_id is None]


def awaiting_signature(session: Session, document: Document) -> bool:
    """An issued document some unit returned, whose corrected version is not sealed yet: it
    goes through signing again (signing.flow lets it be submitted, signing.sealing seals it)."""
    return (
        document.direction is Direction.OUTGOING
        and document.status is Status.ISSUED
        and document.current_version_id != document.sealed_version_id
        and bool(open_returns(session, document))
    )


def _refuse_unless_sender(actor: User, document: Document) -> None:
    if not (actor.has_role(Role.CLERK) and can_manage(actor, document)):
        raise errors.NotAllowed(
            N_("Only a clerk of the issuing unit corrects and sends a returned document again."),
            document=document.id,
        )


def correct(
    session: Session,
    staged: StagedBlobs,
    actor: User,
    document: Document,
    data: bytes,
    file_name: str,
    settings: drafting.Settings,
) -> DocumentVersion:
    """The corrected file of a returned document, as its new version; it still shows the number,
    and it is signed and sealed again before it can be sent (the returned version stays as it
    was, with its signatures). Nothing is committed here."""
    _refuse_unless_sender(actor, document)
    refuse_if_recalled(document)
    if document.status is not Status.ISSUED or not open_returns(session, document):
        raise errors.WrongState(
            N_("Only a document a unit returned can be corrected as a new version.")
        )
    inspected = inspect_upload(data, file_name, settings.max_upload_bytes)
    if inspected.kind not in MAIN_FILE_KINDS:
        raise errors.WrongFileKind(N_("The document itself must be a PDF or a Word (DOCX) file."))
    text = extract_text(data, inspected.kind)
    number = document.number_symbol or ""
    if not drafting.shows_number(text, number):
        raise errors.InvalidDocument(
            N_("The corrected file must show the document's number and symbol, %(number)s."),
            number=number,
        )
    version = drafting.add_version(
        session, staged, actor, document, data, inspected.safe_name, CORRECTION_NOTE,
        inspected, text,
    )  # fmt: skip
    record_event(
        session,
        "documents:return:correct",
        actor=actor,
        subject={"document": document.id, "version": version.number},
        details={
            "sha256": version.sha256,
            "returns": [r.id for r in open_returns(session, document)],
        },
    )
    return version


#: The note of a corrected version (Vietnamese: it is shown as written, like the template's).
CORRECTION_NOTE = "Bản sửa sau khi bị trả lại"


def seal_correction(session: Session, actor: User, document: Document, version_id: int) -> None:
    """The seal over the corrected version: it becomes the document's sealed version; the
    number and the issue date stay those the document was issued with."""
    if not awaiting_signature(session, document) or version_id != document.current_version_id:
        raise errors.NotSealed.unsigned()
    document.sealed_version_id = version_id
    record_event(
        session,
        "documents:return:sealed",
        actor=actor,
        subject={"document": document.id},
        details={"version": version_id},
    )


@dataclass(frozen=True)
class Resending:
    circulation: Circulation
    units: list[int]


def send_again(session: Session, actor: User, document: Document, unit_ids: list[int]) -> Resending:
    """Send the corrected, sealed version to units that returned the document: their receipt,
    their people's inbox entries and what they may open are bound to the new version, and each
    return is linked to this sending. Nothing is committed here."""
    _refuse_unless_sender(actor, document)
    refuse_if_recalled(document)
    wanted = set(unit_ids)
    if not wanted:
        raise errors.RecipientNotFound(N_("Choose the unit to send the corrected document to."))
    open_ = {r.unit_id: r for r in open_returns(session, document)}
    if not wanted <= open_.keys():
        raise errors.WrongState(
            N_("Only a unit that returned the document is sent its corrected version here.")
        )
    if not document.is_sealed:
        raise errors.NotSealed.unsigned()
    if any(open_[u].version_id == document.current_version_id for u in wanted):
        raise errors.WrongState(
            N_(
                "This is the version the unit returned: upload the corrected file, have it "
                "signed and sealed, then send it again."
            )
        )
    units = sorted(wanted)
    members: dict[int, int | None] = {
        user_id: unit_id
        for user_id, unit_id in session.execute(
            sa.select(User.id, User.unit_id).where(User.unit_id.in_(units), User.active)
        )
    }
    circulation = deliver(session, document, actor, members, "")
    record_recipients(session, circulation, members, units)
    now = circulation.sent_at
    # Each person has one inbox entry per document: it now points at the new version.
    session.execute(
        sa.update(Delivery)
        .where(Delivery.document_id == document.id, Delivery.user_id.in_(list(members)))
        .values(circulation_id=circulation.id, delivered_at=now)
    )
    session.execute(
        sa.update(UnitReceipt)
        .where(UnitReceipt.document_id == document.id, UnitReceipt.unit_id.in_(units))
        .values(circulation_id=circulation.id, delivered_at=now)
    )
    for unit_id in units:
        open_[unit_id].resent_circulation_id = circulation.id
    session.flush()
    record_event(
        session,
        "documents:return:resend",
        actor=actor,
        subject={"document": document.id, "circulation": circulation.id},
        details={
            "units": units,
            "version": circulation.version_id,
            "returns": [open_[u].id for u in units],
        },
    )
    return Resending(circulation, units)


def resendings(session: Session, returned: list[ReceiptReturn]) -> dict[int, Circulation]:
    """The circulations that answered these returns, by id (one query)."""
    ids = {r.resent_circulation_id for r in returned if r.resent_circulation_id is not None}
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(sa.select(Circulation).where(Circulation.id.in_(ids)))}


@dataclass(frozen=True)
class ReturnMark:
    """A return as the registers' notes show it, with the re-sending that answered it."""

    id: int
    unit_id: int
    unit_name: str
    returned_at: datetime
    reason: str
    version: int
    resent_version: int | None = None
    resent_at: datetime | None = None


def register_marks(
    session: Session, documents: Iterable[Document | None]
) -> dict[int, list[ReturnMark]]:
    """The returns of the listed documents and their re-sendings, oldest first: one query."""
    ids = sorted({d.id for d in documents if d is not None})
    marks: dict[int, list[ReturnMark]] = {}
    if not ids:
        return marks
    returned, resent = aliased(DocumentVersion), aliased(DocumentVersion)
    rows = session.execute(
        sa.select(ReceiptReturn, Unit.name, returned.number, resent.number, Circulation.sent_at)
        .join(Unit, Unit.id == ReceiptReturn.unit_id)
        .join(returned, returned.id == ReceiptReturn.version_id)
        .outerjoin(Circulation, Circulation.id == ReceiptReturn.resent_circulation_id)
        .outerjoin(resent, resent.id == Circulation.version_id)
        .where(ReceiptReturn.document_id.in_(ids))
        .order_by(ReceiptReturn.document_id, ReceiptReturn.returned_at, ReceiptReturn.id)
    )
    for row, unit_name, version, resent_version, resent_at in rows:
        marks.setdefault(row.document_id, []).append(
            ReturnMark(
                row.id,
                row.unit_id,
                unit_name,
                row.returned_at,
                row.reason,
                version,
                resent_version,
                resent_at,
            )
        )
    return marks
