"""The meeting room's event rows: what every device follows and a reconnecting browser catches up on

Revision ID: 0016_room
Revises: 0015_pades
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0016_room"
down_revision = "0015_pades"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_room_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_meeting_room_events_meeting_id_meetings"
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name="fk_meeting_room_events_actor_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_meeting_room_events"),
    )
    op.create_index(
        "ix_meeting_room_events_meeting_id", "meeting_room_events", ["meeting_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_meeting_room_events_meeting_id", table_name="meeting_room_events")
    op.drop_table("meeting_room_events")
