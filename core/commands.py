"""Commands every installation has: `vanthu db ...`, `vanthu demo`, `vanthu run`, `vanthu jobs`.

Each domain adds its own command group in its `init_app`; this module only holds the shared ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import click
from flask import Flask, current_app
from flask.cli import AppGroup, ScriptInfo, get_debug_flag, with_appcontext
from flask.cli import run_command as flask_run_command
from sqlalchemy.orm import Session
from werkzeug.serving import is_running_from_reloader

from core import jobs, migrate
from core.db import get_engine, get_session

DemoLoader = Callable[[Session, Flask], list[tuple[str, str, str]]]


def init_app(
    app: Flask,
    demo_loaders: Sequence[DemoLoader] = (),
    demo_notes: Sequence[Callable[[Flask], list[str]]] = (),
) -> None:
    """``demo_notes`` say what else a newcomer needs to try the demo (e.g. the signing PINs),
    printed after the logins each time `vanthu demo` runs."""
    app.cli.add_command(db_group)
    app.extensions["vanthu.demo_loaders"] = list(demo_loaders)
    app.extensions["vanthu.demo_notes"] = list(demo_notes)
    app.cli.add_command(demo_command)
    app.cli.add_command(jobs_group)


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
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for note in current_app.extensions["vanthu.demo_notes"]:
        for line in note(app):
            click.echo(line)


jobs_group = AppGroup("jobs", help="Background jobs.")


@jobs_group.command("worker", help="Run background jobs until stopped (SIGTERM lets jobs finish).")
@click.option("--workers", default=2, show_default=True, help="Jobs run at the same time.")
@click.option(
    "--periodic/--no-periodic",
    default=True,
    help="Schedule periodic tasks; exactly one running worker should.",
)
def jobs_worker(workers: int, periodic: bool) -> None:
    # Huey says what it runs and what failed (job ids, never payloads) on stderr.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    jobs.run_worker(current_app._get_current_object(), workers=workers, periodic=periodic)  # type: ignore[attr-defined]


@click.command(
    "run",
    params=[
        *flask_run_command.params,
        click.Option(
            ["--jobs/--no-jobs", "with_jobs"],
            default=True,
            help="Run background jobs in this process too (no separate `vanthu jobs worker`).",
        ),
    ],
    help="Serve the app with the development server, and run its background jobs.",
)
@click.pass_context
def run_command(ctx: click.Context, with_jobs: bool, **options: object) -> None:
    """Flask's `run`, with a job consumer in the serving process (not in the reloader's)."""
    reload = options.get("reload")
    if reload is None:
        reload = get_debug_flag()
    if with_jobs and (not reload or is_running_from_reloader()):
        jobs.start_consumer(ctx.ensure_object(ScriptInfo).load_app())
    ctx.invoke(flask_run_command, **options)
