"""meetings: meetings and series, participants, the agenda tree and its closure, access lists,
exact versions on items, meeting materials and their receipts, when each person last looked

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column(
            "recurrence",
            sa.Enum("weekly", "monthly", name="recurrence", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_meeting_series_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_meeting_series_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_series")),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "peoples_committee",
                "department",
                "thematic",
                "other",
                name="meetingkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("room", sa.String(length=255), nullable=False),
        sa.Column("online_link", sa.String(length=500), nullable=False),
        sa.Column("chair_id", sa.Integer(), nullable=False),
        sa.Column("secretary_id", sa.Integer(), nullable=False),
        sa.Column(
            "confidentiality",
            sa.Enum(
                "thuong",
                "mat",
                "toi_mat",
                "tuyet_mat",
                name="confidentiality",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                "in_progress",
                "closed",
                "archived",
                name="meetingstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_meetings_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["chair_id"], ["users.id"], name=op.f("fk_meetings_chair_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_meetings_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["secretary_id"], ["users.id"], name=op.f("fk_meetings_secretary_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["meeting_series.id"], name=op.f("fk_meetings_series_id_meeting_series")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_meetings_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_chair_id"), ["chair_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_meetings_secretary_id"), ["secretary_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_meetings_series_id"), ["series_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meetings_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_meetings_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("presenter_id", sa.Integer(), nullable=True),
        sa.Column("presenter_name", sa.String(length=255), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("normal", "internal", "hidden", name="itemkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "duration_minutes >= 0", name=op.f("ck_agenda_items_duration_not_negative")
        ),
        sa.CheckConstraint(
            "parent_id IS NULL OR parent_id <> id", name=op.f("ck_agenda_items_not_own_parent")
        ),
        sa.CheckConstraint("position >= 0", name=op.f("ck_agenda_items_position_not_negative")),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_agenda_items_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["agenda_items.id"], name=op.f("fk_agenda_items_parent_id_agenda_items")
        ),
        sa.ForeignKeyConstraint(
            ["presenter_id"], ["users.id"], name=op.f("fk_agenda_items_presenter_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
    )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_items_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "meeting_materials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_meeting_materials_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_materials_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_materials")),
    )
    with op.batch_alter_table("meeting_materials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_materials_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "meeting_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("organisation", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "member", "guest", "observer", name="participantrole", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("via_unit_id", sa.Integer(), nullable=True),
        sa.Column("representative_id", sa.Integer(), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "user_id IS NOT NULL OR name <> ''", name=op.f("ck_meeting_participants_someone")
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_meeting_participants_added_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_participants_meeting_id_meetings"),
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_id"],
            ["users.id"],
            name=op.f("fk_meeting_participants_removed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["representative_id"],
            ["users.id"],
            name=op.f("fk_meeting_participants_representative_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_meeting_participants_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["via_unit_id"], ["units.id"], name=op.f("fk_meeting_participants_via_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_participants")),
        sa.UniqueConstraint("meeting_id", "user_id", name="uq_meeting_participants_user"),
    )
    with op.batch_alter_table("meeting_participants", schema=None) as batch_op:
        batch_op.create_index(
            "ix_meeting_participants_representative", ["representative_id"], unique=False
        )
        batch_op.create_index(
            "ix_meeting_participants_user_meeting", ["user_id", "meeting_id"], unique=False
        )

    op.create_table(
        "agenda_item_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["agenda_items.id"],
            name=op.f("fk_agenda_item_access_item_id_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["meeting_participants.id"],
            name=op.f("fk_agenda_item_access_participant_id_meeting_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_item_access")),
        sa.UniqueConstraint("item_id", "participant_id", name="uq_agenda_item_access_pair"),
    )
    with op.batch_alter_table("agenda_item_access", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_item_access_participant_id"), ["participant_id"], unique=False
        )

    op.create_table(
        "agenda_item_looks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("looked_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["agenda_items.id"], name=op.f("fk_agenda_item_looks_item_id_agenda_items")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_agenda_item_looks_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_item_looks")),
        sa.UniqueConstraint("user_id", "item_id", name="uq_agenda_item_looks_user_item"),
    )
    with op.batch_alter_table("agenda_item_looks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agenda_item_looks_item_id"), ["item_id"], unique=False)

    op.create_table(
        "agenda_item_paths",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("ancestor_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ancestor_id"],
            ["agenda_items.id"],
            name=op.f("fk_agenda_item_paths_ancestor_id_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["agenda_items.id"], name=op.f("fk_agenda_item_paths_item_id_agenda_items")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_agenda_item_paths_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("item_id", "ancestor_id", name=op.f("pk_agenda_item_paths")),
    )
    with op.batch_alter_table("agenda_item_paths", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_item_paths_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "meeting_material_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("mime", sa.String(length=128), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["meeting_materials.id"],
            name=op.f("fk_meeting_material_versions_material_id_meeting_materials"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_meeting_material_versions_uploaded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_material_versions")),
        sa.UniqueConstraint("material_id", "number", name="uq_meeting_material_versions_n"),
    )
    op.create_table(
        "agenda_item_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("material_id", sa.Integer(), nullable=True),
        sa.Column("material_version_id", sa.Integer(), nullable=True),
        sa.Column("attached_by_id", sa.Integer(), nullable=False),
        sa.Column("attached_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(version_id IS NULL) = (document_id IS NULL)"
            " AND (material_version_id IS NULL) = (material_id IS NULL)"
            " AND (version_id IS NULL) <> (material_version_id IS NULL)",
            name=op.f("ck_agenda_item_documents_one_version"),
        ),
        sa.ForeignKeyConstraint(
            ["attached_by_id"],
            ["users.id"],
            name=op.f("fk_agenda_item_documents_attached_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_agenda_item_documents_document_id_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["agenda_items.id"],
            name=op.f("fk_agenda_item_documents_item_id_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["meeting_materials.id"],
            name=op.f("fk_agenda_item_documents_material_id_meeting_materials"),
        ),
        sa.ForeignKeyConstraint(
            ["material_version_id"],
            ["meeting_material_versions.id"],
            name=op.f("fk_agenda_item_documents_material_version_id_meeting_material_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_versions.id"],
            name=op.f("fk_agenda_item_documents_version_id_document_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_item_documents")),
        sa.UniqueConstraint("item_id", "document_id", name="uq_agenda_item_documents_document"),
        sa.UniqueConstraint("item_id", "material_id", name="uq_agenda_item_documents_material"),
    )
    with op.batch_alter_table("agenda_item_documents", schema=None) as batch_op:
        batch_op.create_index("ix_agenda_item_documents_version", ["version_id"], unique=False)

    op.create_table(
        "meeting_material_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("material_version_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("first_opened_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_opened_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("times_opened", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["meeting_materials.id"],
            name=op.f("fk_meeting_material_receipts_material_id_meeting_materials"),
        ),
        sa.ForeignKeyConstraint(
            ["material_version_id"],
            ["meeting_material_versions.id"],
            name=op.f("fk_meeting_material_receipts_material_version_id_meeting_material_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_meeting_material_receipts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_material_receipts")),
        sa.UniqueConstraint(
            "material_version_id", "user_id", name="uq_meeting_material_receipts_version_user"
        ),
    )
    with op.batch_alter_table("meeting_material_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_material_receipts_material_id"), ["material_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_meeting_material_receipts_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting_material_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_material_receipts_user_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_material_receipts_material_id"))

    op.drop_table("meeting_material_receipts")
    with op.batch_alter_table("agenda_item_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_agenda_item_documents_version")

    op.drop_table("agenda_item_documents")
    op.drop_table("meeting_material_versions")
    with op.batch_alter_table("agenda_item_paths", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_item_paths_meeting_id"))

    op.drop_table("agenda_item_paths")
    with op.batch_alter_table("agenda_item_looks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_item_looks_item_id"))

    op.drop_table("agenda_item_looks")
    with op.batch_alter_table("agenda_item_access", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_item_access_participant_id"))

    op.drop_table("agenda_item_access")
    with op.batch_alter_table("meeting_participants", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_participants_user_meeting")
        batch_op.drop_index("ix_meeting_participants_representative")

    op.drop_table("meeting_participants")
    with op.batch_alter_table("meeting_materials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_materials_meeting_id"))

    op.drop_table("meeting_materials")
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_items_meeting_id"))

    op.drop_table("agenda_items")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_unit_id"))
        batch_op.drop_index(batch_op.f("ix_meetings_starts_at"))
        batch_op.drop_index(batch_op.f("ix_meetings_series_id"))
        batch_op.drop_index(batch_op.f("ix_meetings_secretary_id"))
        batch_op.drop_index(batch_op.f("ix_meetings_chair_id"))

    op.drop_table("meetings")
    op.drop_table("meeting_series")
