"""Argon2id password hashing.

Argon2id is memory-hard, so stolen hashes are expensive to guess on GPUs. The "fast" profile
exists only for the test suite, where thousands of factory users would otherwise cost minutes.
"""

from __future__ import annotations

import contextlib
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10

_PROFILES: dict[str, dict[str, Any]] = {
    # argon2-cffi's RFC 9106 "low memory" recommendation: t=3, 64 MiB, 4 lanes.
    "default": {"time_cost": 3, "memory_cost": 65536, "parallelism": 4},
    "fast": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
}


@cache
def hasher(profile: str = "default") -> PasswordHasher:
    return PasswordHasher(**_PROFILES[profile])


def hash_password(password: str, profile: str = "default") -> str:
    return hasher(profile).hash(password)


def check_password(stored_hash: str | None, password: str, profile: str = "default") -> bool:
    """True when ``password`` matches; a missing or malformed hash never matches."""
    if not stored_hash:
        # Spend comparable time so that a missing account is not revealed by timing.
        _burn_time(profile)
        return False
    try:
        return hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _burn_time(profile: str) -> None:
    with contextlib.suppress(VerificationError):
        hasher(profile).verify(_dummy_hash(profile), "not the password")


@cache
def _dummy_hash(profile: str) -> str:
    return hasher(profile).hash("dummy password used for timing only")
