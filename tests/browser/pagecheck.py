"""What every browser test checks on a page it shows: it does not scroll sideways, and axe-core
finds no serious or critical accessibility violation (issue 14 §3 and §10).

axe-core comes from npm with pdf.js (package.json), never from a CDN; a page is audited in a
browser context that bypasses the pages' CSP only to inject it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
#: What axe-core reports that fails a test.
BLOCKING = ("serious", "critical")
#: A tablet held sideways and a phone, the two sizes every page must fit.
SIZES = ((1024, 768), (390, 844))


def axe_script() -> str:
    """axe-core's source; the test is skipped without it, and fails in CI."""
    if not AXE.is_file():
        message = f"axe-core is not installed ({AXE}): run make (npm ci installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def violations(page: Any, axe: str) -> list[tuple[str, str, str]]:
    """axe-core's serious and critical violations on the page: (rule, impact, first element)."""
    page.add_script_tag(content=axe)
    found = page.evaluate(
        """async (blocking) => (await axe.run(document, {resultTypes: ['violations']}))
            .violations.filter(v => blocking.includes(v.impact))
            .map(v => [v.id, v.impact, v.nodes[0].target.join(' ')])""",
        list(BLOCKING),
    )
    return [tuple(v) for v in found]


def page_width(page: Any) -> int:
    """How wide the page is laid out; more than the window means it scrolls sideways."""
    return int(page.evaluate("document.documentElement.scrollWidth"))
