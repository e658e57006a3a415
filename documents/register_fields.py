"""The clerk fills in what only the registers and Annex VI need: copies, file copy, hồ sơ, notes.

The issuing unit's clerks keep these for their documents (and the registering unit's clerks for
documents from outside); a receiving unit's clerks keep the note of their own incoming register.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import Role, User
from audit import record_event
from core.errors import N_
from documents import errors, metadata
from documents.models import Direction, Document, UnitReceipt

#: Languages a document may be written in (Annex VI "Language"), as ISO 639-1 codes.
LANGUAGES = ("vi", "en", "fr", "zh", "ru", "lo", "km")


@dataclass
class RegisterFields:
    file_copy_unit: str = ""
    issued_amount: int | None = None
    sent_on: date | None = None
    register_note: str = ""
    file_catalog: int | None = None
    file_notation: str = ""
    doc_ordinal: int | None = None
    language: str = "vi"
    page_amount: int | None = None
    issuer_organ_id: str = ""
    addressees: list[str] = field(default_factory=list)


def keeps_document_fields(user: User, document: Document) -> bool:
    """The clerks of the unit whose register holds the document as its own."""
    return user.has_role(Role.CLERK) and user.unit_id == document.unit_id


def own_receipt(session: Session, user: User, document: Document) -> UnitReceipt | None:
    """The acknowledged receipt of ``document`` in ``user``'s unit, if they are its clerk."""
    if not user.has_role(Role.CLERK):
        return None
    return session.scalar(
        sa.select(UnitReceipt).where(
            UnitReceipt.document_id == document.id,
            UnitReceipt.unit_id == user.unit_id,
            UnitReceipt.incoming_number.is_not(None),
        )
    )


def save(session: Session, actor: User, document: Document, data: RegisterFields) -> list[str]:
    """Store the register fields the actor keeps; returns the names of what changed."""
    receipt = own_receipt(session, actor, document)
    keeper = keeps_document_fields(actor, document)
    if not keeper and receipt is None:
        raise errors.NotAllowed(
            N_("Only the clerks of a unit whose register holds this document can fill it in."),
            document=document.id,
        )
    note = " ".join(data.register_note.split())
    if len(note) > 500:
        raise errors.InvalidDocument(N_("A note has at most 500 characters."))
    changed: list[str] = []
    # The outgoing register's note is the document's; an incoming register's, the receipt's.
    outgoing_keeper = keeper and document.direction is Direction.OUTGOING
    if receipt is not None and not outgoing_keeper and receipt.register_note != note:
        receipt.register_note = note
        changed.append("receipt_note")
    if keeper:
        changed += _save_document_fields(session, document, data, note)
        if document.identifier is None and metadata.assign_identifier(document):
            changed.append("identifier")
    if changed:
        session.flush()
        record_event(
            session,
            "documents:register:fields",
            actor=actor,
            subject={"document": document.id},
            details={"changed": sorted(changed)},
        )
    return changed


def _save_document_fields(
    session: Session, document: Document, data: RegisterFields, note: str
) -> list[str]:
    for number in (data.issued_amount, data.page_amount, data.file_catalog, data.doc_ordinal):
        if number is not None and not 0 < number < 1_000_000:
            raise errors.InvalidDocument(N_("Counts and ordinals are whole numbers from 1."))
    if data.language not in LANGUAGES:
        raise errors.InvalidDocument(N_("Choose the document's language from the list."))
    notation = " ".join(data.file_notation.split())
    copy_unit = " ".join(data.file_copy_unit.split())
    if len(notation) > 64 or len(copy_unit) > 255:
        raise errors.InvalidDocument(N_("A file notation or file-copy holder is too long."))
    issuer_organ_id = metadata.clean_organ_id(data.issuer_organ_id)
    values = {
        "file_copy_unit": copy_unit,
        "issued_amount": data.issued_amount,
        "sent_on": data.sent_on,
        "file_catalog": data.file_catalog,
        "file_notation": notation,
        "doc_ordinal": data.doc_ordinal,
        "language": data.language,
        "page_amount": data.page_amount,
    }
    if document.direction is Direction.INCOMING:
        values["issuer_organ_id"] = issuer_organ_id
    else:
        values["register_note"] = note
    before = [(a.organ_id, a.organ_name) for a in document.addressees]
    metadata.replace_addressees(session, document, data.addressees)  # validates first
    changed = [name for name, value in values.items() if getattr(document, name) != value]
    for name in changed:
        setattr(document, name, values[name])
    if [(a.organ_id, a.organ_name) for a in document.addressees] != before:
        changed.append("addressees")
    return changed
