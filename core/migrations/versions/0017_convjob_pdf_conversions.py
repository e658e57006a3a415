"""PDF conversions run as background jobs: one waiting conversion per document

Revision ID: 0017_convjob
Revises: 0017_votes
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0017_convjob"
down_revision = "0017_votes"
branch_labels = None
depends_on = None

STATE = sa.Enum(
    "pending", "done", "failed", "cancelled", name="conversionstate", native_enum=False, length=16
)


def upgrade() -> None:
    op.create_table(
        "pdf_conversions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("state", STATE, nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=True),
        sa.Column("job_kind", sa.String(length=64), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("follow_up", sa.JSON(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("error_data", sa.JSON(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_pdf_conversions_document_id_documents"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name="fk_pdf_conversions_requested_by_id_users"
        ),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name="fk_pdf_conversions_job_id_jobs"),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_versions.id"],
            name="fk_pdf_conversions_version_id_document_versions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_pdf_conversions"),
        sa.UniqueConstraint("document_id", "pending", name="uq_pdf_conversions_pending"),
    )
    op.create_index(
        op.f("ix_pdf_conversions_document_id"), "pdf_conversions", ["document_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_pdf_conversions_document_id"), table_name="pdf_conversions")
    op.drop_table("pdf_conversions")
