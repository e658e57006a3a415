"""Issue 14 §6: the recipient picker in Chromium at tablet and phone size: an accent-free
search, a unit with all its units, a group shortcut, the summary and its chips, then the send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from accounts.models import Role
from core.storage import blob_store
from documents.models import Delivery, UnitReceipt
from meetings import meetings
from meetings.models import MeetingKind
from tests.browser.conftest import ARTIFACTS
from tests.browser.pagecheck import AXE, violations
from tests.documents.office_testkit import issued

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def city(app, db, make):
    province = make.unit("UBND thành phố Cần Thơ", abbreviation="UBND")
    home = make.unit("Sở Nội vụ", parent=province, abbreviation="SNV")
    finance = make.unit("Sở Tài chính", parent=province, abbreviation="STC")
    budget = make.unit("Phòng Quản lý ngân sách", parent=finance, abbreviation="QLNS")
    ward = make.unit("UBND phường Ninh Kiều", parent=province)
    clerk = make.user("vanthu", roles=[Role.CLERK], unit=province, full_name="Trần Thị Văn Thư")
    lan = make.user("lan.snv", unit=home, full_name="Nguyễn Thị Lan")
    make.user("hung.qlns", unit=budget, full_name="Phạm Văn Hùng")
    make.user("duc.nk", unit=ward, full_name="Lê Văn Đức")
    document = issued(db, blob_store(app), clerk)
    return {"home": home, "finance": finance, "budget": budget, "lan": lan, "doc": document}


@pytest.fixture
def tab(browser, live_server):
    """A page whose context may inject axe-core past the CSP, as the every-page walk does."""
    context = browser.new_context(base_url=live_server, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def unit_box(page, unit):
    return page.locator(f"input[name=units][value='{unit.id}']")


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (390, 844)])
def test_search_tick_a_unit_with_its_units_and_send(tab, db, city, width, height):
    page = tab
    page.set_viewport_size({"width": width, "height": height})
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill("vanthu")
    page.get_by_label("Mật khẩu").fill("correct horse battery")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/")
    page.goto(f"/documents/{city['doc'].id}/circulate")
    summary = page.locator("[data-picker-summary]")
    assert summary.inner_text() == "Chưa chọn đơn vị hay người nào."

    search = page.get_by_label("Tìm đơn vị hoặc người")
    search.fill("tai chinh")
    assert unit_box(page, city["finance"]).is_visible()
    assert unit_box(page, city["home"]).is_hidden()
    page.get_by_role("button", name="Chọn Sở Tài chính và tất cả đơn vị trực thuộc").click()
    assert unit_box(page, city["finance"]).is_checked()
    assert unit_box(page, city["budget"]).is_checked()
    assert summary.inner_text() == "Đã chọn: 2 đơn vị, 0 người"

    search.fill("nguyen thi lan")  # a person, found without accents, their unit opened
    page.get_by_label("Nguyễn Thị Lan").check()
    assert summary.inner_text() == "Đã chọn: 2 đơn vị, 1 người"
    page.get_by_role("button", name="Bỏ chọn Phòng Quản lý ngân sách").click()
    assert not unit_box(page, city["budget"]).is_checked()
    assert summary.inner_text() == "Đã chọn: 1 đơn vị, 1 người"
    search.fill("")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"picker-send-{width}.png"), full_page=True)

    label = page.locator("label.picker-check").first.bounding_box()
    assert label is not None and label["height"] >= 44  # a touch target
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if AXE.is_file():
        assert violations(page, AXE.read_text(encoding="utf-8")) == []

    page.get_by_test_id("confirm-send").check()  # sending cannot be undone
    page.get_by_test_id("send").click()
    page.wait_for_url("**/receipts")
    document_id = city["doc"].id
    units = db.scalars(sa.select(UnitReceipt.unit_id).where(UnitReceipt.document_id == document_id))
    assert set(units) == {city["finance"].id}
    people = db.scalars(sa.select(Delivery.user_id).where(Delivery.document_id == document_id))
    assert city["lan"].id in set(people)


def test_the_group_shortcut_ticks_every_department(tab, city):
    page = tab
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill("vanthu")
    page.get_by_label("Mật khẩu").fill("correct horse battery")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/")
    page.goto(f"/documents/{city['doc'].id}/circulate")
    page.get_by_role("button", name="Tất cả Sở").click()
    assert unit_box(page, city["home"]).is_checked()
    assert unit_box(page, city["finance"]).is_checked()
    assert not unit_box(page, city["budget"]).is_checked()
    assert page.locator("[data-picker-summary]").inner_text() == "Đã chọn: 2 đơn vị, 0 người"


def test_every_form_with_the_picker_fits_and_passes_axe(tab, db, city):
    """The confidential readers, the assignment and the meeting invitation use the same picker."""
    clerk = city["doc"].created_by
    start = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
    data = meetings.MeetingData(
        title="Họp giao ban",
        kind=MeetingKind.PEOPLES_COMMITTEE,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        chair_id=city["lan"].id,
        secretary_id=clerk.id,
    )
    (meeting,) = meetings.create(db, clerk, data)
    db.commit()
    page = tab
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill("vanthu")
    page.get_by_label("Mật khẩu").fill("correct horse battery")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/")
    paths = [
        "/documents/new",
        f"/documents/{city['doc'].id}/assign",
        f"/meetings/{meeting.id}/manage",
    ]
    axe = AXE.read_text(encoding="utf-8") if AXE.is_file() else None
    for width, height in ((1024, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        for path in paths:
            page.goto(path)
            assert page.locator("[data-picker] [data-picker-search]").is_visible(), path
            fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            assert fits, (width, path)
            if axe is not None and width == 1024:
                assert violations(page, axe) == [], path
