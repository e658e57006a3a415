"""`vanthu mail ...`: whether e-mail is on, and sending what waits in the outbox.

The task queue sends the outbox by itself every minute (`notifications.send_due`, a periodic job);
`vanthu mail send` sends what is due at once, beside it without sending anything twice.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from accounts import notifications
from core import mail
from core.db import get_session

mail_group = AppGroup("mail", help="E-mail: its settings and the outbox.")


@mail_group.command("status", help="Say whether e-mail is on, and count the outbox's letters.")
def mail_status() -> None:
    click.echo(mail.status_line())
    counts = notifications.outbox_counts(get_session())
    click.echo("outbox: " + ", ".join(f"{count} {status}" for status, count in counts.items()))


@mail_group.command("send", help="Send the letters that are due, retrying those that failed.")
@click.option("--limit", default=notifications.BATCH_SIZE, show_default=True, type=int)
def mail_send(limit: int) -> None:
    mailer = mail.get_mailer()
    if mailer is None:
        raise click.ClickException(mail.status_line())
    report = notifications.send_pending(get_session(), mailer, limit=limit)
    click.echo(f"{report.sent} sent, {report.retrying} to retry, {report.failed} failed")
