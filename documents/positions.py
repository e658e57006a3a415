"""Reading positions: the page each person reached in each exact version, to reopen it there.

Only someone who may open a version may store or read their position in it (`access.get_version`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import User
from core.db import utcnow
from core.errors import N_
from documents import access, errors
from documents.circulation import refuse_if_recalled
from documents.models import DocumentVersion, ReadingPosition

#: Far beyond any document an office reads; a larger number is a broken or forged request.
MAX_PAGE = 100_000


def remembered_page(session: Session, user: User, document_id: int, number: int) -> int | None:
    """The page ``user`` last reached in this version, or None if they never turned one."""
    version = _readable(session, user, document_id, number)
    page: int | None = session.scalar(
        sa.select(ReadingPosition.page).where(
            ReadingPosition.version_id == version.id, ReadingPosition.user_id == user.id
        )
    )
    return page


def remember_page(session: Session, user: User, document_id: int, number: int, page: object) -> int:
    """Store ``page`` as where ``user`` is in this version (the last one sent wins)."""
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= MAX_PAGE:
        raise errors.BadPage(
            N_("The page must be a whole number from 1 to %(max_page)d."), max_page=MAX_PAGE
        )
    version = _readable(session, user, document_id, number)
    upsert = _position_upsert(session.get_bind().dialect.name)
    session.execute(
        upsert, {"version_id": version.id, "user_id": user.id, "page": page, "now": utcnow()}
    )
    return page


def _readable(session: Session, user: User, document_id: int, number: int) -> DocumentVersion:
    """The version, if ``user`` may open it now: the rule, and never a recalled document."""
    document, version = access.get_version(session, user, document_id, number)
    refuse_if_recalled(document)
    return version


@cache
def _position_upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE: two tabs turning pages at once both succeed."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    first = insert(ReadingPosition).values(
        version_id=sa.bindparam("version_id"),
        user_id=sa.bindparam("user_id"),
        page=sa.bindparam("page"),
        updated_at=sa.bindparam("now"),
    )
    return first.on_conflict_do_update(
        index_elements=["version_id", "user_id"],
        set_={"page": first.excluded.page, "updated_at": first.excluded.updated_at},
    )
