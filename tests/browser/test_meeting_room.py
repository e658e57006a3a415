"""The meeting room on two devices: the chair advances the agenda on a tablet and a member's
phone follows without reloading; the member browses another item and jumps back."""

from __future__ import annotations

import contextlib

import pytest
from playwright.sync_api import Error as PlaywrightError

from core.storage import blob_store
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_documents import sign_in
from tests.documents.office_testkit import build_people
from tests.meetings.conftest import Office
from tests.meetings.room.livekit import running_meeting

pytestmark = pytest.mark.browser

TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "ROOM_HEARTBEAT_SECONDS": 1}


def _device(browser, live_server, viewport):
    context = browser.new_context(base_url=live_server, viewport=viewport, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def _shown(page):
    return page.get_by_test_id("shown-item").get_attribute("data-item-id")


def test_the_member_follows_the_chair_without_reloading(
    browser, live_server, app, db, make, request
):
    _province, home, finance, people = build_people(make)
    running = running_meeting(db, Office(people, home, finance, blob_store(app)))
    room = f"/meetings/{running.meeting.id}/room"
    chair_context, chair = _device(browser, live_server, TABLET)
    member_context, member = _device(browser, live_server, PHONE)
    refused = []
    for page in (chair, member):
        page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m))
    try:
        sign_in(chair, "chutich")
        chair.goto(room)
        sign_in(member, "a.snv")
        member.goto(room)
        member.locator("[data-room][data-room-connected=true]").wait_for()
        member.get_by_test_id("no-current").wait_for()
        member.evaluate("window.sameDocument = true")
        for page in (chair, member):
            _no_sideways_scroll(page)

        # The chair opens the first item: the member's phone shows it, its timer counting.
        chair.get_by_test_id(f"make-current-{running.first.id}").click()
        member.locator(f'[data-testid=shown-item][data-item-id="{running.first.id}"]').wait_for()
        member.get_by_test_id(f"room-agenda-{running.first.id}").get_by_test_id(
            "current-mark"
        ).wait_for()
        timer = member.get_by_test_id("timer")
        first_reading = timer.text_content()
        member.wait_for_function(
            "(before) => document.querySelector('[data-testid=timer]').textContent !== before",
            arg=first_reading,
        )

        # The member looks at the next item, then jumps back to the one under discussion.
        member.get_by_test_id(f"room-agenda-{running.second.id}").locator("a").click()
        member.locator(f'[data-testid=shown-item][data-item-id="{running.second.id}"]').wait_for()
        member.get_by_test_id("jump-back").click()
        member.locator(f'[data-testid=shown-item][data-item-id="{running.first.id}"]').wait_for()

        # The chair moves on; the member follows again.
        chair.get_by_test_id(f"make-current-{running.second.id}").click()
        member.locator(f'[data-testid=shown-item][data-item-id="{running.second.id}"]').wait_for()
        assert member.evaluate("window.sameDocument") is True  # never reloaded
        # The chair's own page follows too: the member's phone may hear of it first, so wait.
        chair.locator(f'[data-testid=shown-item][data-item-id="{running.second.id}"]').wait_for()
        assert _shown(chair) == str(running.second.id)
        for page in (chair, member):
            _no_sideways_scroll(page)
        assert refused == []
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        for name, page in (("chair", chair), ("member", member)):
            # Only a record for whoever reads the run; a browser started under faketime may
            # never paint one, which says nothing of the room.
            with contextlib.suppress(PlaywrightError):
                path = ARTIFACTS / f"{request.node.name}-{name}.png"
                page.screenshot(path=str(path), full_page=True, timeout=5_000)
        chair_context.close()
        member_context.close()
