"""Assignments (giao xử lý): who handles a received document, with whom and by when.

Split from `documents.models` by task; `documents.assignments` and `documents.deadlines` use them.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import Unit, User
from core.db import Base, created_at, enum_column, intpk
from documents.models import Document


class AssignmentState(enum.StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Assignment(Base):
    """Handling of a received document: a lead (a person or a unit), cooperating people and
    units, and a deadline."""

    __tablename__ = "assignments"
    __table_args__ = (
        sa.CheckConstraint("(lead_id IS NULL) <> (lead_unit_id IS NULL)", name="one_lead"),
    )

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    #: The unit that assigned it (one that received the document).
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    #: The lead person, or else the lead unit (đơn vị chủ trì).
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    lead_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    assigned_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    assigned_at: Mapped[created_at]
    deadline: Mapped[date | None] = mapped_column(index=True)
    state: Mapped[AssignmentState] = mapped_column(
        enum_column(AssignmentState), default=AssignmentState.PENDING
    )
    progress_note: Mapped[str] = mapped_column(sa.String(1000), default="")
    completed_at: Mapped[datetime | None]
    instructions: Mapped[str] = mapped_column(sa.String(1000), default="")

    document: Mapped[Document] = relationship()
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id])
    lead_unit: Mapped[Unit | None] = relationship(foreign_keys=[lead_unit_id])
    cooperators: Mapped[list[AssignmentCooperator]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    cooperating_units: Mapped[list[AssignmentUnit]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AssignmentUnit.unit_id"
    )


class AssignmentCooperator(Base):
    __tablename__ = "assignment_cooperators"
    __table_args__ = (
        sa.UniqueConstraint("assignment_id", "user_id", name="uq_assignment_cooperators_pair"),
    )

    id: Mapped[intpk]
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)

    user: Mapped[User] = relationship(lazy="joined")


class AssignmentUnit(Base):
    """A unit cooperating (phối hợp) on an assignment."""

    __tablename__ = "assignment_units"
    __table_args__ = (
        sa.UniqueConstraint("assignment_id", "unit_id", name="uq_assignment_units_pair"),
    )

    id: Mapped[intpk]
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)

    unit: Mapped[Unit] = relationship(lazy="joined")


class AssignmentReminder(Base):
    """A reminder sent for an assignment this many days before its deadline: once each."""

    __tablename__ = "assignment_reminders"
    __table_args__ = (
        sa.UniqueConstraint("assignment_id", "days_before", name="uq_assignment_reminders_key"),
    )

    id: Mapped[intpk]
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"))
    days_before: Mapped[int]
    sent_at: Mapped[datetime]
