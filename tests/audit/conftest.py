"""Audit tests sign a checkpoint whenever the tree grew, unless a test says otherwise."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"LOG_CHECKPOINT_SECONDS": 0}
