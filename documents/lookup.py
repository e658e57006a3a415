"""Find a document the way people name it: by its number/symbol ("04/UBND-VP"), or its id.

One rule for every page that asks for a document (the auditor's pages, the audit log's filter),
so that nobody has to know the internal id.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from documents.access import visible_to
from documents.models import Document

#: More matches than this are not listed (a number/symbol repeats once a year at most per book).
LIMIT = 50


def normalised(text: str) -> str:
    """Spaces collapsed and removed around the slash and dashes, as symbols are written."""
    text = " ".join(text.split())
    for mark in ("/", "-"):
        text = mark.join(part.strip() for part in text.split(mark))
    return text


def document_ids(session: Session, text: str) -> list[int]:
    """The ids a text names: itself when it is digits, else every document with that number/symbol
    (several years or units may share one), newest first."""
    wanted = normalised(text)
    if not wanted:
        return []
    if wanted.isdigit():
        return [int(wanted)] if len(wanted) <= 15 else []
    return list(
        session.scalars(
            sa.select(Document.id)
            .where(Document.number_symbol.in_({wanted, wanted.upper()}))
            .order_by(Document.id.desc())
            .limit(LIMIT)
        )
    )


def visible_matches(session: Session, user: User, text: str) -> list[Document]:
    """The documents ``text`` names that ``user`` may see, newest first."""
    ids = document_ids(session, text)
    if not ids:
        return []
    return list(
        session.scalars(
            sa.select(Document)
            .where(Document.id.in_(ids), visible_to(user))
            .order_by(Document.id.desc())
        )
    )
