"""A PDF on a phone (issue 14, item 9): the document comes first and fills the screen's width;
it started ~1,000 px down the page, drawn small."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, require_pdfjs
from tests.browser.test_documents import sign_in
from tests.browser.test_reader import pdf_drafted_by

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server, app, request):
    require_pdfjs(app)
    context = browser.new_context(
        base_url=live_server, viewport=PHONE, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    context.close()


def test_on_a_phone_the_pdf_starts_in_the_first_screen_at_the_screens_width(phone, app, db, make):
    _clerk, document = pdf_drafted_by(app, db, make)
    sign_in(phone, "vanthu")
    phone.goto(f"/documents/{document.id}/v/2")
    phone.locator('[data-testid="reader"][data-state="shown"][data-page="1"]').wait_for()
    box = phone.get_by_test_id("reader-canvas").bounding_box()
    assert box is not None
    assert box["y"] < PHONE["height"] / 2, box  # most of the first screen is the page itself
    assert box["width"] >= 0.9 * PHONE["width"], box
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
