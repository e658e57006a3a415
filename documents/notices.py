"""How a notification names a document, and who may still see the documents notifications point to.

Every notification about a document carries its number (or "not yet numbered", see
`accounts.notification_subjects.localized_params`) and its subject cut short; a confidential
subject stays out of notifications, which also leave VanThu as letters.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from accounts.notification_subjects import clear, shorten
from documents import access
from documents.models import Assignment, Document

#: The ``subject_kind`` of a notification about a document.
KIND = "document"
#: The ``subject_kind`` of a deadline reminder: an assignment (giao xử lý) of a document.
ASSIGNMENT = "assignment"
#: What a deadline reminder asks for; done when the assignment is, moot when recalled.
HANDLE = "handle"


def about(document: Document) -> dict[str, str]:
    """The parameters naming ``document``: ``number`` and ``subject``."""
    from documents.registers import MASKED_SUBJECT  # registers imports the flows that notify

    return {
        "number": document.number_symbol or "",
        "subject": MASKED_SUBJECT if document.is_confidential else shorten(document.subject),
    }


def subject(document: Document) -> tuple[str, int]:
    return (KIND, document.id)


def handled(session: Session, assignment_ids: Collection[int]) -> None:
    """Nobody is asked any more to handle these assignments: done, or their document recalled."""
    for assignment_id in assignment_ids:
        clear(session, ASSIGNMENT, assignment_id, [HANDLE])


def recalled(session: Session, document: Document) -> None:
    """Nobody is asked any more to handle a recalled document."""
    statement = sa.select(Assignment.id).where(Assignment.document_id == document.id)
    handled(session, session.scalars(statement).all())


def link(document: Document) -> str:
    return f"/documents/{document.id}"


def visible(session: Session, user: User, ids: Collection[int]) -> set[int]:
    """The documents among ``ids`` that ``user`` may still see."""
    return set(
        session.scalars(
            sa.select(Document.id).where(Document.id.in_(list(ids)), access.visible_to(user))
        )
    )


def visible_assignments(session: Session, user: User, ids: Collection[int]) -> set[int]:
    """The assignments among ``ids`` whose document ``user`` may still see."""
    return set(
        session.scalars(
            sa.select(Assignment.id)
            .join(Document, Document.id == Assignment.document_id)
            .where(Assignment.id.in_(list(ids)), access.visible_to(user))
        )
    )
