"""audit log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa
import core.db


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_checkpoints',
    sa.Column('size', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('root', sa.LargeBinary(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('size', name=op.f('pk_audit_checkpoints'))
    )
    op.create_table('audit_nodes',
    sa.Column('level', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('index', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('level', 'index', name=op.f('pk_audit_nodes'))
    )
    op.create_table('audit_leaves',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('leaf', sa.LargeBinary(), nullable=False),
    sa.Column('leaf_hash', sa.LargeBinary(length=32), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['audit_events.id'], name=op.f('fk_audit_leaves_event_id_audit_events')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_leaves')),
    sa.UniqueConstraint('event_id', name=op.f('uq_audit_leaves_event_id'))
    )
    op.create_table('audit_pending',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['audit_events.id'], name=op.f('fk_audit_pending_event_id_audit_events')),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_audit_pending'))
    )
    # Every new event row is queued for the sequencer by the database itself, in the same
    # transaction, whoever inserts it; events recorded before the log existed join it too.
    # On SQLite a later batch_alter_table of audit_events copies the table and drops this
    # trigger: recreate it in that migration (tests/audit checks that raw inserts are queued).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_queue() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN INSERT INTO audit_pending (event_id) VALUES (NEW.id); RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_queue AFTER INSERT ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_queue()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_events_queue AFTER INSERT ON audit_events "
            "BEGIN INSERT INTO audit_pending (event_id) VALUES (NEW.id); END"
        )
    op.execute("INSERT INTO audit_pending (event_id) SELECT id FROM audit_events")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_queue ON audit_events")
        op.execute("DROP FUNCTION audit_events_queue()")
    else:
        op.execute("DROP TRIGGER audit_events_queue")
    op.drop_table('audit_pending')
    op.drop_table('audit_leaves')
    op.drop_table('audit_nodes')
    op.drop_table('audit_checkpoints')
