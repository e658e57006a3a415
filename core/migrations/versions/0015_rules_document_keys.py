"""documents: the folded key that finds an incoming document registered twice, and the sealed
version that alone lets an outgoing document be issued and sent

Revision ID: 0015_rules
Revises: 0014
Create Date: 2026-12-04
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0015_rules"
down_revision = "0015_drafting"
branch_labels = None
depends_on = None


def _fold(text: str) -> str:
    """The same folding as documents.incoming.fold at the time of writing (kept here on purpose:
    a migration must not change when the code does)."""
    text = unicodedata.normalize("NFC", text or "").replace("\u00d0", "\u0110")
    text = text.replace("\u00f0", "\u0111")
    return unicodedata.normalize("NFC", " ".join(text.casefold().split()))


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("sealed_version_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("duplicate_key", sa.String(length=320), nullable=True))
        batch.create_index(
            "ix_documents_unit_duplicate_key", ["unit_id", "duplicate_key"], unique=False
        )
    bind = op.get_bind()
    documents = sa.table(
        "documents",
        sa.column("id", sa.Integer),
        sa.column("direction", sa.String),
        sa.column("status", sa.String),
        sa.column("number_symbol", sa.String),
        sa.column("issuer_name", sa.String),
        sa.column("duplicate_key", sa.String),
        sa.column("sealed_version_id", sa.Integer),
    )
    # Number/symbols were stored as parsed at registration, so folding them is enough.
    rows = bind.execute(
        sa.select(documents.c.id, documents.c.number_symbol, documents.c.issuer_name).where(
            documents.c.direction == "incoming"
        )
    ).all()
    for row in rows:
        key = f"{_fold(row.number_symbol or '')}|{_fold(row.issuer_name or '')}"[:320]
        bind.execute(
            documents.update().where(documents.c.id == row.id).values(duplicate_key=key)
        )
    # Outgoing documents sealed through the signing flow keep their sealed version; any issued
    # without a seal stay issued in the register but cannot be sent any more.
    requests = sa.table(
        "signing_requests",
        sa.column("id", sa.Integer),
        sa.column("document_id", sa.Integer),
        sa.column("version_id", sa.Integer),
        sa.column("state", sa.String),
    )
    sealed = (
        sa.select(requests.c.version_id)
        .where(requests.c.document_id == documents.c.id, requests.c.state == "sealed")
        .order_by(requests.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    bind.execute(
        documents.update()
        .where(documents.c.direction == "outgoing", documents.c.status != "draft")
        .values(sealed_version_id=sealed)
    )


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_unit_duplicate_key")
        batch.drop_column("duplicate_key")
        batch.drop_column("sealed_version_id")
