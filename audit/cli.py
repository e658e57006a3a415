"""`vanthu audit ...`: export a bundle, sign a checkpoint now, and (offline) verify or witness.

`verify` and `witness` need no app; `core.cli` runs them before creating one.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from audit.config import log_settings
from audit.errors import EntryNotFound, LogInconsistent
from audit.export import export_bundle
from audit.log import integrate
from audit.offline import verify, witness
from core.db import get_session

audit_group = AppGroup("audit", help="The tamper-evident audit log.")
_PASS_THROUGH = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}


@audit_group.command("checkpoint", help="Sequence queued events and sign a checkpoint now.")
def checkpoint_command() -> None:
    try:
        result = integrate(get_session(), log_settings(), force_checkpoint=True)
    except LogInconsistent as e:
        raise click.ClickException(f"the log refuses to sign: {e.message}") from None
    assert result is not None
    signed = (
        f"signed a checkpoint at size {result.checkpoint}" if result.checkpoint else "no change"
    )
    click.echo(f"appended {result.appended} entries; {signed}; tree size {result.size}")


@audit_group.command("export", help="Write the log as an offline audit bundle into DIR.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_command(directory: Path) -> None:
    try:
        done = export_bundle(get_session(), log_settings(), directory)
    except FileExistsError as e:
        raise click.ClickException(str(e)) from None
    except EntryNotFound:
        raise click.ClickException("the log has no checkpoint to export yet") from None
    click.echo(f"exported {done.entries} entries and {done.checkpoints} checkpoints to {done.path}")
    if done.refusal:
        click.echo(f"WARNING: the log refuses to sign: {done.refusal}", err=True)
        raise SystemExit(1)


@audit_group.command(
    "verify", context_settings=_PASS_THROUGH, help="Verify a bundle offline (see --help)."
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def verify_command(args: tuple[str, ...]) -> None:
    raise SystemExit(verify.main(list(args)))


@audit_group.command(
    "witness", context_settings=_PASS_THROUGH, help="Check that the log only grows (see --help)."
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def witness_command(args: tuple[str, ...]) -> None:
    raise SystemExit(witness.main(list(args)))
