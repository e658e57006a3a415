"""The meeting room's attendance, speakers, speaking time and conflicts of interest

Revision ID: 0017_attend
Revises: 0016_room
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0017_attend"
down_revision = "0016_room"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, core.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "meeting_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "present",
                "online",
                "absent",
                "represented",
                name="presence",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("representative_id", sa.Integer(), nullable=True),
        _moment("arrived_at"),
        _moment("left_at"),
        sa.Column("marked_by_id", sa.Integer(), nullable=False),
        _moment("marked_at", nullable=False),
        sa.CheckConstraint(
            "status <> 'represented' OR representative_id IS NOT NULL",
            name=op.f("ck_meeting_attendance_names_representative"),
        ),
        sa.CheckConstraint(
            "left_at IS NULL OR arrived_at IS NULL OR left_at >= arrived_at",
            name=op.f("ck_meeting_attendance_leaves_after_arriving"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_attendance_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["meeting_participants.id"],
            name=op.f("fk_meeting_attendance_participant_id_meeting_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["representative_id"],
            ["users.id"],
            name=op.f("fk_meeting_attendance_representative_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["marked_by_id"], ["users.id"], name=op.f("fk_meeting_attendance_marked_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendance")),
        sa.UniqueConstraint("participant_id", name="uq_meeting_attendance_participant_id"),
    )
    op.create_index(op.f("ix_meeting_attendance_meeting_id"), "meeting_attendance", ["meeting_id"])

    op.create_table(
        "meeting_speakers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "normal",
                "pro",
                "contra",
                "point_of_order",
                name="speechkind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        _moment("requested_at", nullable=False),
        _moment("started_at"),
        _moment("stopped_at"),
        _moment("withdrawn_at"),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_speakers_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["agenda_items.id"], name=op.f("fk_meeting_speakers_item_id_agenda_items")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_meeting_speakers_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_speakers")),
    )
    op.create_index(op.f("ix_meeting_speakers_meeting_id"), "meeting_speakers", ["meeting_id"])
    op.create_index("ix_meeting_speakers_item_id", "meeting_speakers", ["item_id", "position"])

    op.create_table(
        "meeting_speaking_times",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.CheckConstraint("seconds > 0", name=op.f("ck_meeting_speaking_times_positive")),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_speaking_times_meeting_id_meetings"),
        ),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_meeting_speaking_times")),
    )

    op.create_table(
        "meeting_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        _moment("declared_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_conflicts_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["agenda_items.id"],
            name=op.f("fk_meeting_conflicts_item_id_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_meeting_conflicts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_conflicts")),
        sa.UniqueConstraint("item_id", "user_id", name="uq_meeting_conflicts_item_id"),
    )
    op.create_index(op.f("ix_meeting_conflicts_meeting_id"), "meeting_conflicts", ["meeting_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_meeting_conflicts_meeting_id"), table_name="meeting_conflicts")
    op.drop_table("meeting_conflicts")
    op.drop_table("meeting_speaking_times")
    op.drop_index("ix_meeting_speakers_item_id", table_name="meeting_speakers")
    op.drop_index(op.f("ix_meeting_speakers_meeting_id"), table_name="meeting_speakers")
    op.drop_table("meeting_speakers")
    op.drop_index(op.f("ix_meeting_attendance_meeting_id"), table_name="meeting_attendance")
    op.drop_table("meeting_attendance")
