"""Fixtures for the signing tests: one small PKI per session keeps the library tests fast.

The PKI is built with the library under test (signing.crypto.pki); the flow tests get an ``office``.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from signing.crypto.pki import chain_to_pem
from tests.signing.flow_testkit import FAST_CONFIG, Office, build_office
from tests.signing.signing_testkit import Pki, build_pki, sign


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(FAST_CONFIG)


@pytest.fixture
def office(app: Any, db: Any, make: Any) -> Office:
    """A province with a CA, a seal, a clerk and two officials holding certificates."""
    return build_office(app, db, make)


@pytest.fixture(scope="session")
def env() -> Pki:
    return build_pki()


@pytest.fixture(scope="session")
def chain_pem(env: Pki) -> bytes:
    return chain_to_pem(env.chain)


@pytest.fixture(scope="session")
def official_p7s(env: Pki) -> bytes:
    return sign(env.official)


@pytest.fixture(scope="session")
def seal_p7s(env: Pki) -> bytes:
    return sign(env.seal)


@pytest.fixture(scope="session")
def openssl() -> str:
    path = shutil.which("openssl")
    if path is None:
        pytest.fail("the openssl CLI is required for the cross-checks")
    return path
