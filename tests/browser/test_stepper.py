"""The clerk takes a document from draft to sent pressing only what the stepper offers: in Chromium,
on a tablet and on a phone, without the page scrolling sideways (issue 14, item 7)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from signing.models import SigningRequest
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_documents import sign_in
from tests.signing.flow_testkit import FAST_CONFIG, SEAL_PIN, build_office

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WTF_CSRF_ENABLED": True, **FAST_CONFIG, "SOFFICE": "/nonexistent/soffice"}


def at_step(page: Any, step: str | None, offered: list[str], shot: str) -> None:
    """The stepper marks ``step`` as current (None: all done), offers exactly ``offered``, and
    the page fits its width."""
    stepper = page.get_by_test_id("stepper")
    assert stepper.locator("li").count() == 7
    current = stepper.locator("[aria-current=step]")
    if step is None:
        assert current.count() == 0
        assert stepper.locator("li[data-state=done]").count() == 7
    else:
        assert current.get_attribute("data-step") == step
        # Words, not only colour: the current step says so.
        assert "bước hiện tại" in current.inner_text()
    buttons = page.get_by_test_id("next-actions").locator("a, button")
    assert [buttons.nth(i).get_attribute("data-testid") for i in range(buttons.count())] == offered
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"stepper-{shot}.png"), full_page=True)


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (390, 844)])
def test_the_clerk_walks_the_steps_with_only_the_offered_buttons(
    page, app, db, make, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    office = build_office(app, db, make)
    document = office.draft()
    sign_in(page, "vanthu")
    url = f"/documents/{document.id}"
    page.goto(url)
    at_step(page, "numbered", ["reserve-number", "submit-for-signing"], f"{width}-1-draft")

    page.get_by_test_id("confirm-step").check()
    page.get_by_test_id("reserve-number").click()
    page.wait_for_url(f"**{url}")
    assert "01/QĐ-UBND" in page.get_by_test_id("document-title").inner_text()
    at_step(page, "submitted", ["submit-for-signing"], f"{width}-2-numbered")

    page.get_by_test_id("submit-for-signing").click()
    page.get_by_test_id("submit-request").click()
    page.wait_for_url("**/signing/requests/*")
    page.goto(url)
    at_step(page, "signed", [], f"{width}-3-submitted")  # the chairman's turn, not the clerk's

    db.expire_all()  # the server laid the template out again and submitted it
    request = db.scalar(sa.select(SigningRequest))
    office.sign(request)  # the chairman signs: tests/browser/test_signing.py does it by hand
    page.goto(url)
    at_step(page, "sealed", ["go-seal"], f"{width}-4-signed")

    page.get_by_test_id("go-seal").click()
    page.get_by_test_id("confirm-facts").check()
    page.locator("input[name=pin]").fill(SEAL_PIN)
    page.get_by_test_id("seal").click()
    page.wait_for_load_state()
    page.goto(url)
    assert page.get_by_test_id("status").inner_text() == "Đã ban hành"
    at_step(page, "dispatched", ["circulate"], f"{width}-5-sealed")

    page.get_by_test_id("circulate").click()
    page.locator(f"input[name=units][value='{office.outsider.unit_id}']").check()
    page.get_by_test_id("confirm-send").check()
    page.get_by_test_id("send").click()
    page.wait_for_url("**/receipts")
    page.goto(url)
    at_step(page, None, ["circulate"], f"{width}-6-sent")
