"""Conclusions per agenda item (owner, due date) and the minutes drafted from the record

Revision ID: 0017_minutes
Revises: 0017_d30rest
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0017_minutes"
down_revision = "0017_d30rest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_minutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("minutes", "conclusions", name="minuteskind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_meeting_minutes_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_meeting_minutes_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_minutes_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_minutes")),
        sa.UniqueConstraint("document_id", name="uq_meeting_minutes_document"),
        sa.UniqueConstraint("meeting_id", "kind", name="uq_meeting_minutes_kind"),
    )
    op.create_table(
        "meeting_conclusions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("owner_unit_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "owner_user_id IS NULL OR owner_unit_id IS NULL",
            name=op.f("ck_meeting_conclusions_one_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_meeting_conclusions_assignment_id_assignments"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["agenda_items.id"],
            name=op.f("fk_meeting_conclusions_item_id_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_conclusions_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["owner_unit_id"], ["units.id"], name=op.f("fk_meeting_conclusions_owner_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"], ["users.id"], name=op.f("fk_meeting_conclusions_owner_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_meeting_conclusions_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_conclusions")),
        sa.UniqueConstraint("item_id", name="uq_meeting_conclusions_item"),
    )
    with op.batch_alter_table("meeting_conclusions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_conclusions_meeting_id"), ["meeting_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting_conclusions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_conclusions_meeting_id"))

    op.drop_table("meeting_conclusions")
    op.drop_table("meeting_minutes")
