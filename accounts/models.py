"""Organisation units, users and their roles.

Units form a tree (province > department > division; with no district level, a commune's or
ward's People's Committee sits under the province as a department does); a user belongs to one
unit and may hold several roles.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, created_at, enum_column, intpk


class Role(enum.StrEnum):
    ADMIN = "admin"
    CLERK = "clerk"
    OFFICIAL = "official"
    #: Heads a unit (lãnh đạo: Giám đốc, Trưởng phòng, Chủ tịch): assigns what the unit receives.
    LEADER = "leader"
    AUDITOR = "auditor"


class UnitKind(enum.StrEnum):
    PROVINCE = "province"
    DEPARTMENT = "department"
    DIVISION = "division"


#: The kind of unit a child of each kind must be.
CHILD_KIND = {
    None: UnitKind.PROVINCE,
    UnitKind.PROVINCE: UnitKind.DEPARTMENT,
    UnitKind.DEPARTMENT: UnitKind.DIVISION,
}


#: A mã định danh (Annex VI OrganId) as Decision 20/2020/QĐ-TTg writes them ("000.00.00.H29"):
#: groups of capital letters and digits joined by dots, at most 32 characters.
ORGAN_ID_RE = re.compile(r"^[A-Z0-9]+(?:\.[A-Z0-9]+)*$")
ORGAN_ID_MAX = 32


def is_organ_id(text: str) -> bool:
    return len(text) <= ORGAN_ID_MAX and ORGAN_ID_RE.match(text) is not None


class Unit(Base):
    """An organisation unit (cơ quan, đơn vị)."""

    __tablename__ = "units"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    #: Abbreviation used in document symbols, e.g. "UBND" in "05/QĐ-UBND".
    abbreviation: Mapped[str] = mapped_column(sa.String(32))
    #: The name in full as a document's header prints it (Annex I), e.g. "Ủy ban nhân dân phường
    #: Ninh Kiều"; empty means ``name`` with its usual abbreviations spelt out.
    header_name: Mapped[str] = mapped_column(sa.String(255), default="", server_default="")
    #: Mã định danh (Annex VI OrganId), e.g. "000.00.00.H29"; None takes the parent's.
    organ_id: Mapped[str | None] = mapped_column(sa.String(32))
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    created_at: Mapped[created_at]

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id", back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.name")


class User(Base):
    """A person who signs in: an official, a clerk, an auditor or an administrator."""

    __tablename__ = "users"

    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(255))
    title: Mapped[str] = mapped_column(sa.String(255), default="")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(255))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    active: Mapped[bool] = mapped_column(default=True)
    #: None until the person sets a password with their activation code.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    #: SHA-256 of a one-time activation code; the code has 60 random bits, so a fast hash is enough.
    activation_digest: Mapped[str | None] = mapped_column(sa.String(64))
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    #: Stamped into each session at sign-in; raising it ends every session of this account.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[created_at]

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    # Flask-Login's user protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (sa.UniqueConstraint("user_id", "role", name="uq_user_roles_user_role"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_column(Role))


class LoginFailure(Base):
    """One failed sign-in from a client address, for throttling guessing across accounts."""

    __tablename__ = "login_failures"

    id: Mapped[intpk]
    #: A keyed hash of the client address: enough to count, not to identify.
    address_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[created_at]


class LoginThrottle(Base):
    """Failed sign-ins to one account from one client address.

    The delay they earn holds for that address only: guessing from one place never locks the
    owner out from another.
    """

    __tablename__ = "login_throttles"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "address_key", name="uq_login_throttles_user_address"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    #: The same keyed hash of the client address as `LoginFailure.address_key`.
    address_key: Mapped[str] = mapped_column(sa.String(64))
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime]
    #: No sign-in to this account from this address before then.
    locked_until: Mapped[datetime | None]


class UserNotification(Base):
    """A message for one person inside VanThu (the bell), e.g. a reminder to read a meeting pack.

    ``title`` and ``body`` are English message ids with ``%(name)s`` placeholders filled from
    ``params``: each reader sees them in their own language.

    One that asks for something (``action``, e.g. "sign") names what it is about
    (``subject_kind``, ``subject_id``) and is done (``done_at``) once anyone entitled did it or it
    became moot: the bell counts only live ones, and a person has at most one live notification
    per action and subject (the partial unique index), so asking again refreshes it.
    """

    __tablename__ = "user_notifications"
    __table_args__ = (
        sa.Index("ix_user_notifications_user_created", "user_id", "created_at"),
        sa.Index("ix_user_notifications_subject", "subject_kind", "subject_id"),
        sa.Index(
            "uq_user_notifications_live_action",
            "user_id",
            "subject_kind",
            "subject_id",
            "action",
            unique=True,
            sqlite_where=sa.text("action IS NOT NULL AND done_at IS NULL"),
            postgresql_where=sa.text("action IS NOT NULL AND done_at IS NULL"),
        ),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    #: What it is about, for filtering and the audit log, e.g. "meeting_reminder".
    kind: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    params: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    #: A path inside VanThu ("/meetings/12"), never an outside address.
    link: Mapped[str | None] = mapped_column(sa.String(512))
    #: What it is about, e.g. ("document", 12), so it can be cleared and its access checked.
    subject_kind: Mapped[str | None] = mapped_column(sa.String(16))
    subject_id: Mapped[int | None]
    #: What it asks the person to do ("sign", "seal", "answer", ...); None for news.
    action: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[created_at]
    read_at: Mapped[datetime | None]
    #: When the action was done by anyone entitled or became moot.
    done_at: Mapped[datetime | None]


class MailStatus(enum.StrEnum):
    PENDING = "pending"
    #: Claimed by a sender, which is handing it to the SMTP server now.
    SENDING = "sending"
    SENT = "sent"
    #: Given up: tried too often, refused for good, or its sender stopped half-way.
    FAILED = "failed"


class OutgoingMail(Base):
    """An e-mail waiting in the outbox: written in the transaction that decided to send it,
    sent afterwards by `accounts.notifications.send_pending`, never twice."""

    __tablename__ = "mail_outbox"
    __table_args__ = (sa.Index("ix_mail_outbox_status_due", "status", "next_attempt_at"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    notification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_notifications.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(sa.String(32))
    to_address: Mapped[str] = mapped_column(sa.String(255))
    to_name: Mapped[str] = mapped_column(sa.String(255))
    subject: Mapped[str] = mapped_column(sa.String(512))
    text: Mapped[str] = mapped_column(sa.Text)
    #: An iCalendar object (a meeting invitation, its update or cancellation) sent with the
    #: letter as text/calendar; its METHOD is read from it.
    calendar: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    #: Not sent before then: now at first, later after each failed attempt (backing off).
    next_attempt_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    #: Why the last attempt failed, in words that hold no address.
    last_error: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[created_at]
