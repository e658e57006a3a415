"""The `vanthu` command: the offline verifiers, then Flask's CLI with every command of the app.

The offline checks an auditor runs (`vanthu verify` of a signed PDF or a bundle, `vanthu audit
verify`, `vanthu audit witness`) are dispatched before Flask is imported, so they start fast and
need no app or database.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

#: Offline checks an auditor runs on their own machine: no app, no database, no configuration.
OFFLINE_COMMANDS: dict[tuple[str, ...], str] = {
    ("verify",): "signing.crypto.pdf_cli:main",
    ("audit", "verify"): "audit.offline.verify:main",
    ("audit", "witness"): "audit.offline.witness:main",
}


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    for prefix, target in OFFLINE_COMMANDS.items():
        if tuple(args[: len(prefix)]) == prefix:
            module_name, function = target.split(":")
            offline_main = getattr(importlib.import_module(module_name), function)
            raise SystemExit(offline_main(args[len(prefix) :]))

    from flask.cli import FlaskGroup

    from core.app import create_app
    from core.commands import run_command

    cli = FlaskGroup(create_app=lambda: create_app(), help="VanThu administration commands.")
    cli.add_command(run_command)  # Flask's `run`, with the background jobs' consumer
    cli.main(args=args, prog_name="vanthu")
