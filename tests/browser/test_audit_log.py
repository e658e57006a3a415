"""An auditor opens the audit log, checks an entry's proof, and checks its receipt (CSRF on)."""

from __future__ import annotations

import pytest

from accounts.models import Role

pytestmark = pytest.mark.browser


def test_an_auditor_follows_an_entry_to_its_verified_proof_and_receipt(page, make, tmp_path):
    make.user("kiemtoan", roles=[Role.AUDITOR])
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill("kiemtoan")
    page.get_by_label("Mật khẩu").fill("correct horse battery")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/")
    page.get_by_role("link", name="Nhật ký kiểm tra").click()
    page.wait_for_url("**/audit")
    page.get_by_test_id("events").get_by_role("link", name="#0").click()
    assert "Đã xác minh với điểm kiểm tra" in page.get_by_test_id("proof-result").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải biên nhận").click()
    receipt = tmp_path / "entry.tlog-proof"
    download.value.save_as(receipt)
    page.get_by_role("link", name="Kiểm tra biên nhận").first.click()
    page.locator("input[type=file]").set_input_files(str(receipt))
    page.get_by_role("button", name="Kiểm tra").click()
    assert "Biên nhận hợp lệ: mục 0" in page.get_by_test_id("receipt-result").inner_text()
