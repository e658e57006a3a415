"""drafting layout: a công văn's addressees, the collective of a TM. KT./TM. Q. signer, the
issuing body's name as the document header prints it

Revision ID: 0015_drafting
Revises: 0014
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_drafting"
down_revision = "0015_flows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch_op:
        batch_op.add_column(
            sa.Column("addressees_text", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("signer_collective", sa.String(length=255), server_default="", nullable=False)
        )
    with op.batch_alter_table("units") as batch_op:
        batch_op.add_column(
            sa.Column("header_name", sa.String(length=255), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("units") as batch_op:
        batch_op.drop_column("header_name")
    with op.batch_alter_table("documents") as batch_op:
        batch_op.drop_column("signer_collective")
        batch_op.drop_column("addressees_text")
