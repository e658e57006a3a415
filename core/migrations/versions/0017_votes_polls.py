"""Polls: votes in the meeting room and written consultations, frozen voters, ballots, tallies

Revision ID: 0017_votes
Revises: 0017_live
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0017_votes"
down_revision = "0017_live"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "room_polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.String(length=1000), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("yes_no", "choice", name="pollkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("pass_numerator", sa.Integer(), nullable=False),
        sa.Column("pass_denominator", sa.Integer(), nullable=False),
        sa.Column(
            "pass_base",
            sa.Enum("entitled", "cast", name="passbase", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("open", "closed", "published", name="pollstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("opened_by_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.CheckConstraint(
            "item_id IS NULL OR meeting_id IS NOT NULL", name=op.f("ck_room_polls_item_in_meeting")
        ),
        sa.CheckConstraint(
            "pass_numerator >= 0 AND pass_denominator > 0 AND pass_numerator < pass_denominator",
            name=op.f("ck_room_polls_pass_share"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_room_polls_closed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["agenda_items.id"], name=op.f("fk_room_polls_item_id_agenda_items")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_room_polls_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["users.id"], name=op.f("fk_room_polls_opened_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_polls")),
    )
    with op.batch_alter_table("room_polls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_room_polls_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "room_consultations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("deadline", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("summarised_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_room_consultations_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["room_polls.id"], name=op.f("fk_room_consultations_poll_id_room_polls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_consultations")),
        sa.UniqueConstraint("poll_id", name=op.f("uq_room_consultations_poll_id")),
    )
    with op.batch_alter_table("room_consultations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_room_consultations_deadline"), ["deadline"], unique=False
        )

    op.create_table(
        "room_poll_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=500), nullable=False),
        sa.Column("tally", sa.Integer(), nullable=False),
        sa.CheckConstraint("tally >= 0", name=op.f("ck_room_poll_options_tally_not_negative")),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["room_polls.id"], name=op.f("fk_room_poll_options_poll_id_room_polls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_poll_options")),
        sa.UniqueConstraint("poll_id", "position", name="uq_room_poll_options_position"),
    )
    op.create_table(
        "room_poll_voters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["users.id"], name=op.f("fk_room_poll_voters_member_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["room_polls.id"], name=op.f("fk_room_poll_voters_poll_id_room_polls")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_room_poll_voters_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_poll_voters")),
        sa.UniqueConstraint("poll_id", "member_id", name="uq_room_poll_voters_member"),
    )
    with op.batch_alter_table("room_poll_voters", schema=None) as batch_op:
        batch_op.create_index("ix_room_poll_voters_user", ["poll_id", "user_id"], unique=False)

    op.create_table(
        "room_consultation_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["room_consultations.id"],
            name=op.f("fk_room_consultation_documents_consultation_id_room_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_room_consultation_documents_document_id_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_versions.id"],
            name=op.f("fk_room_consultation_documents_version_id_document_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_consultation_documents")),
        sa.UniqueConstraint(
            "consultation_id", "version_id", name="uq_room_consultation_documents_version"
        ),
    )
    with op.batch_alter_table("room_consultation_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_room_consultation_documents_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "room_consultation_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lead_minutes", sa.Integer(), nullable=False),
        sa.Column("sent_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["room_consultations.id"],
            name=op.f("fk_room_consultation_reminders_consultation_id_room_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_room_consultation_reminders_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_consultation_reminders")),
        sa.UniqueConstraint(
            "consultation_id", "user_id", "lead_minutes", name="uq_room_consultation_reminders_once"
        ),
    )
    op.create_table(
        "room_poll_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("voter_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=True),
        sa.Column("cast_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["room_poll_options.id"],
            name=op.f("fk_room_poll_ballots_option_id_room_poll_options"),
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["room_polls.id"], name=op.f("fk_room_poll_ballots_poll_id_room_polls")
        ),
        sa.ForeignKeyConstraint(
            ["voter_id"],
            ["room_poll_voters.id"],
            name=op.f("fk_room_poll_ballots_voter_id_room_poll_voters"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_poll_ballots")),
        sa.UniqueConstraint("voter_id", name="uq_room_poll_ballots_voter"),
    )
    with op.batch_alter_table("room_poll_ballots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_room_poll_ballots_poll_id"), ["poll_id"], unique=False)

    op.create_table(
        "room_answer_signatures",
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("cms_der", sa.LargeBinary(), nullable=False),
        sa.Column("certificate_serial", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["room_poll_ballots.id"],
            name=op.f("fk_room_answer_signatures_ballot_id_room_poll_ballots"),
        ),
        sa.PrimaryKeyConstraint("ballot_id", name=op.f("pk_room_answer_signatures")),
    )


def downgrade() -> None:
    op.drop_table("room_answer_signatures")
    with op.batch_alter_table("room_poll_ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_room_poll_ballots_poll_id"))

    op.drop_table("room_poll_ballots")
    op.drop_table("room_consultation_reminders")
    with op.batch_alter_table("room_consultation_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_room_consultation_documents_version_id"))

    op.drop_table("room_consultation_documents")
    with op.batch_alter_table("room_poll_voters", schema=None) as batch_op:
        batch_op.drop_index("ix_room_poll_voters_user")

    op.drop_table("room_poll_voters")
    op.drop_table("room_poll_options")
    with op.batch_alter_table("room_consultations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_room_consultations_deadline"))

    op.drop_table("room_consultations")
    with op.batch_alter_table("room_polls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_room_polls_meeting_id"))

    op.drop_table("room_polls")
