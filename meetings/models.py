"""Meetings (cuộc họp), their participants, agenda, the exact versions on it, and who looked.

A meeting's agenda is a tree of items; each item lists documents as exact versions: a version
of a VanThu document, or a version of a material uploaded for the meeting only.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from core.db import Base, created_at, enum_column, intpk, utcnow
from documents.decree30 import Confidentiality


class MeetingStatus(enum.StrEnum):
    DRAFT = "draft"  # only its chair and secretary see it
    PUBLISHED = "published"  # invitations out; participants read the pack
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    ARCHIVED = "archived"


#: Statuses in which the participants see the meeting and its pack.
SHOWN_TO_PARTICIPANTS = (
    MeetingStatus.PUBLISHED,
    MeetingStatus.IN_PROGRESS,
    MeetingStatus.CLOSED,
    MeetingStatus.ARCHIVED,
)
#: Statuses in which the agenda and the participants may still change.
EDITABLE = (MeetingStatus.DRAFT, MeetingStatus.PUBLISHED, MeetingStatus.IN_PROGRESS)


class MeetingKind(enum.StrEnum):
    PEOPLES_COMMITTEE = "peoples_committee"  # phiên họp Ủy ban nhân dân
    DEPARTMENT = "department"  # họp cơ quan, giao ban
    THEMATIC = "thematic"  # họp chuyên đề
    OTHER = "other"


class ParticipantRole(enum.StrEnum):
    MEMBER = "member"  # thành viên: sees internal items
    GUEST = "guest"  # khách mời
    OBSERVER = "observer"  # dự thính


class ItemKind(enum.StrEnum):
    NORMAL = "normal"  # every participant
    INTERNAL = "internal"  # members only
    HIDDEN = "hidden"  # the chair and the secretary only


class Recurrence(enum.StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class MeetingSeries(Base):
    """Recurring meetings (giao ban hằng tuần): each one is a meeting of its own."""

    __tablename__ = "meeting_series"

    id: Mapped[intpk]
    title: Mapped[str] = mapped_column(sa.String(500))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    recurrence: Mapped[Recurrence] = mapped_column(enum_column(Recurrence))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[created_at]


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[intpk]
    title: Mapped[str] = mapped_column(sa.String(500))
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind, length=32))
    #: The unit that holds the meeting.
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting_series.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    room: Mapped[str] = mapped_column(sa.String(255), default="")
    online_link: Mapped[str] = mapped_column(sa.String(500), default="")
    #: Chủ trì. The chair and the secretary manage the meeting and see every item.
    chair_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: Thư ký.
    secretary_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    confidentiality: Mapped[Confidentiality] = mapped_column(
        enum_column(Confidentiality), default=Confidentiality.THUONG
    )
    status: Mapped[MeetingStatus] = mapped_column(
        enum_column(MeetingStatus), default=MeetingStatus.DRAFT
    )
    #: Raised by every change of the meeting's details or agenda; a form carries the version
    #: it was drawn from, and a stale one is refused (409) instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[created_at]
    published_at: Mapped[datetime | None]
    #: The calendar invitation's SEQUENCE (RFC 5545): raised by each change calendars must
    #: apply (time, place, cancellation), never lowered.
    calendar_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Called off (hoãn, hủy): participants still see it, marked cancelled; nothing changes it.
    cancelled_at: Mapped[datetime | None]

    chair: Mapped[User] = relationship(foreign_keys=[chair_id], lazy="joined", innerjoin=True)
    secretary: Mapped[User] = relationship(
        foreign_keys=[secretary_id], lazy="joined", innerjoin=True
    )
    series: Mapped[MeetingSeries | None] = relationship()

    def is_manager(self, user: User) -> bool:
        return user.id in (self.chair_id, self.secretary_id)


class Participant(Base):
    """One person invited to a meeting, with an account or (an outside guest) by name.

    Removal keeps the row (and every receipt): ``removed_at`` ends their access at once.
    """

    __tablename__ = "meeting_participants"
    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "user_id", name="uq_meeting_participants_user"),
        sa.CheckConstraint("user_id IS NOT NULL OR name <> ''", name="someone"),
        sa.Index("ix_meeting_participants_user_meeting", "user_id", "meeting_id"),
        sa.Index("ix_meeting_participants_representative", "representative_id"),
    )

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"))
    #: None for an outside guest, who is invited by name and has no pack.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: An outside guest's name and organisation.
    name: Mapped[str] = mapped_column(sa.String(255), default="")
    organisation: Mapped[str] = mapped_column(sa.String(255), default="")
    role: Mapped[ParticipantRole] = mapped_column(enum_column(ParticipantRole))
    #: The unit through which they were invited, if invited with their whole unit.
    via_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    #: The person they send in their place (cử người dự thay); sees what they see.
    representative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    added_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    added_at: Mapped[created_at]
    removed_at: Mapped[datetime | None]
    removed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    representative: Mapped[User | None] = relationship(foreign_keys=[representative_id])

    @property
    def display_name(self) -> str:
        return self.user.full_name if self.user is not None else self.name


class AgendaItem(Base):
    """One item of a meeting's agenda (nội dung), under another item or at the top."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        sa.CheckConstraint("duration_minutes >= 0", name="duration_not_negative"),
        sa.CheckConstraint("position >= 0", name="position_not_negative"),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    #: The item this one is under; None at the top of the agenda.
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agenda_items.id"))
    #: Place among the items under the same parent, from 0.
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    presenter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Who presents when it is not a VanThu user (or to say it differently).
    presenter_name: Mapped[str] = mapped_column(sa.String(255), default="")
    #: Planned duration of the item itself; its sub-items follow it.
    duration_minutes: Mapped[int] = mapped_column(default=0)
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind), default=ItemKind.NORMAL)
    #: Only the participants on its access list (and the chair and secretary) see it.
    restricted: Mapped[bool] = mapped_column(default=False)
    #: Added after the meeting was published (bổ sung).
    late: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created_at]
    #: When its content or documents last changed: "changed since you last looked".
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    presenter: Mapped[User | None] = relationship()


class AgendaItemPath(Base):
    """Closure of the agenda tree: one row per item and each of its ancestors (itself too),
    so that "hidden above means hidden below" is one SQL condition at any depth."""

    __tablename__ = "agenda_item_paths"

    item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id"), primary_key=True)
    ancestor_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id"), primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)


class ItemAccess(Base):
    """A participant on an item's access list (narrower than the meeting's)."""

    __tablename__ = "agenda_item_access"
    __table_args__ = (
        sa.UniqueConstraint("item_id", "participant_id", name="uq_agenda_item_access_pair"),
    )

    id: Mapped[intpk]
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id"))
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting_participants.id"), index=True
    )


class Material(Base):
    """A file uploaded for one meeting only (tài liệu họp): no number, no signature."""

    __tablename__ = "meeting_materials"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[created_at]


class MaterialVersion(Base):
    """One uploaded file of a material; never changed after it is stored."""

    __tablename__ = "meeting_material_versions"
    __table_args__ = (
        sa.UniqueConstraint("material_id", "number", name="uq_meeting_material_versions_n"),
    )

    id: Mapped[intpk]
    material_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_materials.id"))
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(16))
    mime: Mapped[str] = mapped_column(sa.String(128))
    file_name: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[created_at]

    material: Mapped[Material] = relationship()


class ItemDocument(Base):
    """An exact version on an agenda item: a document's version or a material's version."""

    __tablename__ = "agenda_item_documents"
    __table_args__ = (
        sa.CheckConstraint(
            "(version_id IS NULL) = (document_id IS NULL)"
            " AND (material_version_id IS NULL) = (material_id IS NULL)"
            " AND (version_id IS NULL) <> (material_version_id IS NULL)",
            name="one_version",
        ),
        sa.UniqueConstraint("item_id", "document_id", name="uq_agenda_item_documents_document"),
        sa.UniqueConstraint("item_id", "material_id", name="uq_agenda_item_documents_material"),
        # The access rule probes by version on every opening of a file.
        sa.Index("ix_agenda_item_documents_version", "version_id"),
    )

    id: Mapped[intpk]
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id"))
    position: Mapped[int] = mapped_column(default=0)
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"))
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("document_versions.id"))
    material_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting_materials.id"))
    material_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_material_versions.id")
    )
    attached_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    attached_at: Mapped[created_at]


class ItemLook(Base):
    """When one person last looked at one item: what makes "changed since you last looked"."""

    __tablename__ = "agenda_item_looks"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "item_id", name="uq_agenda_item_looks_user_item"),
    )

    id: Mapped[intpk]
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    looked_at: Mapped[datetime]


class MaterialReceipt(Base):
    """One person's opening of one exact material version: first, last and how many times."""

    __tablename__ = "meeting_material_receipts"
    __table_args__ = (
        sa.UniqueConstraint(
            "material_version_id", "user_id", name="uq_meeting_material_receipts_version_user"
        ),
    )

    id: Mapped[intpk]
    material_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_materials.id"), index=True)
    material_version_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_material_versions.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    first_opened_at: Mapped[datetime]
    last_opened_at: Mapped[datetime]
    times_opened: Mapped[int] = mapped_column(default=1)


class MeetingArchive(Base):
    """The one archive of a closed meeting (a zip in the blob store), and the job building it.

    The row is written when the build is asked for; ``sha256`` is set once the archive is
    stored, and that hash is also in the audit log's "meetings:meeting:archived" event.
    """

    __tablename__ = "meeting_archives"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), unique=True)
    #: The latest job asked to build it (a failed build is started again with a new job); None
    #: until the queue took it.
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id"))
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[created_at]
    #: The archive's SHA-256, which names its blob; None until it is built.
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: Files inside, the manifest included.
    files: Mapped[int | None]
    built_at: Mapped[datetime | None]


class Invitation(Base):
    """The meeting's current Giấy mời: a document submitted for signature when the meeting is
    published, circulated to the participants once sealed (its deliveries and read receipts are
    documents' own). A change of time or place after it went out replaces it (thay thế)."""

    __tablename__ = "meeting_invitations"

    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), unique=True)
    #: Whether the organisation's seal was applied (the document is then issued).
    sealed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created_at]
    #: When it was circulated to the participants: once sealed, never before.
    sent_at: Mapped[datetime | None]
    #: The Giấy mời this one replaces (a correction after a change of time or place).
    replaces_document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"))


class CalendarFeed(Base):
    """A person's private calendar feed address. Only the SHA-256 of its token is stored: the
    address is shown once; revoking (or making a new one) ends it at once."""

    __tablename__ = "calendar_feeds"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[created_at]
    revoked_at: Mapped[datetime | None]


class ReminderSent(Base):
    """One reminder of one meeting sent to one person, ``lead_minutes`` before it starts: the
    unique row is what makes a reminder go out once, whatever runs twice."""

    __tablename__ = "meeting_reminders_sent"
    __table_args__ = (
        sa.UniqueConstraint(
            "meeting_id", "user_id", "lead_minutes", name="uq_meeting_reminders_sent_once"
        ),
    )

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    lead_minutes: Mapped[int]
    sent_at: Mapped[datetime]


class NoteKind(enum.StrEnum):
    HIGHLIGHT = "highlight"  # marked words, perhaps with a word of comment
    NOTE = "note"  # a written note about the words


class NotePlacement(enum.StrEnum):
    """Where a note stands on the version now on its item (anchoring's `Placement`)."""

    EXACT = "exact"
    FUZZY = "fuzzy"
    ORPHANED = "orphaned"  # shown against the version it was written on


class MeetingNote(Base):
    """A private note or highlight on one exact version of an item's document (or material).

    What it was written on never changes: the version and the anchor (page, offset, quoted words
    and their context). When the item gets another version, the note is re-anchored: the
    ``placed_*`` columns say where it stands on the version now attached, or that it could not
    be placed (orphaned). The author may share it with the meeting (góp ý): those who may open
    the item's document then see it, with the author's name.
    """

    __tablename__ = "meeting_notes"
    __table_args__ = (
        sa.CheckConstraint(
            "(document_id IS NULL) = (version_id IS NULL)"
            " AND (material_id IS NULL) = (material_version_id IS NULL)"
            " AND (document_id IS NULL) <> (material_id IS NULL)",
            name="one_version",
        ),
        sa.CheckConstraint(
            "(placed_version_id IS NULL) = (version_id IS NULL)"
            " AND (placed_material_version_id IS NULL) = (material_version_id IS NULL)",
            name="placed_like_written",
        ),
        sa.CheckConstraint("page >= 1 AND start_offset >= 0", name="anchor_in_text"),
        sa.Index("ix_meeting_notes_author_meeting", "author_id", "meeting_id"),
        sa.Index("ix_meeting_notes_item_document", "item_id", "document_id"),
        sa.Index("ix_meeting_notes_item_material", "item_id", "material_id"),
    )

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"))
    #: None once the secretary deleted the item: the note stays its author's.
    item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="SET NULL")
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[NoteKind] = mapped_column(enum_column(NoteKind))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    #: The document and the exact version the note was written on (or a material's).
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"))
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("document_versions.id"))
    material_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting_materials.id"))
    material_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_material_versions.id")
    )
    #: The anchor on that version (`meetings.anchoring.Anchor`), kept forever.
    page: Mapped[int]
    start_offset: Mapped[int]
    quote: Mapped[str] = mapped_column(sa.Text)
    prefix: Mapped[str] = mapped_column(sa.Text, default="")
    suffix: Mapped[str] = mapped_column(sa.Text, default="")
    #: Shared with the meeting (góp ý) since then; None while private.
    shared_at: Mapped[datetime | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Where it stands on the version now attached to its item.
    placed_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("document_versions.id"))
    placed_material_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_material_versions.id")
    )
    placement: Mapped[NotePlacement] = mapped_column(
        enum_column(NotePlacement), default=NotePlacement.EXACT
    )
    #: Page and offsets on the placed version; None when orphaned.
    placed_page: Mapped[int | None]
    placed_start: Mapped[int | None]
    placed_end: Mapped[int | None]
    #: 1.0 exact, the similarity when fuzzy, the best similarity found when orphaned.
    placement_score: Mapped[float] = mapped_column(default=1.0)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    @property
    def shared(self) -> bool:
        return self.shared_at is not None

    @property
    def placed(self) -> bool:
        return self.placement is not NotePlacement.ORPHANED
