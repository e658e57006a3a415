"""A person signs in in Vietnamese, switches to English, and signs out."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def test_sign_in_switch_language_sign_out(page, make):
    make.user("an.nv", full_name="Nguyễn Văn An")
    page.goto("/")
    assert page.url.endswith("/login?next=%2F")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.get_by_label("Tên đăng nhập").fill("an.nv")
    page.get_by_label("Mật khẩu").fill("correct horse battery")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text() == "Xin chào, Nguyễn Văn An"

    page.get_by_test_id("who").click()  # the user menu holds the language and signing out
    page.get_by_test_id("language-en").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Nguyễn Văn An"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home-en.png"), full_page=True)
    assert (ARTIFACTS / "home-en.png").stat().st_size > 1000

    page.get_by_test_id("who").click()
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/login")
    assert "You have signed out." in page.content()
    page.goto("/")
    assert "/login" in page.url


def test_wrong_password_shows_a_clear_message(page, make):
    make.user("an.nv")
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill("an.nv")
    page.get_by_label("Mật khẩu").fill("not the password")
    page.get_by_test_id("login-submit").click()
    assert page.get_by_test_id("login-error").inner_text() == "Sai tên đăng nhập hoặc mật khẩu."
