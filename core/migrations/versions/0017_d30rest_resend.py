"""d30rest: a returned document is corrected and sent again; each return names its version

Revision ID: 0017_d30rest
Revises: 0017_attend
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_d30rest"
down_revision = "0017_attend"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("receipt_returns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resent_circulation_id", sa.Integer(), nullable=True))
    # A return so far was of the version its unit had been sent.
    op.execute(
        "UPDATE receipt_returns SET version_id = ("
        " SELECT circulations.version_id FROM unit_receipts"
        " JOIN circulations ON circulations.id = unit_receipts.circulation_id"
        " WHERE unit_receipts.document_id = receipt_returns.document_id"
        " AND unit_receipts.unit_id = receipt_returns.unit_id)"
    )
    with op.batch_alter_table("receipt_returns", schema=None) as batch_op:
        batch_op.alter_column("version_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_receipt_returns_document_unit", type_="unique")
        batch_op.create_unique_constraint(
            "uq_receipt_returns_document_unit_version", ["document_id", "unit_id", "version_id"]
        )
        batch_op.create_foreign_key(
            op.f("fk_receipt_returns_version_id_document_versions"),
            "document_versions",
            ["version_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            op.f("fk_receipt_returns_resent_circulation_id_circulations"),
            "circulations",
            ["resent_circulation_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("receipt_returns", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_receipt_returns_resent_circulation_id_circulations"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            op.f("fk_receipt_returns_version_id_document_versions"), type_="foreignkey"
        )
        batch_op.drop_constraint("uq_receipt_returns_document_unit_version", type_="unique")
        batch_op.create_unique_constraint(
            "uq_receipt_returns_document_unit", ["document_id", "unit_id"]
        )
        batch_op.drop_column("resent_circulation_id")
        batch_op.drop_column("version_id")
