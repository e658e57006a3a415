"""The whole meeting room on three devices, as issue 13 asks when it is done: the chair runs the
agenda, the member checks in, asks to speak and casts a secret ballot, the secretary writes the
conclusion and sends the Thông báo kết luận, the chair signs it, the clerk seals it, the member
receives it, and the conclusion becomes its owner's task. No device ever reloads to follow."""

from __future__ import annotations

import contextlib
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from core.storage import blob_store
from signing import issuance, pdf_signing
from signing.models import SigningRequest
from signing.settings import from_config as signing_settings
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_documents import sign_in
from tests.documents.office_testkit import build_people
from tests.meetings.conftest import (
    SEAL_PIN,
    SIGNER_PIN,
    SIGNING_CONFIG,
    Office,
    Signing,
    add_item,
    invite,
    new_meeting,
    publish,
)
from tests.signing.pades_testkit import signature_png

pytestmark = pytest.mark.browser

TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}
CONCLUSION = "Giao đồng chí A hoàn thiện báo cáo, trình trước ngày 15/01/2027."


@pytest.fixture
def app_config():
    return {
        "WTF_CSRF_ENABLED": True,
        "ROOM_HEARTBEAT_SECONDS": 1,
        "JOBS_IMMEDIATE": True,
        **SIGNING_CONFIG,
    }


def _device(browser, live_server, viewport):
    context = browser.new_context(base_url=live_server, viewport=viewport, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


def _fits(*pages):
    for page in pages:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], (page.url, width)


def _shot(page, request, step):
    ARTIFACTS.mkdir(exist_ok=True)
    # A record for whoever reads the run, never the failure.
    with contextlib.suppress(PlaywrightError):
        path = ARTIFACTS / f"{request.node.name}-{step}.png"
        page.screenshot(path=str(path), full_page=True, timeout=5_000)


def _confirm_and_enter(page, pin):
    """The signing form's PIN, after its "I have read document no. ..." box where the signing
    page asks for it (issue 14, item 8, merged beside this test)."""
    confirm = page.get_by_test_id("confirm-facts")
    if confirm.count():
        confirm.check()
    page.locator("input[name=pin]").fill(pin)


def _panel(page, area):
    return page.get_by_test_id(f"room-{area}-panel")


def test_the_meeting_is_run_voted_concluded_signed_sealed_and_circulated(
    browser, live_server, app, db, make, request
):
    _province, home, finance, people = build_people(make)
    office = Office(people, home, finance, blob_store(app))
    settings = signing_settings(app.config)
    issuance.init_pki(db, settings, root_passphrase="a long root passphrase", seal_pin=SEAL_PIN)
    issuance.issue_official(db, settings, office.chairman, SIGNER_PIN, actor=None)
    # The minutes go out as a PDF original: the chair signs it with his signature image.
    pdf_signing.set_signature_image(db, office.chairman, signature_png())
    db.commit()
    meeting = new_meeting(db, office)
    invite(db, office, meeting, "home_a")
    first = add_item(db, office, meeting, "Báo cáo kinh tế - xã hội", duration_minutes=10)
    second = add_item(db, office, meeting, "Kế hoạch đầu tư công")
    publish(db, office, meeting)
    # The Giấy mời went out signed and sealed before the meeting, as it does.
    Signing(db, office, settings).sign_and_seal(meeting)
    room = f"/meetings/{meeting.id}/room"

    devices = [
        ("chair", *_device(browser, live_server, TABLET)),
        ("secretary", *_device(browser, live_server, TABLET)),
        ("member", *_device(browser, live_server, PHONE)),
    ]
    (_, _, chair), (_, _, secretary), (_, _, member) = devices
    try:
        for page, login in ((chair, "chutich"), (secretary, "vanthu"), (member, "a.snv")):
            sign_in(page, login)
            page.goto(room)
            page.locator("[data-room][data-room-connected=true]").wait_for()
        for page in (chair, secretary, member):
            page.evaluate("window.sameDocument = true")
        _fits(chair, secretary, member)
        published = member.get_by_test_id("meeting-status").text_content()

        # The chair starts the meeting and opens the first item; the others follow.
        chair.get_by_test_id("start-meeting").click()
        member.get_by_test_id("not-running").wait_for(state="detached")
        expect(member.get_by_test_id("meeting-status")).not_to_have_text(published)
        expect(secretary.get_by_test_id("start-meeting")).to_have_count(0)
        chair.get_by_test_id(f"make-current-{first.id}").click()
        for page in (secretary, member):
            page.locator(f'[data-testid=shown-item][data-item-id="{first.id}"]').wait_for()
        _fits(chair, secretary, member)
        _shot(member, request, "1-following")

        # The member checks in and asks to speak; the chair's list shows it live.
        _panel(member, "attendance").get_by_test_id("check-in").click()
        expect(_panel(chair, "attendance").get_by_test_id("quorum")).to_contain_text("1/1")
        _panel(member, "speakers").get_by_test_id("ask-to-speak").click()
        waiting = _panel(chair, "speakers").get_by_test_id("waiting")
        expect(waiting).to_contain_text(office.home_a.full_name)
        _fits(chair, member)
        _shot(chair, request, "2-speakers")

        # A secret vote: opened by the secretary, cast by the member, counted on the chair's.
        votes = _panel(secretary, "votes")
        votes.get_by_test_id("open-vote").locator("summary").click()
        votes.get_by_test_id("vote-question").fill("Thông qua báo cáo kinh tế - xã hội?")
        votes.get_by_test_id("vote-item").select_option(str(first.id))
        votes.get_by_test_id("vote-secret").check()
        votes.get_by_test_id("vote-open").click()
        counted = _panel(chair, "votes").get_by_test_id("vote-count")
        expect(counted).to_contain_text(re.compile(r"\b0\D+1\b"))
        _panel(member, "votes").get_by_test_id("choose-0").click()
        expect(_panel(member, "votes").get_by_test_id("voted")).to_be_visible()
        expect(counted).to_contain_text(re.compile(r"\b1\D+1\b"))
        _panel(secretary, "votes").get_by_test_id("vote-close").click()
        _panel(secretary, "votes").get_by_test_id("vote-publish").click()
        result = _panel(member, "votes").get_by_test_id("vote-result")
        expect(result).to_be_visible()
        expect(_panel(member, "votes").get_by_test_id("vote-outcome")).to_be_visible()
        _fits(chair, secretary, member)
        _shot(member, request, "3-result")

        # The chair moves on; the member still follows without reloading.
        chair.get_by_test_id(f"make-current-{second.id}").click()
        member.locator(f'[data-testid=shown-item][data-item-id="{second.id}"]').wait_for()
        for page in (chair, secretary, member):
            assert page.evaluate("window.sameDocument") is True  # never reloaded

        # The secretary writes the conclusion with its owner and due date, drafts the
        # Thông báo kết luận from the record and sends it to the chair.
        minutes = _panel(secretary, "minutes")
        concluded = minutes.get_by_test_id(f"conclusion-{first.id}")
        concluded.locator("textarea[name$=text]").fill(CONCLUSION)
        concluded.locator("select[name$=owner_user_id]").select_option(str(office.home_a.id))
        concluded.locator("input[name$=due_on]").fill("2027-01-15")
        concluded.get_by_test_id("save-conclusion").click()
        expect(_panel(member, "minutes").get_by_test_id(f"conclusion-{first.id}")).to_contain_text(
            CONCLUSION
        )
        _panel(secretary, "minutes").get_by_test_id("draft-conclusions").click()
        notice = _panel(secretary, "minutes").get_by_test_id("minutes-conclusions")
        expect(notice).to_have_attribute("data-state", "draft")
        notice.get_by_test_id("submit-conclusions").click()
        # Numbered, then made into its PDF original by the job (LibreOffice can take a while),
        # which sends it to the chair: the panel follows each step.
        expect(notice).to_have_attribute("data-state", "awaiting_signature", timeout=90_000)
        _fits(secretary)
        _shot(secretary, request, "4-sent-for-signature")

        # The chair signs with the PIN on the signing page.
        chair.goto("/signing")
        waiting_notice = chair.get_by_test_id("to-sign").locator("tr", has_text="Kết luận tại")
        waiting_notice.get_by_role("link").click()
        _confirm_and_enter(chair, SIGNER_PIN)
        chair.get_by_test_id("sign").click()
        chair.wait_for_load_state()
        expect(chair.get_by_test_id("sign")).to_have_count(0)
        request_url = chair.url
        _fits(chair)

        # The clerk seals it; it is numbered and circulated.
        secretary.goto(request_url)
        _confirm_and_enter(secretary, SEAL_PIN)
        secretary.get_by_test_id("seal").click()
        secretary.wait_for_load_state()
        expect(secretary.get_by_test_id("seal")).to_have_count(0)
        # Signed and sealed inside its PDF original (LibreOffice made it), not as a Word file.
        db.expire_all()
        sealed = db.scalars(sa.select(SigningRequest).order_by(SigningRequest.id.desc())).first()
        assert sealed.pades and sealed.version.kind == "pdf"
        _fits(secretary)
        _shot(secretary, request, "5-sealed")

        # The member finds the notice in their inbox, and the conclusion among their tasks.
        member.goto("/inbox")
        expect(member.get_by_test_id("inbox")).to_contain_text("Kết luận tại")
        _fits(member)
        member.goto("/tasks")
        expect(member.get_by_test_id("tasks")).to_contain_text(CONCLUSION[:30])
        _fits(member)
        _shot(member, request, "6-task")
    finally:
        for name, context, page in devices:
            _shot(page, request, f"final-{name}")
            context.close()
