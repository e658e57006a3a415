"""The top bar fits one line on a tablet and folds behind one button on a phone."""

from __future__ import annotations

import pytest

from accounts.models import Role
from tests.browser.conftest import ARTIFACTS
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/")


def topbar_height(page) -> float:
    return page.locator("header.topbar").bounding_box()["height"]


def test_a_clerks_menu_is_one_line_at_tablet_width(page, make):
    make.user("vanthu", roles={Role.CLERK, Role.ADMIN})
    sign_in(page, "vanthu")
    assert topbar_height(page) < 80
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_test_id("nav-documents").locator("summary").click()
    page.get_by_role("link", name="Sổ văn bản").click()
    page.wait_for_url("**/registers/**")
    page.screenshot(path=str(ARTIFACTS / "menu-1024.png"))


def test_on_a_phone_the_menu_folds_behind_one_button(page, make):
    make.user("vanthu", roles={Role.CLERK})
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "vanthu")
    assert topbar_height(page) < 80
    assert not page.get_by_test_id("nav-documents").is_visible()
    toggle = page.get_by_test_id("menu-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.get_by_test_id("nav-documents").locator("summary").click()
    assert page.get_by_role("link", name="Văn bản nhận được").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "menu-390-open.png"))
    page.get_by_role("link", name="Văn bản nhận được").click()
    page.wait_for_url("**/inbox")
