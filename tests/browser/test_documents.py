"""A clerk drafts, numbers and sends a công văn; two units read it; the dashboard shows who."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from accounts.models import Role
from core.storage import StagedBlobs, blob_store
from documents.models import Document
from tests.browser.conftest import ARTIFACTS
from tests.documents.office_testkit import issue_as_sealed

pytestmark = pytest.mark.browser


def sign_in(page, username):
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("correct horse battery")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/")


def sign_out(page):
    page.get_by_test_id("who").click()
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/login")


def test_draft_number_send_read_and_see_who_opened(page, app, db, make):
    province = make.unit("UBND thành phố Cần Thơ", abbreviation="UBND")
    home = make.unit("Sở Nội vụ", parent=province, abbreviation="SNV")
    finance = make.unit("Sở Tài chính", parent=province, abbreviation="STC")
    make.user("vanthu", roles=[Role.CLERK], unit=province, full_name="Trần Thị Văn Thư")
    make.user("lan.snv", unit=home, full_name="Nguyễn Thị Lan")
    make.user("hung.stc", unit=finance, full_name="Phạm Văn Hùng")
    make.user("minh.snv", unit=home, full_name="Võ Văn Minh")

    sign_in(page, "vanthu")
    page.goto("/documents/new")
    page.get_by_label("Trích yếu").fill("Về việc đẩy mạnh cải cách hành chính")
    page.get_by_label("Nội dung").fill("Đề nghị các sở triển khai văn bản điện tử.")
    # A công văn's symbol names its drafting unit: "01/UBND-VP".
    page.get_by_label("Chữ viết tắt đơn vị soạn thảo").fill("VP")
    page.get_by_test_id("create-draft").click()
    page.wait_for_url("**/documents/*")
    document_url = page.url
    assert "Về việc đẩy mạnh cải cách hành chính" in page.get_by_test_id("subject").inner_text()

    assert page.get_by_test_id("circulate").count() == 0  # unsigned: nothing to send
    # Signing and sealing in the browser: tests/browser/test_signing.py; here their result.
    document = db.scalar(sa.select(Document).order_by(Document.id.desc()))
    with StagedBlobs(blob_store(app)) as staged:
        issue_as_sealed(db, staged, document.created_by, document)
        db.commit()
    page.reload()
    assert "01/UBND-VP" in page.get_by_test_id("document-title").inner_text()
    assert page.get_by_test_id("status").inner_text() == "Đã ban hành"

    assert page.get_by_test_id("read-v2").is_visible()  # laid out again with the number

    page.get_by_test_id("circulate").click()
    for unit in (home, finance):
        page.locator(f"input[name=units][value='{unit.id}']").check()
    page.get_by_test_id("confirm-send").check()
    page.get_by_test_id("send").click()
    page.wait_for_url("**/receipts")
    assert page.get_by_test_id("opened-v2").text_content() == "0/3"
    sign_out(page)

    for username in ("lan.snv", "hung.stc"):
        sign_in(page, username)
        page.goto("/inbox")
        assert page.locator(".unread-mark").count() == 1
        page.get_by_role("link", name="01/UBND-VP", exact=True).click()
        assert page.get_by_test_id("read-v1").count() == 0  # the draft was not sent to them
        page.get_by_test_id("read-v2").click()
        assert page.get_by_test_id("reader").is_visible()
        sign_out(page)

    sign_in(page, "vanthu")
    page.goto(document_url + "/receipts")
    assert page.get_by_test_id("opened-v2").text_content() == "2/3"
    assert "Đã mở" in page.get_by_test_id("recipient-lan.snv").inner_text()
    assert "Chưa mở" in page.get_by_test_id("recipient-minh.snv").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "receipts.png"), full_page=True)

    page.goto("/search?q=day+manh+cai+cach+hanh+chinh")
    assert "01/UBND-VP" in page.get_by_test_id("results").inner_text()
