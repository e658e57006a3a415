"""meeting invitations: sent once sealed, and the Giấy mời a replacement replaces

The Giấy mời of a meeting is now signed and sealed before it is circulated: `sent_at` says when
it went out (the rows published before were circulated at once, unsealed: their `created_at`).
A change of time or place after it went out replaces it with a new one (Giấy mời thay thế):
`replaces_document_id` names the one replaced.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0015"
down_revision = "0015_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meeting_invitations") as batch:
        batch.add_column(
            sa.Column("sent_at", core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("replaces_document_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_meeting_invitations_replaces_document_id_documents"),
            "documents",
            ["replaces_document_id"],
            ["id"],
        )
    op.execute("UPDATE meeting_invitations SET sent_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("meeting_invitations") as batch:
        batch.drop_constraint(
            op.f("fk_meeting_invitations_replaces_document_id_documents"), type_="foreignkey"
        )
        batch.drop_column("replaces_document_id")
        batch.drop_column("sent_at")
