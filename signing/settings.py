"""What the signing services need from the configuration, and the server-held signing secrets.

core.config reads the environment; the secrets it lacks are generated once into the instance folder.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.config import secret_file
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
    #: RFC 3161 timestamp authority for PAdES signatures; None: no timestamp.
    tsa_url: str | None = None
    #: The seal's PNG shown on sealed PDFs; None: a red seal drawn from the organisation's name.
    seal_image: bytes | None = field(default=None, repr=False)


def from_config(config: Mapping[str, Any]) -> SigningSettings:
    """Settings from the app's configuration (filled in by ``signing.views.init_app``)."""
    return SigningSettings(
        organisation=config["ORGANISATION_NAME"],
        pepper=config["SIGNING_KEY_PEPPER"].encode("utf-8"),
        ca_passphrase=config["SIGNING_CA_PASSPHRASE"],
        kdf_rounds=int(config["SIGNING_KDF_ROUNDS"]),
        tsa_url=config.get("TSA_URL") or None,
        seal_image=_seal_image(config.get("SEAL_IMAGE_FILE")),
    )


@functools.cache
def _seal_image(path: str | None) -> bytes | None:
    return Path(path).read_bytes() if path else None


def fill_defaults(config: MutableMapping[str, Any]) -> None:
    """Complete the SIGNING_* settings core.config read: secrets from their files, defaults.

    A secret not set in the environment is generated once into its file in the instance folder.
    Losing it makes every stored signing key unusable: back it up with the database.
    """
    for key in ("SIGNING_KEY_PEPPER", "SIGNING_CA_PASSPHRASE"):
        if not config.get(key):
            config[key] = secret_file(Path(config[f"{key}_FILE"]))
    if not config.get("SIGNING_KDF_ROUNDS"):
        config["SIGNING_KDF_ROUNDS"] = DEFAULT_KDF_ROUNDS
