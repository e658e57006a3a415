"""The meeting room's state: the current agenda item, when it started and its planned duration

Revision ID: 0017_live
Revises: 0017_minutes
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0017_live"
down_revision = "0017_minutes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_room_states",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("current_item_id", sa.Integer(), nullable=True),
        sa.Column("item_started_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("planned_minutes", sa.Integer(), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_meeting_room_states_meeting_id_meetings"
        ),
        sa.ForeignKeyConstraint(
            ["current_item_id"],
            ["agenda_items.id"],
            name="fk_meeting_room_states_current_item_id_agenda_items",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("meeting_id", name="pk_meeting_room_states"),
    )


def downgrade() -> None:
    op.drop_table("meeting_room_states")
