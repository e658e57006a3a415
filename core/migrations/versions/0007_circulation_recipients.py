"""circulation_recipients: the versions each person and unit was sent, which they may open

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "circulation_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circulation_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (unit_id IS NULL)",
            name=op.f("ck_circulation_recipients_one_recipient"),
        ),
        sa.ForeignKeyConstraint(
            ["circulation_id"],
            ["circulations.id"],
            name=op.f("fk_circulation_recipients_circulation_id_circulations"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_circulation_recipients_document_id_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_versions.id"],
            name=op.f("fk_circulation_recipients_version_id_document_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_circulation_recipients_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_circulation_recipients_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circulation_recipients")),
        sa.UniqueConstraint("version_id", "user_id", name="uq_circulation_recipients_user"),
        sa.UniqueConstraint("version_id", "unit_id", name="uq_circulation_recipients_unit"),
    )
    with op.batch_alter_table("circulation_recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_circulation_recipients_circulation_id"), ["circulation_id"]
        )
        batch_op.create_index("ix_circulation_recipients_user_document", ["user_id", "document_id"])
        batch_op.create_index("ix_circulation_recipients_unit_document", ["unit_id", "document_id"])
    # What was sent before this table existed: each inbox entry and unit receipt names the
    # first circulation that reached its person or unit (later ones were not recorded).
    op.execute(
        "INSERT INTO circulation_recipients (circulation_id, document_id, version_id, user_id)"
        " SELECT c.id, c.document_id, c.version_id, d.user_id"
        " FROM deliveries d JOIN circulations c ON c.id = d.circulation_id"
    )
    op.execute(
        "INSERT INTO circulation_recipients (circulation_id, document_id, version_id, unit_id)"
        " SELECT c.id, c.document_id, c.version_id, r.unit_id"
        " FROM unit_receipts r JOIN circulations c ON c.id = r.circulation_id"
    )


def downgrade() -> None:
    with op.batch_alter_table("circulation_recipients", schema=None) as batch_op:
        batch_op.drop_index("ix_circulation_recipients_unit_document")
        batch_op.drop_index("ix_circulation_recipients_user_document")
        batch_op.drop_index(batch_op.f("ix_circulation_recipients_circulation_id"))
    op.drop_table("circulation_recipients")
