"""Configuration read from environment variables.

Every setting has a safe default so that `make run` needs nothing; production sets the variables.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """Use VANTHU_SECRET_KEY, else a key generated once into the instance folder.

    A generated key survives restarts (sessions stay valid) and never enters the repository.
    """
    configured = os.environ.get("VANTHU_SECRET_KEY")
    if configured:
        return configured
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def from_environment(instance_path: Path) -> dict[str, Any]:
    """Build the Flask config mapping from the environment."""
    database_url = os.environ.get("VANTHU_DATABASE_URL") or (
        f"sqlite:///{instance_path / 'vanthu.sqlite3'}"
    )
    max_upload_mb = int(os.environ.get("VANTHU_MAX_UPLOAD_MB", "50"))
    cookie_secure = _flag("VANTHU_COOKIE_SECURE", True)
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "DATABASE_URL": database_url,
        "BLOB_DIR": os.environ.get("VANTHU_BLOB_DIR") or str(instance_path / "blobs"),
        "MAX_UPLOAD_MB": max_upload_mb,
        # Flask refuses bodies over this with 413 before a view reads them; allow form overhead.
        "MAX_CONTENT_LENGTH": max_upload_mb * 1024 * 1024 + 1024 * 1024,
        "ORGANISATION_NAME": os.environ.get("VANTHU_ORGANISATION", "UBND tỉnh Hậu Giang"),
        # The place printed before the date on documents: "Hậu Giang, ngày 05 tháng 3 năm 2026".
        "DOCUMENT_PLACE": os.environ.get("VANTHU_PLACE", "Hậu Giang"),
        "SESSION_COOKIE_SECURE": cookie_secure,
        "REMEMBER_COOKIE_SECURE": cookie_secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if cookie_secure else "http",
        # Argon2id cost; tests lower it so that a factory user costs milliseconds, not 50 ms.
        "PASSWORD_HASH_PROFILE": os.environ.get("VANTHU_PASSWORD_HASH_PROFILE", "default"),
        "LOGIN_MAX_FAILURES": int(os.environ.get("VANTHU_LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCK_MINUTES": int(os.environ.get("VANTHU_LOGIN_LOCK_MINUTES", "15")),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(
            os.environ.get("VANTHU_LOGIN_MAX_FAILURES_PER_ADDRESS", "30")
        ),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "core" / "translations"),
        "WTF_CSRF_TIME_LIMIT": None,
        # The audit log: its name in checkpoints, its Ed25519 key (else generated once into
        # LOG_SIGNER_KEY_FILE) and the least time between two checkpoints it signs by itself.
        "LOG_ORIGIN": os.environ.get("VANTHU_LOG_ORIGIN") or "haugiang.gov.vn/vanthu/log",
        "LOG_SIGNER_KEY": os.environ.get("VANTHU_LOG_SIGNER_KEY") or None,
        "LOG_SIGNER_KEY_FILE": str(instance_path / "log_signer.key"),
        "LOG_CHECKPOINT_SECONDS": float(os.environ.get("VANTHU_LOG_CHECKPOINT_SECONDS", "5")),
        # Sequence in a thread of each process instead of after the response of each request.
        "LOG_SEQUENCE_IN_BACKGROUND": _flag("VANTHU_LOG_SEQUENCE_IN_BACKGROUND", True),
        # How long a woken sequencer lets events gather before a pass: their delay at rest,
        # the size of its batches under load.
        "LOG_BATCH_SECONDS": float(os.environ.get("VANTHU_LOG_BATCH_SECONDS", "0.1")),
    }
