"""reading_positions: the page each person reached in each exact version

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reading_positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("page >= 1", name=op.f("ck_reading_positions_page_from_one")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_versions.id"],
            name=op.f("fk_reading_positions_version_id_document_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reading_positions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading_positions")),
        sa.UniqueConstraint("version_id", "user_id", name="uq_reading_positions_version_user"),
    )
    with op.batch_alter_table("reading_positions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reading_positions_user_id"), ["user_id"])


def downgrade() -> None:
    with op.batch_alter_table("reading_positions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reading_positions_user_id"))
    op.drop_table("reading_positions")
