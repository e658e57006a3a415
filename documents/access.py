"""Who may open which version of a document: the one rule, and every check derived from it.

`may_open` is the rule, one SQL expression over a user and a (document, version); pages, lists
and the byte routes all ask it, so no two places can disagree. Packages above documents (a
meeting giving its participants the versions on its agenda) add to it with `register_grant`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from accounts.models import Role, User, UserRole
from core.errors import N_
from documents.decree30 import Confidentiality
from documents.errors import DocumentHidden, DocumentNotFound, NotAllowed
from documents.models import (
    AccessGrant,
    CirculationRecipient,
    Document,
    DocumentVersion,
    Status,
)


@dataclass(frozen=True)
class _Reader:
    """The person the rule is asked about, as SQL: a loaded user's values, or bind parameters
    for the statements built once (the hot paths)."""

    id: Any
    unit_id: Any
    auditor: Any
    #: Their unit if they are one of its clerks, else NULL: the versions sent to their unit.
    clerk_unit_id: Any

    @classmethod
    def of(cls, user: User) -> _Reader:
        auditor = sa.true() if user.has_role(Role.AUDITOR) else sa.false()
        # A bound NULL, never Python's None: `unit_id == None` would mean IS NULL.
        clerk_unit = sa.literal(user.unit_id if user.has_role(Role.CLERK) else None, sa.Integer)
        return cls(user.id, user.unit_id, auditor, clerk_unit)


#: The reader as bind parameters; `reader_params` gives their values.
_PARAMETERS = _Reader(
    sa.bindparam("reader_id", type_=sa.Integer),
    sa.bindparam("reader_unit_id", type_=sa.Integer),
    sa.bindparam("reader_auditor", type_=sa.Boolean),
    sa.bindparam("reader_clerk_unit_id", type_=sa.Integer),
)


def reader_params(user: User) -> dict[str, Any]:
    """Values of the reader's bind parameters in the statements built once here."""
    return {
        "reader_id": user.id,
        "reader_unit_id": user.unit_id,
        "reader_auditor": user.has_role(Role.AUDITOR),
        "reader_clerk_unit_id": user.unit_id if user.has_role(Role.CLERK) else None,
    }


#: A grant from a package above documents: given the reader's id and the version (both SQL),
#: whether that package lets the reader open the version. documents never imports those
#: packages: the app factory registers their grants here (`register_grant`).
Grant = Callable[[Any, Any], sa.ColumnElement[bool]]
_GRANTS: dict[str, Grant] = {}


def register_grant(name: str, grant: Grant) -> None:
    """Add ``grant`` (under ``name``, once however often the app is created) to the rule.

    A grant opens only versions of documents that are not confidential: those stay with their
    drafting circle and the people named on them, whatever a meeting lists.
    """
    _GRANTS[name] = grant
    _build_statements()


def _rule(reader: _Reader, version: Any) -> sa.ColumnElement[bool]:
    """The rule itself: whether ``reader`` may open the row's ``version`` of its document.

    Every version, drafts included, is open to the drafting circle: the drafter, the signer,
    the people named on the document (named readers of a confidential document, and the
    approvers that signing names), and, when the document is not confidential, everyone in the
    issuing unit and auditors. Anyone else sees only the versions a circulation sent them,
    named or through their unit, and a unit's clerks the versions sent to their unit: never
    the drafts before them. An assignment sends nothing, so it lets nobody open anything.
    """
    drafting_circle = sa.or_(
        Document.created_by_id == reader.id,
        Document.signer_id == reader.id,
        Document.id.in_(sa.select(AccessGrant.document_id).where(AccessGrant.user_id == reader.id)),
        sa.and_(
            Document.confidentiality == Confidentiality.THUONG,
            sa.or_(Document.unit_id == reader.unit_id, reader.auditor),
        ),
    )
    # The recipients are asked about this one version: a probe of the (version, user) and
    # (version, unit) unique indexes each, however many people the version was sent to.
    # Correlated to the version alone, so that it also nests inside `_document_rule`.
    sent_this_version = sa.or_(
        sa.exists()
        .where(
            CirculationRecipient.version_id == version.id,
            CirculationRecipient.user_id == reader.id,
        )
        .correlate_except(CirculationRecipient),
        sa.exists()
        .where(
            CirculationRecipient.version_id == version.id,
            CirculationRecipient.unit_id == reader.clerk_unit_id,
        )
        .correlate_except(CirculationRecipient),
    )
    granted = [grant(reader.id, version) for _name, grant in sorted(_GRANTS.items())]
    if granted:
        granted = [sa.and_(Document.confidentiality == Confidentiality.THUONG, sa.or_(*granted))]
    return sa.and_(
        version.document_id == Document.id, sa.or_(drafting_circle, sent_this_version, *granted)
    )


def _document_rule(reader: _Reader) -> sa.ColumnElement[bool]:
    """Whether ``reader`` may see the row's ``Document``: they may open one of its versions."""
    version = aliased(DocumentVersion)
    return sa.exists().where(version.document_id == Document.id, _rule(reader, version))


def may_open(
    user: User, version: type[DocumentVersion] = DocumentVersion
) -> sa.ColumnElement[bool]:
    """Whether ``user`` may open the row's ``version`` (an alias in a subquery): `_rule`."""
    return _rule(_Reader.of(user), version)


def visible_to(user: User) -> sa.ColumnElement[bool]:
    """Whether ``user`` may see the row's ``Document``: they may open one of its versions.

    For lists (search, registers, inbox, tasks): a document is listed to whoever may open at
    least one version of it, and to nobody else.
    """
    return _document_rule(_Reader.of(user))


def can_view(session: Session, user: User, document: Document) -> bool:
    """`visible_to` for one loaded document."""
    return bool(session.scalar(_CAN_VIEW, {**reader_params(user), "document_id": document.id}))


def can_open(session: Session, user: User, version: DocumentVersion) -> bool:
    """`may_open` for one stored version."""
    return bool(session.scalar(_CAN_OPEN, {**reader_params(user), "version_id": version.id}))


def versions_open_to(session: Session, user: User, document: Document) -> list[DocumentVersion]:
    """The versions of ``document`` that ``user`` may open, oldest first."""
    return list(
        session.scalars(
            sa.select(DocumentVersion)
            .join(Document, Document.id == DocumentVersion.document_id)
            .where(Document.id == document.id, may_open(user))
            .order_by(DocumentVersion.number)
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
    row = session.execute(_DOCUMENT, {**reader_params(user), "document_id": document_id}).first()
    if row is None:
        raise DocumentNotFound(N_("This document does not exist, or you may not see it."))
    document, visible = row
    return _refuse_unless(user, document, bool(visible), manage=manage)


def get_version(
    session: Session, user: User, document_id: int, number: int
) -> tuple[Document, DocumentVersion]:
    """A document and one of its versions, checked by the rule, in one query when allowed.

    A version the user may not open is refused like a document they may not see; when they
    may see the document but not this version (a draft before the one sent to them), they are
    told so.
    """
    row = session.execute(
        _VERSION, {**reader_params(user), "document_id": document_id, "number": number}
    ).first()
    if row is None:
        get_document(session, user, document_id)  # refuse exactly as for the document
        raise DocumentNotFound(N_("This version does not exist."))
    version, document, open_ = row
    if not open_:  # the rare case: say why, as for the document, or that this version is not
        _refuse_unless(user, document, can_view(session, user, document))
        raise NotAllowed(
            N_("You may open only the versions that were sent to you."), document=document.id
        )
    return document, version


def _has_role(role: Role) -> sa.ColumnElement[bool]:
    """Whether the row's `User` holds ``role``, as SQL."""
    return (
        sa.exists()
        .where(UserRole.user_id == User.id, UserRole.role == role)
        .correlate_except(UserRole)
    )


#: The reader as the columns of their own `User` row: for asking the rule in the same statement
#: that loads the account (the file route's fast path), from the account id alone.
_STORED = _Reader(
    User.id,
    User.unit_id,
    _has_role(Role.AUDITOR),
    sa.case((_has_role(Role.CLERK), User.unit_id), else_=sa.null()),
)


def _build_statements() -> None:
    """Build the statements of the hot paths once (and again when a grant is registered):
    every opening of a file skips building and hashing the rule."""
    global _CAN_VIEW, _CAN_OPEN, _DOCUMENT, _VERSION, OPENING
    _CAN_VIEW = sa.select(_document_rule(_PARAMETERS)).where(
        Document.id == sa.bindparam("document_id")
    )
    _CAN_OPEN = (
        sa.select(_rule(_PARAMETERS, DocumentVersion))
        .select_from(DocumentVersion)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(DocumentVersion.id == sa.bindparam("version_id"))
    )
    _DOCUMENT = sa.select(Document, _document_rule(_PARAMETERS)).where(
        Document.id == sa.bindparam("document_id")
    )
    _VERSION = (
        sa.select(DocumentVersion, Document, _rule(_PARAMETERS, DocumentVersion))
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(
            DocumentVersion.document_id == sa.bindparam("document_id"),
            DocumentVersion.number == sa.bindparam("number"),
        )
    )
    # One round trip for a signed-in account opening a version: the account's state for the
    # session check, the version, and the rule's verdict. No row: no such account or version.
    OPENING = (
        sa.select(
            User.active,
            User.session_generation,
            Document.status,
            DocumentVersion.id,
            DocumentVersion.sha256,
            DocumentVersion.mime,
            DocumentVersion.file_name,
            _rule(_STORED, DocumentVersion),
        )
        .select_from(User)
        .join(DocumentVersion, sa.true())
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(
            User.id == sa.bindparam("user_id"),
            DocumentVersion.document_id == sa.bindparam("document_id"),
            DocumentVersion.number == sa.bindparam("number"),
        )
    )


_CAN_VIEW: Any
_CAN_OPEN: Any
_DOCUMENT: Any
_VERSION: Any
OPENING: Any
_build_statements()


def check(session: Session, user: User, document: Document, *, manage: bool = False) -> Document:
    """Refuse ``user`` unless they may see (and, if asked, manage) a loaded ``document``."""
    return _refuse_unless(user, document, can_view(session, user, document), manage=manage)


def _refuse_unless(
    user: User, document: Document, visible: bool, *, manage: bool = False
) -> Document:
    document_id = document.id
    if not visible:
        if document.is_confidential:
            raise DocumentHidden(
                N_("This document does not exist, or you may not see it."), document=document_id
            )
        raise NotAllowed(N_("You may not open this document."), document=document_id)
    if manage and not can_manage(user, document):
        raise NotAllowed(N_("Only the issuing unit’s clerks may do this."), document=document_id)
    return document


@dataclass(frozen=True)
class Opening:
    """A row of `OPENING`: an account asking to open one version, and whether it may."""

    active: bool
    session_generation: int
    version: OpenedVersion
    allowed: bool

    @classmethod
    def of_row(cls, row: tuple[Any, ...], document_id: int, number: int) -> Opening:
        active, generation, status, version_id, sha256, mime, file_name, allowed = row
        version = OpenedVersion(
            document_id, version_id, number, sha256, mime, file_name, status == Status.RECALLED
        )
        return cls(bool(active), int(generation), version, bool(allowed))


@dataclass(frozen=True)
class OpenedVersion:
    """What recording one opening of a version needs."""

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
