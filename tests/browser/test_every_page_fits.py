"""Issue 14 §3 and §10: no page of the demo scrolls sideways, at tablet (1024×768) or phone
(390×844) size, and axe-core finds no serious or critical accessibility violation on any.

Each demo role signs in and walks every page it can reach by links from its home page (one page
per address pattern: /documents/3 stands for every document), then each page is measured at both
sizes. Downloads and streams are left out: only HTML pages are measured. axe-core comes from npm
with pdf.js (package.json), never from a CDN; the browser context bypasses the pages' CSP only to
inject it.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.pagecheck import SIZES, axe_script, page_width, violations

pytestmark = pytest.mark.browser

#: Links that act or download instead of showing a page.
NOT_PAGES = re.compile(
    r"logout|\.(pdf|zip|docx|csv|p7s|xml|json|ics|der|pem|png|svg)\b|format=|download|/stream"
)
MAX_PAGES = 60


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "SIGNING_KDF_ROUNDS": 1000, "JOBS_IMMEDIATE": True}


@pytest.fixture
def axe_source() -> str:
    return axe_script()


@pytest.fixture
def audited_page(browser, live_server):
    """A tablet-sized page whose context may inject axe-core past the CSP."""
    context = browser.new_context(
        base_url=live_server, viewport={"width": 1024, "height": 768}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def demo_logins(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    logins = {}
    for line in result.output.splitlines():
        if line.startswith("demo login:"):
            role, username, password = line.split()[2:5]
            logins.setdefault(role, (username, password))
    return logins


def pattern(path: str) -> str:
    return re.sub(r"\d+", "N", urlparse(path).path)


def reachable_pages(page, live_server: str) -> list[str]:
    """Every HTML page reachable by links from home, one per address pattern."""
    queue, seen, pages = ["/"], set(), []
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        seen.add(pattern(path))
        answer = page.request.get(live_server + path, max_redirects=0)
        if answer.status != 200 or "text/html" not in answer.headers.get("content-type", ""):
            continue
        page.goto(path)
        pages.append(path)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            url = urlparse(urljoin(live_server + path, href))
            if f"{url.scheme}://{url.netloc}" != live_server:
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if NOT_PAGES.search(target) or pattern(target) in seen:
                continue
            if pattern(target) not in {pattern(q) for q in queue}:
                queue.append(target)
    return pages


@pytest.mark.parametrize("role", ["clerk", "official", "auditor", "admin"])
def test_no_page_scrolls_sideways_or_fails_axe(
    audited_page, live_server, demo_logins, axe_source, role
):
    page = audited_page
    username, password = demo_logins[role]
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/")
    pages = reachable_pages(page, live_server)
    assert len(pages) >= 8, pages  # the walk found the role's pages, not only home

    too_wide, inaccessible = [], []
    ARTIFACTS.mkdir(exist_ok=True)
    for path in pages:
        page.goto(path)
        inaccessible += [(path, *found) for found in violations(page, axe_source)]
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        for path in pages:
            page.goto(path)
            scroll_width = page_width(page)
            if scroll_width > width:
                too_wide.append((width, path, scroll_width))
                name = re.sub(r"\W+", "_", path).strip("_") or "home"
                page.screenshot(path=str(ARTIFACTS / f"too-wide-{role}-{width}-{name}.png"))
        page.goto("/")
        page.screenshot(path=str(ARTIFACTS / f"home-{role}-{width}.png"), full_page=True)
    assert too_wide == []
    assert inaccessible == []


def test_the_axe_check_finds_a_violation_where_there_is_one(audited_page, axe_source):
    audited_page.set_content('<html lang="vi"><body><main><img src="x.png"></main></body></html>')
    assert "image-alt" in {rule for rule, _impact, _where in violations(audited_page, axe_source)}
