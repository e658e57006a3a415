"""A citizen on a phone checks the PDF they hold on the public code page: matched, then checked,
and the report fits the screen (no sideways scroll at 390×844 nor 1024×768)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.signing.flow_testkit import FAST_CONFIG, build_office
from tests.signing.test_pades_flow import pdf_draft

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WTF_CSRF_ENABLED": True, **FAST_CONFIG}


def _sideways(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def _wider_than_the_screen(page: Any) -> list[str]:
    """The elements sticking out on the right: what to fix when the page scrolls sideways."""
    return list(
        page.evaluate(
            """[...document.querySelectorAll("body *")]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 8).map(e => e.tagName + "." + e.className + " " + (e.dataset.testid || ""))"""
        )
    )


@pytest.mark.parametrize("size", [(390, 844), (1024, 768)], ids=["phone", "tablet"])
def test_a_held_original_is_matched_and_checked_on_a_small_screen(
    page: Any, app: Any, db: Any, make: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    office = build_office(app, db, make)
    request = office.submit(pdf_draft(office))
    office.sign(request)
    office.seal(request)
    db.refresh(request)
    held = tmp_path / "van-ban.pdf"
    held.write_bytes(office.blobs.get(request.original_sha256 or ""))
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"/verify/{request.code}")
    page.get_by_test_id("held-file").set_input_files(str(held))
    page.get_by_test_id("check-held").click()
    match = page.get_by_test_id("held-match")
    assert match.get_attribute("data-match") == "same"
    assert page.get_by_test_id("pdf-signature").count() == 2
    assert page.locator('[data-testid="time-basis"]').first.get_attribute("data-basis") == (
        "signing_time_claim"
    )
    assert _sideways(page) <= 0, _wider_than_the_screen(page)
