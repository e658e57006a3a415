"""Commands every installation has: `vanthu db ...` and `vanthu demo`.

Each domain adds its own command group in its `init_app`; this module only holds the shared ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from core import migrate
from core.db import get_engine, get_session

DemoLoader = Callable[[Session, Flask], list[tuple[str, str, str]]]


def init_app(app: Flask, demo_loaders: Sequence[DemoLoader] = ()) -> None:
    app.cli.add_command(db_group)
    app.extensions["vanthu.demo_loaders"] = list(demo_loaders)
    app.cli.add_command(demo_command)


db_group = AppGroup("db", help="Database schema migrations.")


@db_group.command("upgrade", help="Bring the database schema to the latest version.")
def db_upgrade() -> None:
    migrate.upgrade(get_engine())
    click.echo(f"database at revision {migrate.current_revision(get_engine())}")


@db_group.command("current", help="Print the schema revision of the database.")
def db_current() -> None:
    click.echo(migrate.current_revision(get_engine()) or "empty")


@click.command("demo", help="Load demonstration data once, and print the demo logins.")
@with_appcontext
def demo_command() -> None:
    session = get_session()
    logins: list[tuple[str, str, str]] = []
    for loader in current_app.extensions["vanthu.demo_loaders"]:
        logins.extend(loader(session, current_app._get_current_object()))  # type: ignore[attr-defined]
    session.commit()
    for role, username, password in logins:
        click.echo(f"demo login: {role} {username} {password}")
