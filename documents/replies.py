"""Replies: an outgoing document answering an incoming one (văn bản trả lời).

The link is made by whoever manages the reply (its drafter or its unit's clerks), to a document
their unit received; both pages show it, and the incoming register's "reply's number" column
reads it through `reply_of`.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from audit import record_event
from core.errors import N_
from documents import access, errors
from documents.circulation import refuse_if_recalled
from documents.models import Direction, Document, DocumentReply, Status, UnitReceipt

#: How many received documents the page offers to link a reply to.
CHOICES = 200


def link(session: Session, actor: User, reply: Document, answered_id: int) -> DocumentReply:
    """Record that ``reply`` (outgoing) answers the document ``answered_id`` (received by the
    reply's unit). Nothing is committed here."""
    access.check(session, actor, reply, manage=True)
    refuse_if_recalled(reply)
    if reply.direction is not Direction.OUTGOING:
        raise errors.InvalidDocument(N_("Only a document drafted here can be a reply."))
    answered = session.get(Document, answered_id)
    if answered is None or answered.id == reply.id:
        raise errors.DocumentNotFound(N_("The document it answers does not exist."))
    access.check(session, actor, answered)
    if not _received_by(session, answered, reply.unit_id):
        raise errors.InvalidDocument(
            N_("A reply can only answer a document its unit received."), document=answered.id
        )
    exists = sa.exists().where(
        DocumentReply.reply_id == reply.id, DocumentReply.answered_id == answered.id
    )
    if session.scalar(sa.select(exists)):
        raise errors.WrongState(N_("This reply is already linked to that document."))
    row = DocumentReply(reply_id=reply.id, answered_id=answered.id, linked_by_id=actor.id)
    session.add(row)
    session.flush()
    record_event(
        session,
        "documents:reply:link",
        actor=actor,
        subject={"document": reply.id, "answers": answered.id},
    )
    return row


def _received(unit_id: int) -> sa.ColumnElement[bool]:
    """SQL: the row's `Document` was received by the unit (registered, or sent and accepted)."""
    return sa.or_(
        sa.and_(Document.direction == Direction.INCOMING, Document.unit_id == unit_id),
        sa.exists().where(
            UnitReceipt.document_id == Document.id,
            UnitReceipt.unit_id == unit_id,
            UnitReceipt.acknowledged_at.is_not(None),
        ),
    )


def _received_by(session: Session, document: Document, unit_id: int) -> bool:
    return bool(session.scalar(sa.select(_received(unit_id)).where(Document.id == document.id)))


def answerable(session: Session, user: User) -> list[Document]:
    """The documents the user's unit received that a reply may answer, newest first."""
    return list(
        session.scalars(
            sa.select(Document)
            .where(_received(user.unit_id), access.visible_to(user))
            .order_by(Document.created_at.desc(), Document.id.desc())
            .limit(CHOICES)
        )
    )


def _replies(
    answered_ids: Iterable[int], viewer: User | None, unit_id: int | None = None
) -> sa.Select[int, Document]:
    """Replies to the given documents (from ``unit_id``, if given), the issued ones first, then
    oldest first."""
    statement = (
        sa.select(DocumentReply.answered_id, Document)
        .join(Document, Document.id == DocumentReply.reply_id)
        .where(DocumentReply.answered_id.in_(list(answered_ids)))
        .order_by(
            DocumentReply.answered_id,
            sa.case((Document.status == Status.ISSUED, 0), else_=1),
            Document.id,
        )
    )
    if viewer is not None:
        statement = statement.where(access.visible_to(viewer))
    if unit_id is not None:
        statement = statement.where(Document.unit_id == unit_id)
    return statement


def replies_to(
    session: Session, answered: Document, *, viewer: User | None = None
) -> list[Document]:
    """Every reply to ``answered`` (the ones ``viewer`` may see, if given)."""
    return [d for _, d in session.execute(_replies([answered.id], viewer))]


def reply_of(
    session: Session,
    incoming_document: Document,
    *,
    viewer: User | None = None,
    unit_id: int | None = None,
) -> Document | None:
    """The reply to ``incoming_document`` for a unit's incoming register: an issued one if
    there is one, else the earliest; None when nothing answers it (or nothing ``viewer`` may
    see).

    A document several units received may be answered by each: give the register's
    ``unit_id``. A document registered from outside has one receiving unit, the default then.
    """
    unit_id = _receiving_unit(incoming_document, unit_id)
    row = session.execute(_replies([incoming_document.id], viewer, unit_id).limit(1)).first()
    return row[1] if row else None


def _receiving_unit(document: Document, unit_id: int | None) -> int | None:
    if unit_id is None and document.direction is Direction.INCOMING:
        return document.unit_id
    return unit_id


def replies_of(
    session: Session,
    answered_ids: Iterable[int],
    *,
    viewer: User | None = None,
    unit_id: int | None = None,
) -> dict[int, Document]:
    """`reply_of` for many documents in one query, {answered id: reply}: for a register, give
    its ``unit_id``."""
    found: dict[int, Document] = {}
    ids = list(answered_ids)
    if not ids:
        return found
    for answered_id, reply in session.execute(_replies(ids, viewer, unit_id)):
        found.setdefault(answered_id, reply)
    return found


def answered_by(session: Session, reply: Document, *, viewer: User | None = None) -> list[Document]:
    """The documents ``reply`` answers (the ones ``viewer`` may see, if given), oldest first."""
    statement = (
        sa.select(Document)
        .join(DocumentReply, DocumentReply.answered_id == Document.id)
        .where(DocumentReply.reply_id == reply.id)
        .order_by(Document.id)
    )
    if viewer is not None:
        statement = statement.where(access.visible_to(viewer))
    return list(session.scalars(statement))
