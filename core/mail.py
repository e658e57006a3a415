"""Sending e-mail through an SMTP server named by VANTHU_SMTP_URL, one letter format for all.

With no URL e-mail is off: `get_mailer()` answers None, callers say so and nothing fails. The
standard library's smtplib and email packages do the protocol and the MIME encoding.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app

from core.config import ConfigurationError
from core.db import utcnow

#: URL scheme -> how the connection is protected.
SCHEMES = {"smtp": "plain", "smtps": "tls", "smtp+starttls": "starttls"}
DEFAULT_PORTS = {"plain": 25, "tls": 465, "starttls": 587}
#: Seconds to wait for the server at each step before the attempt counts as failed.
TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    #: "plain", "tls" (SMTPS, TLS from the first byte) or "starttls".
    security: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        # smtplib sends the user name and password as ASCII: say so now, not at the first letter.
        if not (self.username or "").isascii() or not (self.password or "").isascii():
            raise ConfigurationError(
                "the SMTP user name and password must be ASCII (letters without accents, digits, "
                "signs)"
            )

    def describe(self) -> str:
        """Where mail goes, without the credentials: safe to print."""
        scheme = next(name for name, security in SCHEMES.items() if security == self.security)
        return f"{scheme}://{self.host}:{self.port}"


def parse_smtp_url(url: str, password: str | None = None) -> SmtpSettings:
    """Read ``smtp[s|+starttls]://[user[:password]@]host[:port]``; ``password`` (from a file)
    replaces one in the URL. Errors never repeat the URL, which may hold the password."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ConfigurationError(
            "VANTHU_SMTP_URL is not a URL: smtp://user:pass@host:587"
        ) from None
    security = SCHEMES.get(parts.scheme.lower())
    if security is None:
        raise ConfigurationError(
            "VANTHU_SMTP_URL must start with smtp://, smtps:// or smtp+starttls://"
        )
    if not parts.hostname:
        raise ConfigurationError("VANTHU_SMTP_URL names no host")
    username = unquote(parts.username) if parts.username else None
    if password is None and parts.password is not None:
        password = unquote(parts.password)
    if password is not None and username is None:
        raise ConfigurationError("VANTHU_SMTP_URL has a password but no user name")
    return SmtpSettings(
        host=parts.hostname,
        port=port or DEFAULT_PORTS[security],
        security=security,
        username=username,
        password=password,
    )


def parse_sender(value: str) -> Address:
    """``VanThu <vanthu@example.gov.vn>`` or a bare address, display name in any script."""
    name, address = parseaddr(value)
    if "@" not in address:
        raise ConfigurationError(
            "VANTHU_MAIL_FROM must be an e-mail address, e.g. VanThu <vanthu@cantho.gov.vn>"
        )
    return Address(display_name=name, addr_spec=address)


@dataclass(frozen=True)
class Letter:
    """One e-mail to one person: plain UTF-8 text."""

    to_address: str
    to_name: str
    subject: str
    text: str
    #: Stable per letter, so that a receiving server can recognise a copy.
    message_id: str | None = None
    #: An iCalendar object sent with it (a meeting invitation, update or cancellation).
    calendar: str | None = None


class MailError(Exception):
    """A letter was not accepted. ``reason`` names the failure and never an address (SMTP
    replies often quote one); a ``permanent`` failure will not succeed by trying again."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


def build_message(sender: Address, letter: Letter) -> EmailMessage:
    """The MIME message: headers with names in Vietnamese encoded as RFC 2047 asks, UTF-8 body."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(display_name=letter.to_name, addr_spec=letter.to_address)
    message["Subject"] = letter.subject
    message["Date"] = format_datetime(utcnow())
    if letter.message_id:
        message["Message-ID"] = letter.message_id
    message.set_content(letter.text, charset="utf-8")
    if letter.calendar:
        # text/calendar with its METHOD as a parameter: what calendar clients look for to
        # offer "accept" or to apply an update or cancellation.
        method = re.search(r"^METHOD:([A-Z-]+)\r?$", letter.calendar, re.MULTILINE)
        message.add_attachment(
            letter.calendar,
            subtype="calendar",
            charset="utf-8",
            filename="invite.ics",
            params={"method": method.group(1)} if method else {},
        )
    return message


class Mailer:
    """Sends letters from ``sender`` through the configured server, one connection per batch."""

    def __init__(
        self, settings: SmtpSettings, sender: Address, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.settings = settings
        self.sender = sender
        self._ssl_context = ssl_context

    @property
    def domain(self) -> str:
        return self.sender.domain

    @contextmanager
    def connect(self) -> Iterator[MailConnection]:
        """An open, authenticated connection; MailError if the server cannot be reached."""
        settings = self.settings
        context = self._ssl_context or ssl.create_default_context()
        try:
            client: smtplib.SMTP
            if settings.security == "tls":
                client = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=settings.timeout, context=context
                )
            else:
                client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            try:
                if settings.security == "starttls":
                    client.starttls(context=context)
                if settings.username is not None:
                    client.login(settings.username, settings.password or "")
            except BaseException:
                client.close()
                raise
        except (smtplib.SMTPException, OSError) as error:
            raise _mail_error(error) from None
        try:
            yield MailConnection(client, self.sender)
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()


class MailConnection:
    def __init__(self, client: smtplib.SMTP, sender: Address) -> None:
        self._client = client
        self._sender = sender

    def send(self, letter: Letter) -> None:
        """Hand ``letter`` to the server; MailError unless it accepted it."""
        try:
            self._client.send_message(build_message(self._sender, letter))
        except (smtplib.SMTPException, OSError) as error:
            raise _mail_error(error) from None


def _mail_error(error: BaseException) -> MailError:
    """What went wrong, in words that hold no address."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _reply in error.recipients.values()})
        return MailError(
            f"recipient refused ({', '.join(map(str, codes))})",
            permanent=all(code >= 500 for code in codes),
        )
    if isinstance(error, smtplib.SMTPDataError):
        # The message itself was refused (too large, judged as spam): sending it again won't help.
        return MailError(f"message refused ({error.smtp_code})", permanent=error.smtp_code >= 500)
    if isinstance(error, smtplib.SMTPResponseException):
        # Sender refused, authentication failed: the server's settings, not this letter's.
        return MailError(f"{type(error).__name__} ({error.smtp_code})")
    if isinstance(error, OSError) and error.strerror:
        return MailError(f"{type(error).__name__}: {error.strerror}")
    return MailError(type(error).__name__)


def mailer_from_config(config: Mapping[str, Any]) -> Mailer | None:
    """The mailer the settings describe, or None when no SMTP URL is set."""
    url = config.get("SMTP_URL")
    if not url:
        return None
    settings = parse_smtp_url(url, config.get("SMTP_PASSWORD"))
    sender = config.get("MAIL_FROM")
    if not sender:
        raise ConfigurationError("VANTHU_SMTP_URL is set: set VANTHU_MAIL_FROM as well")
    return Mailer(settings, parse_sender(sender))


def init_app(app: Flask) -> None:
    app.extensions["vanthu.mailer"] = mailer_from_config(app.config)


def get_mailer(app: Flask | None = None) -> Mailer | None:
    """The app's mailer; None means e-mail is off (VANTHU_SMTP_URL unset)."""
    mailer: Mailer | None = (app or current_app).extensions.get("vanthu.mailer")
    return mailer


def status_line(app: Flask | None = None) -> str:
    """One line saying whether and where e-mail goes, for `vanthu mail status` and `make run`."""
    mailer = get_mailer(app)
    if mailer is None:
        return "e-mail: off (VANTHU_SMTP_URL is not set): notifications are shown in VanThu only"
    return f"e-mail: on, through {mailer.settings.describe()}"
