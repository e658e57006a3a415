"""Reading: every route that sends a version's bytes or text opens it here, under one rule;
each opening is a read receipt and an audit event. Also the sender's report of who read what.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, joinedload, selectinload

from accounts.models import Unit, User
from audit import commit_event, commit_event_on
from core.db import utcnow
from core.groupcommit import Write
from documents import access, errors
from documents.models import (
    Delivery,
    Document,
    DocumentVersion,
    ReadReceipt,
    Status,
    UnitReceipt,
)

T = TypeVar("T")

#: How long the pass of a reading page lets it fetch the file it embeds without counting again.
PASS_SECONDS = 300


class How(enum.StrEnum):
    """How a version was opened, as the audit event says."""

    READ = "read"  # the reading view
    FILE = "file"  # the file shown in place
    DOWNLOAD = "download"
    PRINT = "print"  # the printable copy
    BUNDLE = "bundle"  # the verification bundle, which holds the original
    ATTACHMENT = "attachment"  # an attachment, counted as an opening of the latest version
    PACK = "pack"  # a file of a meeting pack downloaded whole for offline reading


def open_version(
    session: Session,
    user: User,
    document_id: int,
    number: int,
    *,
    how: How,
    prepare: Callable[[Document, DocumentVersion], T],
    count: bool = True,
    details: dict[str, Any] | None = None,
    along: Sequence[Write] = (),
) -> T:
    """Open version ``number`` of a document for ``user``: the one gate for sending its bytes.

    Refuses what the access rule refuses (the refusal is audited), answers "gone" for a recalled
    document, then ``prepare`` makes what will be sent (reads and checks the file, renders the
    text) and only then is the opening counted, so nothing unsent is counted and nothing is sent
    uncounted. ``count=False`` is for a response that sends no new bytes (a HEAD, or a file the
    reading page already counted). ``along``: the caller's own writes about this opening,
    committed with its receipt (never without it).
    """
    document, version = access.get_version(session, user, document_id, number)
    if document.status is Status.RECALLED:
        raise errors.DocumentRecalled.frozen()
    prepared = prepare(document, version)
    if count:
        try:
            _record(session, user, document, version, how, details or {}, along)
        except BaseException:
            close = getattr(prepared, "close", None)
            if close is not None:
                close()  # an open file that will not be sent
            raise
    return prepared


def open_attachment(
    session: Session,
    user: User,
    document_id: int,
    attachment_id: int,
    *,
    prepare: Callable[[Document, DocumentVersion], T],
    count: bool = True,
) -> T:
    """Open an attachment: an opening of the latest version of the document ``user`` may open.

    Attachments travel with the document as circulated, so the receipt is that version's (the
    sender's report counts versions); the audit event says which attachment was sent.
    """
    versions = sa.select(sa.func.max(DocumentVersion.number)).where(
        DocumentVersion.document_id == document_id
    )
    opened = versions.join(Document, Document.id == DocumentVersion.document_id).where(
        access.may_open(user)
    )
    # None open to them: the latest version, refused as the rule says (or no such document).
    latest = session.scalar(
        sa.select(sa.func.coalesce(opened.scalar_subquery(), versions.scalar_subquery()))
    )
    return open_version(
        session,
        user,
        document_id,
        latest or 0,  # none: refused exactly as the document is, or "no such version"
        how=How.ATTACHMENT,
        prepare=prepare,
        count=count,
        details={"attachment": attachment_id},
    )


def _record(
    session: Session,
    user: User,
    document: Document,
    version: DocumentVersion,
    how: How,
    details: dict[str, Any],
    along: Sequence[Write] = (),
) -> None:
    opened = access.OpenedVersion.of(document, version)
    dialect = session.get_bind().dialect.name
    opening = _opening(dialect, user.id, opened, how, details)
    commit_event(session, **{**opening, "along": [*opening["along"], *along]})


def record_opening(
    engine: Engine,
    user_id: int,
    version: access.OpenedVersion,
    how: How,
    details: dict[str, Any] | None = None,
) -> None:
    """`open_version`'s recording, for the file route's fast path, which has no ORM session."""
    commit_event_on(engine, **_opening(engine.dialect.name, user_id, version, how, details or {}))


def _opening(
    dialect: str, user_id: int, version: access.OpenedVersion, how: How, details: dict[str, Any]
) -> dict[str, Any]:
    """Count one opening of one exact version by one person and audit it: the receipt and its
    event commit together, in a transaction shared with the other openings of the moment (a
    province opens its packs at once); the upsert keeps every concurrent opening counted on
    both databases."""
    receipt = {
        "document_id": version.document_id,
        "version_id": version.version_id,
        "user_id": user_id,
        "now": utcnow(),
    }
    return {
        "action": "documents:version:open",
        "actor": user_id,
        "subject": {
            "document": version.document_id,
            "version": version.number,
            "sha256": version.sha256,
        },
        "details": {"how": how.value, **details},
        "along": [(_receipt_upsert(dialect), receipt)],
    }


def _receipt_upsert(dialect: str) -> Any:
    return receipt_upsert(dialect, ReadReceipt, "document_id", "version_id")


@cache
def receipt_upsert(dialect: str, receipt: type[Any], owner: str, version: str) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE on a receipt table (``owner``, ``version``, user_id,
    first_opened_at, last_opened_at, times_opened), built once per dialect and table: it runs on
    every opening. Parameters: ``owner``, ``version``, user_id and now. The meetings' material
    receipts count their openings with it too."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    now: sa.BindParameter[Any] = sa.bindparam("now")
    first = insert(receipt).values(
        {
            owner: sa.bindparam(owner),
            version: sa.bindparam(version),
            "user_id": sa.bindparam("user_id"),
            "first_opened_at": now,
            "last_opened_at": now,
            "times_opened": 1,
        }
    )
    # A first opening inserts the receipt, a later one counts on it.
    return first.on_conflict_do_update(
        index_elements=[version, "user_id"],
        set_={
            "last_opened_at": first.excluded.last_opened_at,
            "times_opened": receipt.times_opened + 1,
        },
    )


def file_pass(
    secret: str,
    user_id: int,
    document_id: int,
    number: int,
    *,
    issued_at: datetime | None = None,
) -> str:
    """A short-lived pass for the file a reading page embeds: the page counted that opening."""
    moment = int((issued_at or utcnow()).timestamp())
    return str(_passes(secret).dumps([user_id, document_id, number, moment]))


def already_counted(
    secret: str, token: str | None, user_id: int, document_id: int, number: int
) -> bool:
    """Whether ``token`` is a fresh pass of this user for this version; anything else counts."""
    if not token:
        return False
    try:
        payload = _passes(secret).loads(token)
    except BadSignature:
        return False
    if not isinstance(payload, list) or len(payload) != 4:
        return False
    *bound, moment = payload
    if bound != [user_id, document_id, number] or not isinstance(moment, int):
        return False
    age = utcnow() - datetime.fromtimestamp(moment, UTC)
    return 0 <= age.total_seconds() <= PASS_SECONDS


def _passes(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="documents.file-pass")


@dataclass(frozen=True)
class RecipientStatus:
    user: User
    via_unit: str
    delivered_at: datetime
    #: version number -> the receipt, or None when not opened
    opened: dict[int, ReadReceipt | None]


@dataclass(frozen=True)
class ReceiptReport:
    document: Document
    versions: list[DocumentVersion]
    recipients: list[RecipientStatus]
    units: list[UnitReceipt]

    def opened_count(self, version_number: int) -> int:
        return sum(1 for r in self.recipients if r.opened.get(version_number) is not None)


def receipt_report(session: Session, document: Document) -> ReceiptReport:
    """Per recipient and per version: delivered, opened (first, last, how often). Four queries."""
    versions = list(
        session.scalars(
            sa.select(DocumentVersion)
            .where(DocumentVersion.document_id == document.id)
            .order_by(DocumentVersion.number)
        )
    )
    deliveries = session.execute(
        sa.select(Delivery, User, Unit.name)
        .join(User, User.id == Delivery.user_id)
        .outerjoin(Unit, Unit.id == Delivery.via_unit_id)
        .options(selectinload(User.role_rows))
        .where(Delivery.document_id == document.id)
        .order_by(User.full_name, User.id)
    ).all()
    receipts = {
        (r.user_id, r.version_id): r
        for r in session.scalars(
            sa.select(ReadReceipt).where(ReadReceipt.document_id == document.id)
        )
    }
    units = list(
        session.scalars(
            sa.select(UnitReceipt)
            .options(joinedload(UnitReceipt.unit), joinedload(UnitReceipt.acknowledged_by))
            .where(UnitReceipt.document_id == document.id)
            .order_by(UnitReceipt.id)
        )
    )
    recipients = [
        RecipientStatus(
            user=user,
            via_unit=unit_name or "",
            delivered_at=delivery.delivered_at,
            opened={v.number: receipts.get((user.id, v.id)) for v in versions},
        )
        for delivery, user, unit_name in deliveries
    ]
    return ReceiptReport(document, versions, recipients, units)
