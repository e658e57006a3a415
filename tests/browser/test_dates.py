"""A date is typed the Vietnamese way, 31/12/2026, whatever the browser's locale (issue 14,
item 4): <input type=date> showed Chromium's mm/dd/yyyy."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from accounts.models import Role
from documents.models import Document
from tests.browser.test_documents import sign_in

pytestmark = pytest.mark.browser


def test_a_clerk_types_a_due_date_as_dd_mm_yyyy(page, db, make):
    province = make.unit("UBND thành phố Cần Thơ", abbreviation="UBND")
    make.user("vanthu", roles=[Role.CLERK], unit=province)
    sign_in(page, "vanthu")
    page.goto("/documents/new")
    page.get_by_label("Trích yếu").fill("Về việc báo cáo cuối năm")
    page.get_by_label("Chữ viết tắt đơn vị soạn thảo").fill("VP")
    due = page.get_by_label("Hạn giải quyết")
    assert due.get_attribute("type") == "text"
    assert "dd/mm/yyyy" in page.locator("#due_on-format").inner_text()
    due.press_sequentially("29/02/2027")  # no such day: said beside the field
    page.get_by_test_id("create-draft").click()
    assert "ngày/tháng/năm" in page.locator(".field.has-error .error").inner_text()
    due = page.get_by_label("Hạn giải quyết")
    due.fill("")
    due.press_sequentially("31/12/2026")
    page.get_by_test_id("create-draft").click()
    page.wait_for_url("**/documents/*")
    assert "31/12/2026" in page.locator("dl").first.inner_text()
    db.expire_all()
    document = db.scalar(sa.select(Document).order_by(Document.id.desc()))
    assert document.due_on == date(2026, 12, 31)
