"""What the signing services need from the configuration, and the server-held signing secrets.

The secrets come from environment variables or are generated once into the instance folder.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signing.keys import DEFAULT_KDF_ROUNDS, PinAttempts


@dataclass(frozen=True)
class SigningSettings:
    """Organisation-wide signing facts the services receive from their caller (no Flask).

    ``pepper`` is mixed into every signing PIN, so a copy of the database alone cannot be used to
    guess PINs offline; ``ca_passphrase`` opens the issuing CA's key, which must stay usable
    unattended to sign CRLs. The root CA's passphrase is never stored anywhere.
    """

    organisation: str
    pepper: bytes = field(repr=False)
    ca_passphrase: str = field(repr=False)
    kdf_rounds: int = DEFAULT_KDF_ROUNDS
    pin_attempts: PinAttempts = field(default_factory=PinAttempts)
    official_validity_days: int = 365
    seal_validity_days: int = 730
    #: A CRL is re-signed when it is this close to its next update.
    crl_refresh_margin: dt.timedelta = dt.timedelta(days=2)


def instance_secret(instance_path: Path, environment_variable: str, file_name: str) -> str:
    """The variable's value, else a random secret generated once into ``instance/file_name``.

    Same rule as the session secret (core.config): the file is created with mode 0600 and never
    enters the repository. Losing it makes every stored signing key unusable: back it up.
    """
    configured = os.environ.get(environment_variable)
    if configured:
        return configured
    path = instance_path / file_name
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its secret
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def from_config(config: Mapping[str, Any]) -> SigningSettings:
    """Settings from the app's configuration (filled in by ``signing.views.init_app``)."""
    return SigningSettings(
        organisation=config["ORGANISATION_NAME"],
        pepper=config["SIGNING_KEY_PEPPER"].encode("utf-8"),
        ca_passphrase=config["SIGNING_CA_PASSPHRASE"],
        kdf_rounds=int(config["SIGNING_KDF_ROUNDS"]),
    )


def fill_defaults(config: MutableMapping[str, Any], instance_path: Path) -> None:
    """Add the missing SIGNING_* settings, from the environment or the instance folder."""
    secrets_by_key = {
        "SIGNING_KEY_PEPPER": ("VANTHU_KEY_PEPPER", "key_pepper"),
        "SIGNING_CA_PASSPHRASE": ("VANTHU_CA_PASSPHRASE", "ca_passphrase"),
    }
    for key, (variable, file_name) in secrets_by_key.items():
        if key not in config:
            config[key] = instance_secret(instance_path, variable, file_name)
    rounds = os.environ.get("VANTHU_SIGNING_KDF_ROUNDS")
    config.setdefault("SIGNING_KDF_ROUNDS", int(rounds) if rounds else DEFAULT_KDF_ROUNDS)
    # Tests run bulk verification inside the request instead of in a background thread.
    config.setdefault("SIGNING_JOBS_INLINE", False)
