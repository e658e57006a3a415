"""registers and Annex VI: the register-only fields, the document identifier and metadata

Revision ID: 0015_registers
Revises: 0014
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_registers"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organ_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identifier", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column("issuer_organ_id", sa.String(length=32), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("file_catalog", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("file_notation", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("doc_ordinal", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("language", sa.String(length=32), server_default="vi", nullable=False)
        )
        batch_op.add_column(sa.Column("page_amount", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("issued_amount", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("file_copy_unit", sa.String(length=255), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("sent_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("register_note", sa.String(length=500), server_default="", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_documents_identifier"), ["identifier"], unique=False)
    with op.batch_alter_table("unit_receipts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("register_note", sa.String(length=500), server_default="", nullable=False)
        )
    op.create_table(
        "document_addressees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("organ_id", sa.String(length=32), server_default="", nullable=False),
        sa.Column("organ_name", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_addressees_document_id_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_addressees")),
        sa.UniqueConstraint("document_id", "position", name="uq_document_addressees_position"),
    )


def downgrade() -> None:
    op.drop_table("document_addressees")
    with op.batch_alter_table("unit_receipts", schema=None) as batch_op:
        batch_op.drop_column("register_note")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_identifier"))
        for column in (
            "register_note",
            "sent_on",
            "file_copy_unit",
            "issued_amount",
            "page_amount",
            "language",
            "doc_ordinal",
            "file_notation",
            "file_catalog",
            "issuer_organ_id",
            "identifier",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("organ_id")
