"""notifications name what they are about and clear when their action is done

A notification that asks for something (sign, seal, answer, ...) keeps its subject and action,
and is marked done once the action is done or moot; a person has at most one live notification
per action and subject. Signing notices move from the inbox's `notifications` table to the bell:
the old ones still unread there are marked read, as the signing flow no longer clears them.

Revision ID: 0018_notify
Revises: 0017_convjob
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0018_notify"
down_revision = "0017_convjob"
branch_labels = None
depends_on = None

LIVE_ACTION = sa.text("action IS NOT NULL AND done_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("user_notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("action", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("done_at", core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_user_notifications_subject", ["subject_kind", "subject_id"], unique=False
        )
        batch_op.create_index(
            "uq_user_notifications_live_action",
            ["user_id", "subject_kind", "subject_id", "action"],
            unique=True,
            sqlite_where=LIVE_ACTION,
            postgresql_where=LIVE_ACTION,
        )
    notifications = sa.table(
        "notifications",
        sa.column("kind", sa.String),
        sa.column("read_at", core.db.UTCDateTime(timezone=True)),
    )
    op.execute(
        notifications.update()
        .where(notifications.c.kind.like("signing\\_%", escape="\\"))
        .where(notifications.c.read_at.is_(None))
        .values(read_at=sa.func.current_timestamp())
    )


def downgrade() -> None:
    with op.batch_alter_table("user_notifications", schema=None) as batch_op:
        batch_op.drop_index("uq_user_notifications_live_action")
        batch_op.drop_index("ix_user_notifications_subject")
        batch_op.drop_column("done_at")
        batch_op.drop_column("action")
        batch_op.drop_column("subject_id")
        batch_op.drop_column("subject_kind")
