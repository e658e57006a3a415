"""The chairman signs with his PIN, the clerk seals and numbers, an auditor verifies: in Chromium.

The downloaded bundle is then checked by `vanthu verify`, as a recipient would.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from signing.crypto import bundle
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_documents import sign_in, sign_out
from tests.signing.flow_testkit import CHAIRMAN_PIN, FAST_CONFIG, SEAL_PIN, build_office

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config() -> dict[str, Any]:
    # The detached path (.p7s bundle): a server without LibreOffice. With it, a drafted Word
    # file goes as its PDF original: tests/signing/test_submit_original.py.
    return {"WTF_CSRF_ENABLED": True, **FAST_CONFIG, "SOFFICE": "/nonexistent/soffice"}


def test_sign_seal_and_verify(page, app, db, make, tmp_path):
    office = build_office(app, db, make)
    document = office.draft()

    sign_in(page, "vanthu")
    page.goto(f"/documents/{document.id}")
    page.get_by_test_id("submit-for-signing").click()
    page.get_by_test_id("confirm-step").check()  # the submission reserves the number
    page.get_by_test_id("submit-request").click()
    page.wait_for_url("**/signing/requests/*")
    request_url = page.url
    sha256 = page.get_by_test_id("request-sha256").text_content()
    assert len(sha256) == 64
    sign_out(page)

    sign_in(page, "chutich")
    page.goto("/signing")
    page.get_by_test_id("to-sign").get_by_role("link").first.click()
    assert page.get_by_test_id("request-sha256").text_content() == sha256
    page.get_by_test_id("confirm-facts").check()
    page.locator("input[name=pin]").fill("000001")
    page.get_by_test_id("sign").click()
    assert page.get_by_test_id("pin-error").is_visible()
    page.get_by_test_id("confirm-facts").check()
    page.locator("input[name=pin]").fill(CHAIRMAN_PIN)
    page.get_by_test_id("sign").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("sign").count() == 0  # signed: no second signature offered
    sign_out(page)

    sign_in(page, "vanthu")
    page.goto(request_url)
    page.get_by_test_id("confirm-facts").check()
    page.locator("input[name=pin]").fill(SEAL_PIN)
    page.get_by_test_id("seal").click()
    page.wait_for_load_state()
    assert "01/QĐ-UBND" in page.locator("h1").inner_text()
    page.get_by_test_id("verify-signatures").click()
    assert page.get_by_test_id("verdict").first.get_attribute("data-status") == "TOTAL_PASSED"
    with page.expect_download() as download:
        page.get_by_test_id("download-bundle").click()
    saved = tmp_path / "bundle.zip"
    download.value.save_as(saved)
    assert bundle.main([str(saved)], out=io.StringIO()) == 0
    sign_out(page)

    sign_in(page, "kiemtoan")
    page.goto("/signing/audit")
    page.locator("input[name=file]").first.set_input_files(str(saved))
    page.get_by_test_id("check-bundle").click()
    page.wait_for_load_state()
    statuses = [
        page.get_by_test_id("verdict").nth(i).get_attribute("data-status")
        for i in range(page.get_by_test_id("verdict").count())
    ]
    assert statuses == ["TOTAL_PASSED"] * 3
    page.goto(f"/documents/{document.id}")
    page.get_by_test_id("read-v2").click()
    assert page.get_by_test_id("mark-official").is_visible()
    assert page.get_by_test_id("mark-seal").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "signed-reading-view.png"), full_page=True)
