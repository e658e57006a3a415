"""jobs: background work every process sees; bulk verifications become jobs

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-04
"""

import datetime

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

KIND = "signing.verify_bulk"
FINISHED = ("done", "failed")
UNFINISHED = "Interrupted by an upgrade of VanThu; start it again."
WHEN = core.db.UTCDateTime(timezone=True)
#: The old table as this migration reads and writes it, typed so that dates come back as dates.
VERIFICATIONS = sa.table(
    "signing_verification_jobs",
    *(sa.column(name, sa.Integer()) for name in ("id", "requested_by_id", "total", "done")),
    *(sa.column(name, sa.Integer()) for name in ("passed", "failed", "indeterminate")),
    sa.column("date_from", sa.Date()),
    sa.column("date_to", sa.Date()),
    sa.column("state", sa.String()),
    sa.column("error", sa.String()),
    *(sa.column(name, WHEN) for name in ("created_at", "updated_at", "finished_at")),
)
JOBS = sa.table(
    "jobs",
    *(sa.column(name, sa.Integer()) for name in ("id", "owner_id", "done", "total", "attempts")),
    sa.column("kind", sa.String()),
    sa.column("state", sa.String()),
    sa.column("error", sa.String()),
    sa.column("payload", sa.JSON()),
    sa.column("result", sa.JSON()),
    *(sa.column(name, WHEN) for name in ("created_at", "started_at", "updated_at", "finished_at")),
)
STATE = sa.Enum(
    "queued", "running", "done", "failed", name="jobstate", native_enum=False, length=16
)


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("state", STATE, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_jobs_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_owner_kind", ["owner_id", "kind", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_state"), ["state"], unique=False)

    # Every bulk verification so far becomes a job with the same id, so that its result rows
    # keep pointing at it. One left unfinished ran in a thread that the upgrade's restart ended.
    bind = op.get_bind()
    old = bind.execute(sa.select(VERIFICATIONS).order_by(VERIFICATIONS.c.id)).mappings()
    rows = [
        {
            "id": row["id"],
            "kind": KIND,
            "owner_id": row["requested_by_id"],
            "state": row["state"] if row["state"] in FINISHED else "failed",
            "payload": {
                "date_from": row["date_from"].isoformat(),
                "date_to": row["date_to"].isoformat(),
            },
            "done": row["done"],
            "total": row["total"],
            "result": {k: row[k] for k in ("passed", "failed", "indeterminate")},
            "error": row["error"] if row["state"] in FINISHED else UNFINISHED,
            "attempts": 1,
            "created_at": row["created_at"],
            "started_at": None,
            "updated_at": row["updated_at"],
            "finished_at": row["finished_at"],
        }
        for row in old
    ]
    if rows:
        bind.execute(sa.insert(JOBS), rows)
        if bind.dialect.name == "postgresql":
            op.execute("SELECT setval('jobs_id_seq', (SELECT max(id) FROM jobs))")

    with op.batch_alter_table("signing_verification_results", schema=None) as batch_op:
        # op.f: on PostgreSQL the name was cut to 63 characters the same way when it was made.
        batch_op.drop_constraint(
            batch_op.f("fk_signing_verification_results_job_id_signing_verification_jobs"),
            type_="foreignkey",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_signing_verification_results_job_id_jobs"), "jobs", ["job_id"], ["id"]
        )
    op.drop_table("signing_verification_jobs")


def downgrade() -> None:
    op.create_table(
        "signing_verification_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("state", STATE, nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("indeterminate", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_signing_verification_jobs_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_verification_jobs")),
    )
    bind = op.get_bind()
    jobs = bind.execute(
        sa.select(JOBS).where(JOBS.c.kind == KIND).order_by(JOBS.c.id)
    ).mappings()
    rows = []
    for row in jobs:
        result = row["result"] or {}
        rows.append(
            {
                "id": row["id"],
                "requested_by_id": row["owner_id"],
                "date_from": datetime.date.fromisoformat(row["payload"]["date_from"]),
                "date_to": datetime.date.fromisoformat(row["payload"]["date_to"]),
                "state": row["state"],
                "total": row["total"],
                "done": row["done"],
                **{k: result.get(k, 0) for k in ("passed", "failed", "indeterminate")},
                "created_at": row["created_at"],
                "updated_at": row["updated_at"],
                "finished_at": row["finished_at"],
                "error": row["error"],
            }
        )
    if rows:
        bind.execute(sa.insert(VERIFICATIONS), rows)
    with op.batch_alter_table("signing_verification_results", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_signing_verification_results_job_id_jobs"), type_="foreignkey"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_signing_verification_results_job_id_signing_verification_jobs"),
            "signing_verification_jobs",
            ["job_id"],
            ["id"],
        )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_state"))
        batch_op.drop_index("ix_jobs_owner_kind")
    op.drop_table("jobs")

