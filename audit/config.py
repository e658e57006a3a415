"""The log's identity: its origin line, its Ed25519 signing key and how often it checkpoints.

The key comes from VANTHU_LOG_SIGNER_KEY, else from a file generated once in the instance folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

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


def settings_from_config(config: Any) -> LogSettings:
    """Build the settings from a Flask config mapping (LOG_* keys of core.config)."""
    origin = config["LOG_ORIGIN"]
    signer = load_signer(config.get("LOG_SIGNER_KEY"), Path(config["LOG_SIGNER_KEY_FILE"]), origin)
    return LogSettings(origin, signer, float(config["LOG_CHECKPOINT_SECONDS"]))


def log_settings() -> LogSettings:
    """The current app's log settings, loaded (and the key generated) once per app."""
    extensions = current_app.extensions
    if "vanthu.audit" not in extensions:
        extensions["vanthu.audit"] = settings_from_config(current_app.config)
    settings: LogSettings = extensions["vanthu.audit"]
    return settings
