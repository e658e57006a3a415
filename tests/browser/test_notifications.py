"""The official's bell during signing, in Chromium at tablet and phone width: the notification
names the document, opens it, and once signed it is shown as done and the bell count drops."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.pagecheck import axe_script, violations
from tests.browser.test_documents import sign_in
from tests.signing.flow_testkit import CHAIRMAN_PIN, FAST_CONFIG, build_office

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WTF_CSRF_ENABLED": True, **FAST_CONFIG, "SOFFICE": "/nonexistent/soffice"}


@pytest.fixture
def axe() -> str:
    return axe_script()


@pytest.fixture
def sized_page(browser, live_server, request):
    """A page at the test's size whose context may inject axe-core past the CSP."""
    width, height = request.node.callspec.params["size"]
    context = browser.new_context(
        base_url=live_server, viewport={"width": width, "height": height}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.mark.parametrize("size", [(1024, 768), (390, 844)])
def test_signing_clears_the_notification_and_the_bell(sized_page, app, db, make, size, axe):
    page, width = sized_page, size[0]
    office = build_office(app, db, make)
    document = office.draft()
    office.submit(document)

    sign_in(page, "chutich")
    assert page.get_by_test_id("bell-count").inner_text() == "1"
    page.goto("/notifications")
    note = page.get_by_test_id("notification")
    assert note.count() == 1
    assert note.get_attribute("data-state") == "unread"
    assert "Văn bản chờ đồng chí ký số: 01/QĐ-UBND" in note.inner_text()
    assert "Trích yếu: Ban hành Quy chế làm việc không giấy" in note.inner_text()
    note.get_by_role("button", name="Mở").click()
    page.wait_for_url(f"**/documents/{document.id}")

    page.goto("/signing")
    page.get_by_test_id("to-sign").get_by_role("link").first.click()
    page.get_by_test_id("confirm-facts").check()
    page.locator("input[name=pin]").fill(CHAIRMAN_PIN)
    page.get_by_test_id("sign").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("sign").count() == 0

    page.goto("/notifications")
    assert page.get_by_test_id("bell-count").count() == 0
    note = page.get_by_test_id("notification")
    assert note.count() == 1 and note.get_attribute("data-state") == "done"
    assert "Đã xử lý" in note.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert violations(page, axe) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"notifications-done-{width}.png"), full_page=True)
