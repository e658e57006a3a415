"""flows: returned receipts, recall confirmations, unit assignments and their reminders, replies

Revision ID: 0015_flows
Revises: 0014
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0015_flows"
down_revision = "0014"
branch_labels = None
depends_on = None


def _document_unit_table(name: str, who: str, when: str, *extra: sa.Column) -> None:
    """A row per (document, unit), by a person at a moment: returns and recall confirmations."""
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column(who, sa.Integer(), nullable=False),
        sa.Column(when, core.db.UTCDateTime(timezone=True), nullable=False),
        *extra,
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f(f"fk_{name}_document_id_documents")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f(f"fk_{name}_unit_id_units")),
        sa.ForeignKeyConstraint([who], ["users.id"], name=op.f(f"fk_{name}_{who}_users")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("document_id", "unit_id", name=f"uq_{name}_document_unit"),
    )
    op.create_index(op.f(f"ix_{name}_document_id"), name, ["document_id"])


def upgrade() -> None:
    _document_unit_table(
        "receipt_returns",
        "returned_by_id",
        "returned_at",
        sa.Column("reason", sa.String(length=500), nullable=False),
    )
    _document_unit_table("recall_confirmations", "confirmed_by_id", "confirmed_at")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lead_unit_id", sa.Integer(), nullable=True))
        batch_op.alter_column("lead_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            op.f("fk_assignments_lead_unit_id_units"), "units", ["lead_unit_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_assignments_lead_unit_id"), ["lead_unit_id"])
        batch_op.create_check_constraint(
            op.f("ck_assignments_one_lead"), "(lead_id IS NULL) <> (lead_unit_id IS NULL)"
        )
    op.create_table(
        "assignment_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_assignment_units_assignment_id_assignments"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_assignment_units_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_units")),
        sa.UniqueConstraint("assignment_id", "unit_id", name="uq_assignment_units_pair"),
    )
    op.create_index(op.f("ix_assignment_units_unit_id"), "assignment_units", ["unit_id"])
    op.create_table(
        "assignment_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("sent_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_assignment_reminders_assignment_id_assignments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_reminders")),
        sa.UniqueConstraint(
            "assignment_id", "days_before", name="uq_assignment_reminders_key"
        ),
    )
    op.create_table(
        "document_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("answered_id", sa.Integer(), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reply_id"], ["documents.id"], name=op.f("fk_document_replies_reply_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["answered_id"],
            ["documents.id"],
            name=op.f("fk_document_replies_answered_id_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["linked_by_id"], ["users.id"], name=op.f("fk_document_replies_linked_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_replies")),
        sa.UniqueConstraint("reply_id", "answered_id", name="uq_document_replies_pair"),
    )
    op.create_index(op.f("ix_document_replies_answered_id"), "document_replies", ["answered_id"])


def downgrade() -> None:
    op.drop_table("document_replies")
    op.drop_table("assignment_reminders")
    op.drop_table("assignment_units")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_assignments_one_lead"), type_="check")
        batch_op.drop_index(batch_op.f("ix_assignments_lead_unit_id"))
        batch_op.drop_constraint(op.f("fk_assignments_lead_unit_id_units"), type_="foreignkey")
        batch_op.alter_column("lead_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("lead_unit_id")
    op.drop_table("recall_confirmations")
    op.drop_table("receipt_returns")
