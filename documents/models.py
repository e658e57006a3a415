"""Documents (văn bản) with their versions, numbers, circulation, receipts, returns and replies.

Every file version is immutable and named by its SHA-256; receipts point at one exact version.
Assignments are in `assignment_models`, PDF conversions in `conversion_models`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import Unit, User
from core.db import Base, created_at, enum_column, intpk
from documents.decree30 import Authority, Confidentiality, DocType, Urgency, signer_label


class Direction(enum.StrEnum):
    OUTGOING = "outgoing"  # văn bản đi: drafted and issued here
    INCOMING = "incoming"  # văn bản đến: received from outside VanThu and registered


class Status(enum.StrEnum):
    DRAFT = "draft"
    #: Outgoing: signed, sealed, numbered and registered (ban hành); incoming: registered.
    ISSUED = "issued"
    RECALLED = "recalled"


class NumberSeries(enum.StrEnum):
    REGULAR = "regular"
    CONFIDENTIAL = "confidential"
    INCOMING = "incoming"  # số đến of the incoming register


class NumberState(enum.StrEnum):
    RESERVED = "reserved"
    USED = "used"
    VOID = "void"


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (sa.Index("ix_documents_unit_duplicate_key", "unit_id", "duplicate_key"),)

    id: Mapped[intpk]
    direction: Mapped[Direction] = mapped_column(enum_column(Direction))
    status: Mapped[Status] = mapped_column(enum_column(Status), default=Status.DRAFT)
    doc_type: Mapped[DocType] = mapped_column(enum_column(DocType, length=32))
    #: The unit that issues (outgoing) or registered (incoming) the document.
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    #: For incoming documents: the outside body that issued it.
    issuer_name: Mapped[str] = mapped_column(sa.String(255), default="")
    #: Trích yếu.
    subject: Mapped[str] = mapped_column(sa.String(500))
    place: Mapped[str] = mapped_column(sa.String(100), default="")
    issued_on: Mapped[date | None]
    number: Mapped[int | None]
    #: Số, ký hiệu as printed, e.g. "05/QĐ-UBND".
    number_symbol: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    signer_authority: Mapped[Authority | None] = mapped_column(enum_column(Authority, length=8))
    signer_on_behalf_of: Mapped[str] = mapped_column(sa.String(255), default="")
    #: The collective after "TM." in a TM. KT. / TM. Q. signer block ("Ủy ban nhân dân").
    signer_collective: Mapped[str] = mapped_column(sa.String(255), default="", server_default="")
    signer_title: Mapped[str] = mapped_column(sa.String(255), default="")
    signer_name: Mapped[str] = mapped_column(sa.String(255), default="")
    signer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency), default=Urgency.THUONG)
    confidentiality: Mapped[Confidentiality] = mapped_column(
        enum_column(Confidentiality), default=Confidentiality.THUONG
    )
    #: Nơi nhận as printed on the document, one recipient per line.
    recipients_text: Mapped[str] = mapped_column(sa.Text, default="")
    #: Kính gửi: the bodies a công văn is addressed to, one per line.
    addressees_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    content_text: Mapped[str] = mapped_column(sa.Text, default="")
    due_on: Mapped[date | None]
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[created_at]
    recalled_at: Mapped[datetime | None]
    recall_reason: Mapped[str | None] = mapped_column(sa.String(500))
    #: Abbreviation of the drafting unit: in a công văn's symbol and after "Lưu: VT,".
    drafter_abbr: Mapped[str] = mapped_column(sa.String(32), default="")
    #: The newest version; a plain column (not a foreign key) to avoid a cycle with versions.
    current_version_id: Mapped[int | None]
    #: The version that carries the official's signature and the organisation's seal, set when
    #: the seal is applied: only then is an outgoing document issued (Decree 30, Art. 5).
    sealed_version_id: Mapped[int | None]
    #: Incoming documents: number/symbol and issuer folded (NFC, Đ, case, spaces), compared in
    #: Python's terms on every database to warn about one document registered twice.
    duplicate_key: Mapped[str | None] = mapped_column(sa.String(320))
    #: Subject and extracted text, lower-cased and without diacritics, for full-text search;
    #: as large as the document's text, so loaded only when asked for.
    search_text: Mapped[str] = mapped_column(sa.Text, default="", deferred=True)

    # Annex VI metadata and the register-only fields (Annex IV) the clerk keeps.
    #: Mã định danh văn bản: OrganId.year.number/symbol, given once and never changed.
    identifier: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    #: For incoming documents: the issuing body's OrganId, if the clerk knows it.
    issuer_organ_id: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")
    #: The hồ sơ it is kept in: catalogue (mục lục số / năm), file notation, ordinal within it.
    file_catalog: Mapped[int | None]
    file_notation: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    doc_ordinal: Mapped[int | None]
    language: Mapped[str] = mapped_column(sa.String(32), default="vi", server_default="vi")
    page_amount: Mapped[int | None]
    #: Số lượng bản: the copies issued (IssuedAmount, the register's "copies").
    issued_amount: Mapped[int | None]
    #: Đơn vị, người nhận bản lưu: who holds the file copy.
    file_copy_unit: Mapped[str] = mapped_column(sa.String(255), default="", server_default="")
    #: Ngày chuyển, when sent outside VanThu (on paper); circulations give it otherwise.
    sent_on: Mapped[date | None]
    #: Ghi chú of the outgoing register (or of the incoming register for documents from outside).
    register_note: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number"
    )
    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.id")
    addressees: Mapped[list[DocumentAddressee]] = relationship(
        order_by="DocumentAddressee.position", cascade="all, delete-orphan"
    )

    @property
    def is_confidential(self) -> bool:
        return self.confidentiality.is_secret

    @property
    def is_sealed(self) -> bool:
        """The current version is the one the official signed and the seal was applied to."""
        return self.sealed_version_id is not None and (
            self.sealed_version_id == self.current_version_id
        )

    @property
    def latest_version(self) -> DocumentVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def signer_block(self) -> str:
        """The lines above the signature on one line: "TM. ỦY BAN NHÂN DÂN, KT. CHỦ TỊCH, ..."."""
        if not self.signer_title and self.signer_authority is None:
            return ""
        return signer_label(
            self.signer_authority,
            self.signer_title,
            self.signer_on_behalf_of,
            self.signer_collective,
        )


class DocumentVersion(Base):
    """One uploaded file of a document; never changed after it is stored."""

    __tablename__ = "document_versions"
    __table_args__ = (sa.UniqueConstraint("document_id", "number", name="uq_document_versions_n"),)

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    mime: Mapped[str] = mapped_column(sa.String(128))
    file_name: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[created_at]
    note: Mapped[str] = mapped_column(sa.String(255), default="")
    #: Text extracted for search; loaded only when asked for.
    text: Mapped[str] = mapped_column(sa.Text, default="", deferred=True)

    document: Mapped[Document] = relationship(back_populates="versions")
    uploaded_by: Mapped[User] = relationship()


class Attachment(Base):
    """A file sent with a document (phụ lục, tài liệu kèm theo)."""

    __tablename__ = "attachments"

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(16))
    mime: Mapped[str] = mapped_column(sa.String(128))
    file_name: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[created_at]


class DocumentAddressee(Base):
    """One body the document is addressed to (Annex VI To / ToPlaces), in the printed order."""

    __tablename__ = "document_addressees"
    __table_args__ = (
        sa.UniqueConstraint("document_id", "position", name="uq_document_addressees_position"),
    )

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"))
    position: Mapped[int]
    #: The body's OrganId when it has one; empty for bodies outside the catalogue.
    organ_id: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")
    organ_name: Mapped[str] = mapped_column(sa.String(255))


class NumberCounter(Base):
    """The last number handed out per unit, year and series (one row, updated atomically)."""

    __tablename__ = "number_counters"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "year", "series", name="uq_number_counters_key"),
    )

    id: Mapped[intpk]
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    year: Mapped[int]
    series: Mapped[NumberSeries] = mapped_column(enum_column(NumberSeries))
    last_number: Mapped[int] = mapped_column(default=0)


class IssuedNumber(Base):
    """Every number ever handed out: used by a document, reserved, or void (never reused)."""

    __tablename__ = "issued_numbers"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "year", "series", "number", name="uq_issued_numbers_key"),
    )

    id: Mapped[intpk]
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    year: Mapped[int]
    series: Mapped[NumberSeries] = mapped_column(enum_column(NumberSeries))
    number: Mapped[int]
    number_symbol: Mapped[str] = mapped_column(sa.String(64))
    state: Mapped[NumberState] = mapped_column(enum_column(NumberState))
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    issued_at: Mapped[created_at]
    void_reason: Mapped[str | None] = mapped_column(sa.String(500))

    document: Mapped[Document | None] = relationship()


class Circulation(Base):
    """One act of sending a document version to units and people."""

    __tablename__ = "circulations"

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("document_versions.id"))
    sent_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    sent_at: Mapped[created_at]
    message: Mapped[str] = mapped_column(sa.String(1000), default="")


class CirculationRecipient(Base):
    """One person or unit a circulation sent its version to: what lets them open that version.

    A person receives a row whether named or through their unit; a unit's row lets the clerks
    of that unit open the version too. The inbox (`Delivery`) says what arrived; these rows
    say what may be opened, so an assignment, which delivers nothing, grants nothing.
    """

    __tablename__ = "circulation_recipients"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "user_id", name="uq_circulation_recipients_user"),
        sa.UniqueConstraint("version_id", "unit_id", name="uq_circulation_recipients_unit"),
        sa.CheckConstraint("(user_id IS NULL) <> (unit_id IS NULL)", name="one_recipient"),
        sa.Index("ix_circulation_recipients_user_document", "user_id", "document_id"),
        sa.Index("ix_circulation_recipients_unit_document", "unit_id", "document_id"),
    )

    id: Mapped[intpk]
    circulation_id: Mapped[int] = mapped_column(sa.ForeignKey("circulations.id"), index=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"))
    #: The version the circulation sent (its ``Circulation.version_id``).
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("document_versions.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))


class Delivery(Base):
    """A document in one person's inbox ("delivered")."""

    __tablename__ = "deliveries"
    __table_args__ = (
        sa.UniqueConstraint("document_id", "user_id", name="uq_deliveries_document_user"),
        sa.Index("ix_deliveries_user_document", "user_id", "document_id"),
    )

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    circulation_id: Mapped[int] = mapped_column(sa.ForeignKey("circulations.id"), index=True)
    #: Set when the person got it because their unit was a recipient.
    via_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    delivered_at: Mapped[created_at]

    document: Mapped[Document] = relationship()
    user: Mapped[User] = relationship()


class UnitReceipt(Base):
    """A document sent to a unit; the unit's clerk acknowledges it (Art. 21.2).

    Acknowledging registers it in the unit's incoming register with an incoming number (số đến).
    """

    __tablename__ = "unit_receipts"
    __table_args__ = (
        sa.UniqueConstraint("document_id", "unit_id", name="uq_unit_receipts_document_unit"),
        sa.UniqueConstraint(
            "unit_id", "incoming_year", "incoming_number", name="uq_unit_receipts_incoming"
        ),
    )

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    circulation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("circulations.id"))
    delivered_at: Mapped[created_at]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    incoming_year: Mapped[int | None]
    incoming_number: Mapped[int | None]
    #: Ghi chú of the unit's incoming register.
    register_note: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")

    document: Mapped[Document] = relationship()
    unit: Mapped[Unit] = relationship()
    acknowledged_by: Mapped[User | None] = relationship()


class ReadReceipt(Base):
    """One person's opening of one exact version: first, last and how many times."""

    __tablename__ = "read_receipts"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "user_id", name="uq_read_receipts_version_user"),
    )

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("document_versions.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    first_opened_at: Mapped[datetime]
    last_opened_at: Mapped[datetime]
    times_opened: Mapped[int] = mapped_column(default=1)


class ReadingPosition(Base):
    """The page one person reached in one exact version, to reopen it there next time."""

    __tablename__ = "reading_positions"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "user_id", name="uq_reading_positions_version_user"),
        sa.CheckConstraint("page >= 1", name="page_from_one"),
    )

    id: Mapped[intpk]
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("document_versions.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: Counted from 1, as the reader shows it.
    page: Mapped[int]
    updated_at: Mapped[datetime]


class Notification(Base):
    """A message for one person, e.g. that a document they received was recalled."""

    __tablename__ = "notifications"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[created_at]
    read_at: Mapped[datetime | None]


class AccessGrant(Base):
    """Someone named as allowed to see a confidential document."""

    __tablename__ = "access_grants"
    __table_args__ = (sa.UniqueConstraint("document_id", "user_id", name="uq_access_grants_pair"),)

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    granted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    granted_at: Mapped[created_at]


# --- the flows a văn thư expects: returns, recall confirmations, replies ------------------------


class ReceiptReturn(Base):
    """A document a receiving unit's clerk sent back to its sender instead of registering it,
    with the reason (Art. 21: it failed the check of authenticity, integrity or form)."""

    __tablename__ = "receipt_returns"
    __table_args__ = (
        sa.UniqueConstraint(
            "document_id", "unit_id", "version_id", name="uq_receipt_returns_document_unit_version"
        ),
    )

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    #: The exact version returned: the sender corrects it and sends another one, never this one.
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("document_versions.id"))
    returned_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    returned_at: Mapped[created_at]
    reason: Mapped[str] = mapped_column(sa.String(500))
    #: The circulation that sent the corrected version to the unit again; open while None.
    resent_circulation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("circulations.id"))

    unit: Mapped[Unit] = relationship(lazy="joined")
    returned_by: Mapped[User] = relationship(lazy="joined")


class RecallConfirmation(Base):
    """A recipient unit's clerk confirming to the sender that the unit deleted or froze a
    recalled document (thu hồi)."""

    __tablename__ = "recall_confirmations"
    __table_args__ = (
        sa.UniqueConstraint("document_id", "unit_id", name="uq_recall_confirmations_document_unit"),
    )

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    confirmed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    confirmed_at: Mapped[created_at]

    unit: Mapped[Unit] = relationship(lazy="joined")
    confirmed_by: Mapped[User] = relationship(lazy="joined")


class DocumentReply(Base):
    """An outgoing document answering an incoming one (văn bản trả lời)."""

    __tablename__ = "document_replies"
    __table_args__ = (
        sa.UniqueConstraint("reply_id", "answered_id", name="uq_document_replies_pair"),
    )

    id: Mapped[intpk]
    #: The outgoing document that answers.
    reply_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"))
    #: The incoming document it answers.
    answered_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    linked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    linked_at: Mapped[created_at]
