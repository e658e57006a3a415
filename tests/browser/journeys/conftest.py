"""The demo organisation (`vanthu demo`) in a live server, and the journeys' browser pages.

Each journey starts from the demo's own state, or from where the journey before it ends
(arrange.py): each test runs alone.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser.journeys.journey import Journey
from tests.browser.pagecheck import axe_script


@pytest.fixture
def app_config() -> dict[str, Any]:
    config: dict[str, Any] = {
        "WTF_CSRF_ENABLED": True,
        "SIGNING_KDF_ROUNDS": 1000,
        "JOBS_IMMEDIATE": True,
    }
    if shutil.which("soffice") is None:
        config["SOFFICE"] = "/nonexistent/soffice"  # the DOCX path: detached signatures
    return config


@dataclass(frozen=True)
class Demo:
    """The demo's random passwords and PINs, as `vanthu demo` prints them."""

    passwords: dict[str, str]
    pins: dict[str, str]


@pytest.fixture
def demo(runner: Any) -> Demo:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    passwords, pins = {}, {}
    for line in result.output.splitlines():
        words = line.split()
        if line.startswith("demo login:"):
            passwords[words[3]] = words[4]
        elif line.startswith(("demo signing PIN:", "demo seal PIN:")):
            pins[words[4]] = words[5]
    return Demo(passwords, pins)


@pytest.fixture
def start_journey(
    browser: Any, live_server: str, demo: Demo
) -> Iterator[Callable[[str, tuple[int, int]], Journey]]:
    """A new browser page at one size; its context may inject axe-core past the CSP."""
    contexts = []
    axe = axe_script()

    def start(role: str, size: tuple[int, int]) -> Journey:
        width, height = size
        context = browser.new_context(
            base_url=live_server,
            viewport={"width": width, "height": height},
            bypass_csp=True,
            locale="vi-VN",
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return Journey(page, role, size, axe)

    yield start
    for context in contexts:
        context.close()
