"""Every `VANTHU_*` environment variable is read here, and every generated secret is made here.

Each setting has a safe default so that `make run` needs nothing; production sets the variables,
all of which the README's configuration table lists (a test keeps the two in step).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from core.storage import fsync_directory

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Secrets a `vanthu` command prompts for at a hidden prompt, unless a script sets the variable
#: (these are the variables' names, not secrets).
ROOT_PASSPHRASE = "VANTHU_ROOT_PASSPHRASE"  # noqa: S105
SEAL_PIN = "VANTHU_SEAL_PIN"
SIGNING_PIN = "VANTHU_SIGNING_PIN"
P12_PASSWORD = "VANTHU_P12_PASSWORD"  # noqa: S105
PROMPTED = frozenset({ROOT_PASSPHRASE, SEAL_PIN, SIGNING_PIN, P12_PASSWORD})


class ConfigurationError(RuntimeError):
    """The configuration cannot be used as it is; the message says what to do."""


def _text(name: str, default: str | None = None) -> str | None:
    """The variable's value; unset and empty both mean the default."""
    return os.environ.get(name) or default


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    return int(_text(name) or default)


def _float(name: str, default: float) -> float:
    return float(_text(name) or default)


def _hours_list(name: str, default: str) -> tuple[float, ...]:
    """A comma-separated list of positive hours, largest first (e.g. ``24,1`` or ``0.5``)."""
    raw = _text(name, default) or default
    try:
        hours = sorted({float(part) for part in raw.split(",") if part.strip()}, reverse=True)
    except ValueError:
        raise ConfigurationError(f"{name} must be hours separated by commas, e.g. 24,1") from None
    if not hours or any(not 0 < h <= 24 * 30 for h in hours):
        raise ConfigurationError(f"{name} must list hours from more than 0 to 720, e.g. 24,1")
    return tuple(hours)


def _days_list(name: str, default: str) -> tuple[int, ...]:
    """A comma-separated list of whole days from 0 to 60, largest first (e.g. ``3,1``)."""
    raw = _text(name, default) or default
    try:
        days = sorted({int(part) for part in raw.split(",") if part.strip()}, reverse=True)
    except ValueError:
        raise ConfigurationError(f"{name} must be days separated by commas, e.g. 3,1") from None
    if not days or any(not 0 <= d <= 60 for d in days):
        raise ConfigurationError(f"{name} must list days from 0 to 60, e.g. 3,1")
    return tuple(days)


def instance_path() -> Path:
    """The folder for the SQLite file, the generated secrets and the demo logins."""
    return Path(_text("VANTHU_INSTANCE_DIR") or PROJECT_ROOT / "instance")


def prompted(variable: str) -> str | None:
    """The value a script set for a secret a command would otherwise prompt for (may be empty)."""
    if variable not in PROMPTED:
        raise KeyError(f"{variable} is not a prompted secret")
    return os.environ.get(variable)


def _random_secret() -> str:
    return secrets.token_urlsafe(32)


def secret_file(path: Path, generate: Callable[[], str] = _random_secret) -> str:
    """The secret kept in ``path``, generated there on first use and the same ever after.

    The secret is written and flushed to a private temporary file (mode 0600) that is then
    linked to ``path``: a reader sees no file or the whole secret, never a part of it, and a
    link fails if the name exists, so when processes start at once the first link wins and the
    others read the winner's secret instead of replacing it. Losing the file loses what the
    secret protects (sessions, signing keys, the log's key): back it up with the database.
    """
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = generate()
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    except FileExistsError:
        return _read_secret(path)
    finally:
        os.unlink(temporary)
    fsync_directory(path.parent)  # so that a restart finds the same secret
    return value


def _read_secret(path: Path) -> str:
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        raise ConfigurationError(
            f"{path} is empty: restore it from the backup, or delete it to generate a new secret "
            "(which makes everything the old one protected unusable)"
        )
    return value


def _secret_in_file(name: str) -> str | None:
    """The secret kept in the file the variable names (a mounted secret), or None if unset."""
    path = _text(name)
    return _read_secret(Path(path)) if path else None


def from_environment(instance_path: Path) -> dict[str, Any]:
    """Build the Flask config mapping from the environment."""
    sqlite_file = instance_path / "vanthu.sqlite3"
    max_upload_mb = _int("VANTHU_MAX_UPLOAD_MB", 50)
    cookie_secure = _flag("VANTHU_COOKIE_SECURE", True)
    session_hours = _int("VANTHU_SESSION_MAX_HOURS", 12)
    return {
        # Signs sessions and CSRF tokens; a generated key survives restarts (sessions stay valid).
        "SECRET_KEY": _text("VANTHU_SECRET_KEY")
        or secret_file(instance_path / "secret_key", lambda: secrets.token_urlsafe(48)),
        "DATABASE_URL": _text("VANTHU_DATABASE_URL", f"sqlite:///{sqlite_file}"),
        "BLOB_DIR": _text("VANTHU_BLOB_DIR", str(instance_path / "blobs")),
        "MAX_UPLOAD_MB": max_upload_mb,
        # Flask refuses bodies over this with 413 before a view reads them; allow form overhead.
        "MAX_CONTENT_LENGTH": max_upload_mb * 1024 * 1024 + 1024 * 1024,
        "ORGANISATION_NAME": _text("VANTHU_ORGANISATION", "UBND thành phố Cần Thơ"),
        # The place printed before the date on documents: "Cần Thơ, ngày 05 tháng 3 năm 2026".
        "DOCUMENT_PLACE": _text("VANTHU_PLACE", "Cần Thơ"),
        # The demo's organisation and units (`vanthu demo`): a JSON file like
        # accounts/demo_organisation.json; empty for that built-in one (Cần Thơ).
        "DEMO_ORGANISATION": _text("VANTHU_DEMO_ORGANISATION", ""),
        # LibreOffice, which turns the final Word file into the PDF original (a name looked up
        # in PATH, or a path), and the longest one conversion may take before it is stopped.
        "SOFFICE": _text("VANTHU_SOFFICE", "soffice"),
        "CONVERT_TIMEOUT_SECONDS": _float("VANTHU_CONVERT_TIMEOUT_SECONDS", 120),
        "SESSION_COOKIE_SECURE": cookie_secure,
        "REMEMBER_COOKIE_SECURE": cookie_secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if cookie_secure else "http",
        # Argon2id cost; tests lower it so that a factory user costs milliseconds, not 50 ms.
        "PASSWORD_HASH_PROFILE": _text("VANTHU_PASSWORD_HASH_PROFILE", "default"),
        "LOGIN_MAX_FAILURES": _int("VANTHU_LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_MINUTES": _int("VANTHU_LOGIN_LOCK_MINUTES", 15),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": _int("VANTHU_LOGIN_MAX_FAILURES_PER_ADDRESS", 30),
        # A session ends after this long without a request, and this long after sign-in.
        "SESSION_IDLE_MINUTES": _int("VANTHU_SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_HOURS": session_hours,
        # No signed cookie is accepted past the longest a session may last.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=session_hours),
        # How many reverse proxies in front of the app add X-Forwarded-For/-Proto (0: trust none).
        "TRUSTED_PROXIES": _int("VANTHU_TRUSTED_PROXIES", 0),
        # Requests one address may make to the public pages together, and where the counters
        # live (memory: per process; redis://... shared by every process and host).
        "PUBLIC_RATE_LIMIT": _text("VANTHU_PUBLIC_RATE_LIMIT", "60 per minute"),
        "RATELIMIT_STORAGE_URI": _text("VANTHU_RATELIMIT_STORAGE_URI", "memory://"),
        # Serve a signed-in reader's allowed file below Flask (documents/views/fast_file.py).
        "FILE_FAST_PATH": _flag("VANTHU_FILE_FAST_PATH", True),
        # The background jobs' queue: Huey's SQLite storage in the instance folder (one host),
        # or Redis (redis://host:6379/0) shared by every app process and worker.
        "JOBS_URL": _text("VANTHU_JOBS_URL", f"sqlite:///{instance_path / 'jobs.sqlite3'}"),
        # Huey's queue name (its Redis key prefix); tests give each run its own.
        "JOBS_NAME": "vanthu",
        # A running job silent (no progress) this long died with its process: queue it again.
        "JOBS_STALE_SECONDS": 600,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "core" / "translations"),
        "WTF_CSRF_TIME_LIMIT": None,
        # The audit log: its name in checkpoints (unset: the one it was started under, else one
        # derived from VANTHU_PLACE; settled by audit/config.py), its Ed25519 key (else generated
        # once into LOG_SIGNER_KEY_FILE) and the least time between two checkpoints it signs.
        "LOG_ORIGIN": _text("VANTHU_LOG_ORIGIN"),
        "LOG_SIGNER_KEY": _text("VANTHU_LOG_SIGNER_KEY"),
        "LOG_SIGNER_KEY_FILE": str(instance_path / "log_signer.key"),
        "LOG_CHECKPOINT_SECONDS": _float("VANTHU_LOG_CHECKPOINT_SECONDS", 5),
        # Sequence in a thread of each process instead of after the response of each request.
        "LOG_SEQUENCE_IN_BACKGROUND": _flag("VANTHU_LOG_SEQUENCE_IN_BACKGROUND", True),
        # How long a woken sequencer lets events gather before a pass: their delay at rest,
        # the size of its batches under load.
        "LOG_BATCH_SECONDS": _float("VANTHU_LOG_BATCH_SECONDS", 0.1),
        # Server-held signing secrets, else generated once into their *_FILE by the signing
        # package when it starts: the pepper mixed into every signing PIN and the passphrase
        # of the issuing CA's key. Unset rounds mean the signing package's default.
        "SIGNING_KEY_PEPPER": _text("VANTHU_KEY_PEPPER"),
        "SIGNING_KEY_PEPPER_FILE": str(instance_path / "key_pepper"),
        "SIGNING_CA_PASSPHRASE": _text("VANTHU_CA_PASSPHRASE"),
        "SIGNING_CA_PASSPHRASE_FILE": str(instance_path / "ca_passphrase"),
        "SIGNING_KDF_ROUNDS": _int("VANTHU_SIGNING_KDF_ROUNDS", 0) or None,
        # PAdES (signed PDF originals): an RFC 3161 timestamp authority (unset: none), and the
        # seal's PNG image (unset: a red seal drawn from the organisation's name).
        "TSA_URL": _text("VANTHU_TSA_URL"),
        "SEAL_IMAGE_FILE": _text("VANTHU_SEAL_IMAGE"),
        #: The organisation's emblem (PNG, JPEG or SVG) shown beside its name in the top bar.
        "EMBLEM_FILE": _text("VANTHU_EMBLEM"),
        # E-mail: the SMTP server (smtp://, smtps://, smtp+starttls://; unset: no e-mail), its
        # password from a file instead of the URL, the sender, and the address links point to.
        "SMTP_URL": _text("VANTHU_SMTP_URL"),
        "SMTP_PASSWORD": _secret_in_file("VANTHU_SMTP_PASSWORD_FILE"),
        "MAIL_FROM": _text("VANTHU_MAIL_FROM"),
        "PUBLIC_URL": _text("VANTHU_PUBLIC_URL"),
        # How long before a meeting its participants are reminded, in hours (one reminder each).
        "MEETING_REMINDER_HOURS": _hours_list("VANTHU_MEETING_REMINDER_HOURS", "24,1"),
        # How many days before an assignment's deadline its handlers are reminded (once each).
        "ASSIGNMENT_REMINDER_DAYS": _days_list("VANTHU_ASSIGNMENT_REMINDER_DAYS", "3,1"),
        # The meeting room's live stream: a comment line this often (seconds) keeps proxies from
        # closing a quiet stream and lets an ended session's stream stop.
        "ROOM_HEARTBEAT_SECONDS": _float("VANTHU_ROOM_HEARTBEAT_SECONDS", 15),
    }
