"""PAdES: signed PDF originals, each step's output, officials' signature images, sealed attachments

Revision ID: 0015_pades
Revises: 0014
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0015_pades"
down_revision = "0015_registers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signing_requests") as batch:
        batch.add_column(
            sa.Column("pades", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("original_sha256", sa.String(length=64), nullable=True))
    with op.batch_alter_table("signatures") as batch:
        batch.add_column(sa.Column("output_sha256", sa.String(length=64), nullable=True))
    op.create_table(
        "signing_signature_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_signing_signature_images_user_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_signing_signature_images"),
        sa.UniqueConstraint("user_id", name="uq_signing_signature_images_user_id"),
    )


    op.create_table(
        "signing_sealed_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("p7s", sa.LargeBinary(), nullable=False),
        sa.Column("signing_time", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["signing_requests.id"],
            name="fk_signing_sealed_attachments_request_id_signing_requests",
        ),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name="fk_signing_sealed_attachments_attachment_id_attachments",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_signing_sealed_attachments"),
        sa.UniqueConstraint(
            "request_id", "attachment_id", name="uq_signing_sealed_attachments_pair"
        ),
    )
    op.create_index(
        "ix_signing_sealed_attachments_request_id",
        "signing_sealed_attachments",
        ["request_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_signing_sealed_attachments_request_id", "signing_sealed_attachments")
    op.drop_table("signing_sealed_attachments")
    op.drop_table("signing_signature_images")
    with op.batch_alter_table("signatures") as batch:
        batch.drop_column("output_sha256")
    with op.batch_alter_table("signing_requests") as batch:
        batch.drop_column("original_sha256")
        batch.drop_column("pades")
