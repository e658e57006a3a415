"""The log's identity: its origin line, its Ed25519 signing key and how often it checkpoints.

The key comes from VANTHU_LOG_SIGNER_KEY, else from a file generated once in the instance folder.
The origin is chosen once, when the log starts, and kept for the log's life (`log_origin`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from audit.offline.note import Signer, Verifier, generate_signer_key, parse_signer_key
from core.config import secret_file


@dataclass(frozen=True)
class LogSettings:
    """What the sequencer and the proof endpoints need to know about this log."""

    origin: str
    signer: Signer
    #: A checkpoint is signed when the tree grew and the last one is at least this old.
    checkpoint_seconds: float = 5.0

    @property
    def verifier(self) -> Verifier:
        return self.signer.verifier

    @property
    def vkey(self) -> str:
        """The C2SP verifier key string served at /log/key and written to bundles."""
        return self.verifier.key_string()


def load_signer(configured: str | None, key_file: Path, origin: str) -> Signer:
    """The configured signer key, else the one in ``key_file``, generated there on first use."""
    if configured:
        return parse_signer_key(configured)
    return parse_signer_key(secret_file(key_file, lambda: generate_signer_key(origin)[0]))


def default_origin(place: str) -> str:
    """The origin a new log takes from the organisation's place (VANTHU_PLACE): "Cần Thơ" gives
    "cantho.gov.vn/vanthu/log", the shape of a province's own domain."""
    folded = unicodedata.normalize("NFD", place.replace("Đ", "D").replace("đ", "d"))
    name = re.sub(r"[^a-z0-9]", "", "".join(c for c in folded if c.isascii()).lower())
    return f"{name}.gov.vn/vanthu/log" if name else "vanthu/log"


def log_origin(config: Any) -> str:
    """The log's origin: VANTHU_LOG_ORIGIN when set; else the name of the key the log already
    signs with, which is the origin it was started under (its checkpoints sign that origin, so
    changing it would break every receipt and witness); else `default_origin` for a new log."""
    if config.get("LOG_ORIGIN"):
        return str(config["LOG_ORIGIN"])
    key = config.get("LOG_SIGNER_KEY") or _existing_key(Path(config["LOG_SIGNER_KEY_FILE"]))
    if key:
        return parse_signer_key(key).name
    return default_origin(str(config.get("DOCUMENT_PLACE") or ""))


def _existing_key(key_file: Path) -> str | None:
    try:
        return key_file.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def init_app(app: Flask) -> None:
    """Settle the origin once at start-up, so that every reader of ``LOG_ORIGIN`` (the log, the
    calendar's event ids) sees the same one."""
    app.config["LOG_ORIGIN"] = log_origin(app.config)


def settings_from_config(config: Any) -> LogSettings:
    """Build the settings from a Flask config mapping (LOG_* keys of core.config)."""
    origin = log_origin(config)
    signer = load_signer(config.get("LOG_SIGNER_KEY"), Path(config["LOG_SIGNER_KEY_FILE"]), origin)
    return LogSettings(origin, signer, float(config["LOG_CHECKPOINT_SECONDS"]))


def log_settings() -> LogSettings:
    """The current app's log settings, loaded (and the key generated) once per app."""
    extensions = current_app.extensions
    if "vanthu.audit" not in extensions:
        extensions["vanthu.audit"] = settings_from_config(current_app.config)
    settings: LogSettings = extensions["vanthu.audit"]
    return settings
