"""Full-text search: the folded search text of each document and the queries over it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from documents.access import visible_to
from documents.models import Document, DocumentVersion
from documents.textsearch import fold, fold_query, fold_tsquery


def reindex(session: Session, document: Document, body_text: str | None = None) -> None:
    """Refresh the folded search text (subject, number, file text) of one document."""
    if body_text is None and document.current_version_id is not None:
        body_text = session.scalar(
            sa.select(DocumentVersion.text).where(DocumentVersion.id == document.current_version_id)
        )
    parts = [document.number_symbol or "", document.issuer_name, document.subject, body_text or ""]
    document.search_text = fold(" ".join(p for p in parts if p))
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            sa.text("DELETE FROM document_search WHERE rowid = :id"), {"id": document.id}
        )
        session.execute(
            sa.text("INSERT INTO document_search (rowid, body) VALUES (:id, :body)"),
            {"id": document.id, "body": document.search_text},
        )


def search(session: Session, user: User, query: str, limit: int = 50) -> list[Document]:
    """Documents matching every word of ``query`` (without diacritics) that ``user`` may open."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        match = fold_query(query)
        if not match:
            return []
        hits: sa.Select[Any] = (
            sa.select(sa.literal_column("rowid"))
            .select_from(sa.text("document_search"))
            .where(sa.text("document_search MATCH :q"))
        )
        condition = Document.id.in_(hits)
        params = {"q": match}
    else:
        tsquery = fold_tsquery(query)
        if not tsquery:
            return []
        condition = sa.func.to_tsvector(
            sa.literal_column("'simple'::regconfig"), Document.search_text
        ).op("@@")(sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), sa.bindparam("q")))
        params = {"q": tsquery}
    statement = (
        sa.select(Document)
        .where(condition, visible_to(user))
        .order_by(Document.created_at.desc())
        .limit(limit)
    )
    return list(session.scalars(statement, params))
