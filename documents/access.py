"""Who may see and who may manage a document: one rule, as SQL and for a single document.

Confidential documents are seen only by the people named on them; the rest by the issuing unit,
recipients, the clerks of receiving units and auditors.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accounts.models import Role, User, UserRole
from core.direct import DirectStatements
from core.errors import N_
from documents.decree30 import Confidentiality
from documents.errors import DocumentHidden, DocumentNotFound, NotAllowed
from documents.models import (
    AccessGrant,
    Delivery,
    Document,
    DocumentVersion,
    Status,
    UnitReceipt,
)


def visible_to(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause selecting the documents ``user`` may open."""
    return _visibility(
        sa.literal(user.id),
        sa.literal(user.unit_id),
        auditor=sa.true() if user.has_role(Role.AUDITOR) else sa.false(),
        clerk=sa.true() if user.has_role(Role.CLERK) else sa.false(),
    )


def _visibility(
    user_id: sa.ColumnElement[int],
    unit_id: sa.ColumnElement[int],
    *,
    auditor: sa.ColumnElement[bool],
    clerk: sa.ColumnElement[bool],
) -> sa.ColumnElement[bool]:
    """The rule, for a user given as SQL: values for a loaded user, columns inside a query."""
    named = sa.or_(
        Document.created_by_id == user_id,
        Document.signer_id == user_id,
        sa.exists().where(Delivery.document_id == Document.id, Delivery.user_id == user_id),
        sa.exists().where(AccessGrant.document_id == Document.id, AccessGrant.user_id == user_id),
    )
    received_by_unit = sa.exists().where(
        UnitReceipt.document_id == Document.id, UnitReceipt.unit_id == unit_id
    )
    ordinary = sa.or_(Document.unit_id == unit_id, auditor, sa.and_(clerk, received_by_unit))
    return sa.or_(
        named,
        sa.and_(Document.confidentiality == Confidentiality.THUONG, ordinary),
    )


def can_view(session: Session, user: User, document: Document) -> bool:
    """The rule of `visible_to` for one document, deciding in Python where it can.

    Opening a document is the hottest path (a province opening its packs at once), so the
    common cases cost no query and the rest one EXISTS query.
    """
    if user.id in (document.created_by_id, document.signer_id):
        return True
    ordinary = document.confidentiality is Confidentiality.THUONG
    if ordinary and (document.unit_id == user.unit_id or user.has_role(Role.AUDITOR)):
        return True
    clerk_unit = user.unit_id if ordinary and user.has_role(Role.CLERK) else -1
    return bool(
        session.scalar(
            _NAMED_OR_RECEIVED,
            {"document_id": document.id, "user_id": user.id, "unit_id": clerk_unit},
        )
    )


_NAMED_OR_RECEIVED = sa.select(
    sa.or_(
        sa.exists().where(
            Delivery.document_id == sa.bindparam("document_id"),
            Delivery.user_id == sa.bindparam("user_id"),
        ),
        sa.exists().where(
            AccessGrant.document_id == sa.bindparam("document_id"),
            AccessGrant.user_id == sa.bindparam("user_id"),
        ),
        sa.exists().where(
            UnitReceipt.document_id == sa.bindparam("document_id"),
            UnitReceipt.unit_id == sa.bindparam("unit_id"),
        ),
    )
)


def can_manage(user: User, document: Document) -> bool:
    """Clerks of the issuing unit (and the drafter) upload versions, number and circulate."""
    if document.created_by_id == user.id:
        return True
    return user.has_role(Role.CLERK) and user.unit_id == document.unit_id


def get_document(
    session: Session, user: User, document_id: int, *, manage: bool = False
) -> Document:
    """The document if ``user`` may see it (and manage it, if asked), else a typed refusal.

    An unknown id and a confidential document the user may not see both answer "not found", so
    that nobody learns that a secret document exists; both refusals are audited.
    """
    document = session.get(Document, document_id)
    if document is None:
        raise DocumentNotFound(N_("This document does not exist, or you may not see it."))
    return check(session, user, document, manage=manage)


def get_version(
    session: Session, user: User, document_id: int, number: int
) -> tuple[Document, DocumentVersion]:
    """A document and one of its versions in one query, with the same checks as `get_document`."""
    row = session.execute(
        _VERSION_WITH_DOCUMENT, {"document_id": document_id, "number": number}
    ).first()
    if row is None:
        get_document(session, user, document_id)  # refuse exactly as for the document
        raise DocumentNotFound(N_("This version does not exist."))
    version, document = row
    return check(session, user, document), version


_VERSION_WITH_DOCUMENT = (
    sa.select(DocumentVersion, Document)
    .join(Document, Document.id == DocumentVersion.document_id)
    .where(
        DocumentVersion.document_id == sa.bindparam("document_id"),
        DocumentVersion.number == sa.bindparam("number"),
    )
)


def check(session: Session, user: User, document: Document, *, manage: bool = False) -> Document:
    """Refuse ``user`` unless they may see (and, if asked, manage) ``document``."""
    document_id = document.id
    if not can_view(session, user, document):
        if document.is_confidential:
            raise DocumentHidden(
                N_("This document does not exist, or you may not see it."), document=document_id
            )
        raise NotAllowed(N_("You may not open this document."), document=document_id)
    if manage and not can_manage(user, document):
        raise NotAllowed(N_("Only the issuing unit’s clerks may do this."), document=document_id)
    return document


@dataclass(frozen=True)
class OpenedVersion:
    """What serving one version's file needs, read in one query with the reader's rights."""

    document_id: int
    version_id: int
    number: int
    sha256: str
    mime: str
    file_name: str
    recalled: bool

    @classmethod
    def of(cls, document: Document, version: DocumentVersion) -> OpenedVersion:
        return cls(
            document.id,
            version.id,
            version.number,
            version.sha256,
            version.mime,
            version.file_name,
            document.status is Status.RECALLED,
        )


class SignedOut(Exception):
    """The session names an account that no longer exists or was deactivated."""


def open_version(
    statements: DirectStatements, user_id: int, document_id: int, number: int
) -> OpenedVersion | None:
    """Check account and access and read the version in one query, straight on the driver
    (opening a file is the hottest path: a province opening its packs at once).

    None when the version is missing or the rule refuses it: the ordinary route then says
    why, as other pages would. Raises SignedOut for an account that may no longer sign in.
    """
    row = statements.first(
        OPEN_VERSION, {"user_id": user_id, "document_id": document_id, "number": number}
    )
    if row is None:
        raise SignedOut(user_id)
    version_id, sha256, mime, file_name, status, visible = row
    if not visible:
        return None
    return OpenedVersion(
        document_id, version_id, number, sha256, mime, file_name, status == Status.RECALLED
    )


_reader = (
    sa.select(User.id, User.unit_id)
    .where(User.id == sa.bindparam("user_id"), User.active)
    .subquery("reader")
)
#: One row if the account ``user_id`` is active: version ``number`` of ``document_id`` (its columns
#: NULL if there is none) and whether the rule lets the account see the document.
OPEN_VERSION = (
    sa.select(
        DocumentVersion.id,
        DocumentVersion.sha256,
        DocumentVersion.mime,
        DocumentVersion.file_name,
        Document.status,
        sa.func.coalesce(
            _visibility(
                _reader.c.id,
                _reader.c.unit_id,
                auditor=sa.exists().where(
                    UserRole.user_id == _reader.c.id, UserRole.role == Role.AUDITOR
                ),
                clerk=sa.exists().where(
                    UserRole.user_id == _reader.c.id, UserRole.role == Role.CLERK
                ),
            ),
            False,
        ).label("visible"),
    )
    .select_from(_reader)
    .outerjoin(
        sa.join(DocumentVersion, Document, Document.id == DocumentVersion.document_id),
        sa.and_(
            DocumentVersion.document_id == sa.bindparam("document_id"),
            DocumentVersion.number == sa.bindparam("number"),
        ),
    )
)

#: The id of version ``number`` of ``document_id`` if the active account ``user_id`` may open
#: it and the document is not recalled; no row otherwise. The same rule as `OPEN_VERSION`,
#: without telling why not: for a write that must happen only when it is allowed.
OPENABLE_VERSION = (
    sa.select(DocumentVersion.id)
    .join(Document, Document.id == DocumentVersion.document_id)
    .join(User, User.id == sa.bindparam("user_id"))
    .where(
        User.active,
        DocumentVersion.document_id == sa.bindparam("document_id"),
        DocumentVersion.number == sa.bindparam("number"),
        Document.status != Status.RECALLED,
        _visibility(
            User.id.expression,
            User.unit_id.expression,
            auditor=sa.exists().where(UserRole.user_id == User.id, UserRole.role == Role.AUDITOR),
            clerk=sa.exists().where(UserRole.user_id == User.id, UserRole.role == Role.CLERK),
        ),
    )
)
