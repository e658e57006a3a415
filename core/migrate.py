"""Run Alembic migrations from code (the CLI and the test suite share this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


#: Created by hand in migrations: SQLite's FTS5 index and its shadow tables.
HAND_MADE_TABLES = ("document_search",)


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Leave hand-made objects out of Alembic's comparison with the models."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(HAND_MADE_TABLES)
    return not (type_ == "index" and name == "ix_documents_search")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
