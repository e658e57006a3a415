"""A journey: one person's main path through VanThu at one screen size, step by step.

Every step is saved as test-artifacts/journeys/<role>-<size>-<NN>-<step>.png (CI keeps the
folder) and checked as every page is (tests/browser/pagecheck.py): no sideways scroll, no
serious or critical axe-core violation. The helpers here move the way a user does: the menu
(folded behind "Danh mục" on a phone), links and buttons by their accessible names; only the
sign-in page is reached by typing its address.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.pagecheck import SIZES, page_width, violations

JOURNEYS = ARTIFACTS / "journeys"

#: Every journey runs at both sizes: a tablet held sideways and a phone.
both_sizes = pytest.mark.parametrize(
    "size", SIZES, ids=[f"{width}x{height}" for width, height in SIZES]
)


class Journey:
    """The page one person walks through, and the record of each step."""

    def __init__(self, page: Any, role: str, size: tuple[int, int], axe: str) -> None:
        self.page = page
        self.role = role
        self.size = size
        self.axe = axe
        self.steps: list[str] = []
        width, height = size
        # A journey's screenshots are those of its last run only.
        for old in JOURNEYS.glob(f"{role}-{width}x{height}-*.png"):
            old.unlink()

    @property
    def phone(self) -> bool:
        return self.size[0] < 600

    def step(self, name: str) -> None:
        """Screenshot the page as it is now; it must fit the width and pass axe-core."""
        page = self.page
        page.wait_for_load_state()
        self.steps.append(name)
        width, height = self.size
        JOURNEYS.mkdir(parents=True, exist_ok=True)
        shot = JOURNEYS / f"{self.role}-{width}x{height}-{len(self.steps):02d}-{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert page_width(page) <= width, f"step {name} ({page.url}) scrolls sideways: {shot}"
        found = violations(page, self.axe)
        assert found == [], f"step {name} ({page.url}): axe-core {found}"


def follow(page: Any, target: Any) -> None:
    """Click a link or a button that loads another page, and wait for that page."""
    with page.expect_navigation():
        target.click()


def named(text: str) -> re.Pattern[str]:
    """The accessible name ``text``, with or without the count badge that may follow it."""
    return re.compile(rf"^\s*{_escaped(text)}(\s+\d+\+?)?\s*$")


def starting(text: str) -> re.Pattern[str]:
    """An accessible name that starts with ``text``."""
    return re.compile(rf"^\s*{_escaped(text)}")


def _escaped(text: str) -> str:
    # Playwright passes a pattern on as /.../: a slash ("01/UBND-VP") must be escaped too.
    return re.escape(text).replace("/", "\\/")


def sign_in(page: Any, username: str, password: str) -> None:
    """The one address typed in: the sign-in page; home follows."""
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    follow(page, page.get_by_role("button", name="Đăng nhập"))


def open_menu(journey: Journey, entry: str, group: str | None = None) -> None:
    """Go to ``entry`` through the main menu: the "Danh mục" button first on a phone, then
    the drop-down ``group`` when the entry is under one."""
    page = journey.page
    if journey.phone:
        toggle = page.get_by_role("button", name=named("Danh mục"))
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
    menu = page.get_by_role("navigation", name="Danh mục chính")
    if group is not None:
        menu.locator("summary", has_text=named(group)).click()
    follow(page, menu.get_by_role("link", name=named(entry)))


def waiting_card(page: Any, label: str) -> Any:
    """A card of the home page's "what waits for you", by its heading."""
    return page.get_by_role("article").filter(has=page.get_by_role("heading", name=named(label)))


def waiting_count(page: Any, label: str) -> int:
    return int(waiting_card(page, label).get_by_test_id("waiting-count").inner_text())


def go_home(page: Any) -> None:
    """The organisation's name in the header leads home, as on every page."""
    follow(page, page.get_by_role("banner").get_by_role("link", name=starting("VanThu")))
