"""A meeting on tablets: the secretary builds and publishes it, a participant reads the PDF on
its agenda and writes a note on selected words, the secretary puts a new version on the item,
and the note is still there, on the words it was about."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from accounts.models import Role
from core.storage import StagedBlobs
from documents import drafting
from documents.models import DocumentVersion, ReadReceipt
from meetings.models import AgendaItem, Meeting, MeetingNote, NotePlacement
from tests.browser.test_documents import sign_in, sign_out
from tests.browser.test_reader import pdf_of_pages, tablet  # noqa: F401 - the tablet fixture
from tests.documents.office_testkit import draft

pytestmark = pytest.mark.browser

FIRST = ("Ke hoach cai cach hanh chinh nam 2027", "Phan cong thuc hien cho cac so nganh")
SECOND = ("Bo sung: muc tieu chuyen doi so", *FIRST)
WORDS = "cai cach hanh chinh"


def add_version(app, db, clerk, document, texts):
    with StagedBlobs(app.extensions["vanthu.blobs"]) as staged:
        drafting.add_version(db, staged, clerk, document, pdf_of_pages(texts), "ke-hoach.pdf", "")
        db.commit()


def select_words(page, words):
    """Select ``words`` in the reader's text layer, as a finger's long press would."""
    page.evaluate(
        """(words) => {
          const spans = document.querySelectorAll('[data-testid="reader-text"] span');
          const span = [...spans].find((s) => s.textContent.includes(words));
          const node = span.firstChild;
          const at = node.data.indexOf(words);
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + words.length);
          const selection = document.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }""",
        words,
    )


def test_a_note_written_on_a_meeting_document_survives_its_new_version(tablet, app, db, make):  # noqa: F811
    page = tablet
    province = make.unit("UBND thành phố Cần Thơ", abbreviation="UBND")
    home = make.unit("Sở Nội vụ", parent=province, abbreviation="SNV")
    clerk = make.user("vanthu", roles=[Role.CLERK], unit=province, full_name="Trần Thị Văn Thư")
    chair = make.user("chutich", unit=province, full_name="Lê Văn Chủ")
    reader = make.user("lan.snv", unit=home, full_name="Nguyễn Thị Lan")
    document = draft(db, app.extensions["vanthu.blobs"], clerk, subject="Kế hoạch cải cách")
    add_version(app, db, clerk, document, FIRST)
    refused_by_policy = []
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and refused_by_policy.append(m.text),
    )

    # The secretary builds the meeting, its agenda item with the PDF, invites and publishes.
    sign_in(page, "vanthu")
    page.goto("/meetings/new")
    page.locator("input[name=title]").fill("Họp giao ban tháng 12")
    page.locator("input[name=starts_at]").fill("2026-12-10T08:00")
    page.locator("input[name=ends_at]").fill("2026-12-10T11:00")
    page.locator("select[name=chair_id]").select_option(str(chair.id))
    page.get_by_test_id("save-meeting").click()
    page.wait_for_url("**/manage")
    meeting_id = db.scalar(sa.select(Meeting.id))
    page.locator("form:has([data-testid=add-item]) input[name=title]").fill("Cải cách hành chính")
    page.get_by_test_id("add-item").click()
    page.wait_for_url("**/manage")
    item_id = db.scalar(sa.select(AgendaItem.id))
    page.goto(f"/meetings/{meeting_id}/items/{item_id}/manage")
    page.locator("select[name=document_id]").select_option(str(document.id))
    page.locator("form:has([data-testid=attach]) input[name=number]").fill("2")
    page.get_by_test_id("attach").click()
    page.wait_for_url("**/manage")
    assert "Kế hoạch cải cách" in page.get_by_test_id("attachments").inner_text()
    page.goto(f"/meetings/{meeting_id}/manage")
    page.get_by_label("Tìm đơn vị hoặc người").fill(reader.full_name)
    page.locator(f"input[name=user_ids][value='{reader.id}']").check()
    page.get_by_test_id("invite").click()
    page.wait_for_url("**/manage")
    page.get_by_test_id("status-published").click()
    page.wait_for_url("**/manage")
    assert page.get_by_test_id("meeting-status").inner_text() == "Đã phát hành"
    sign_out(page)

    # A participant opens the pack, reads the PDF and writes a note on selected words.
    sign_in(page, "lan.snv")
    page.goto(f"/meetings/{meeting_id}")
    page.get_by_role("link", name="Cải cách hành chính").first.click()
    page.get_by_test_id("read-document").click()
    page.locator('[data-testid="reader"][data-state="shown"][data-page="1"]').wait_for()
    select_words(page, WORDS)
    composer = page.get_by_test_id("note-composer")
    composer.wait_for(state="visible")
    assert WORDS in page.get_by_test_id("composer-quote").inner_text()
    page.get_by_test_id("composer-text").fill("Cần nêu rõ chỉ tiêu")
    page.get_by_test_id("save-note").click()
    page.locator('[data-testid="note"]', has_text="Cần nêu rõ chỉ tiêu").wait_for()
    page.get_by_test_id("note-mark").first.wait_for()
    composer.wait_for(state="hidden")
    note = db.scalars(sa.select(MeetingNote)).one()
    assert (note.quote, note.page, note.author_id) == (WORDS, 1, reader.id)
    sign_out(page)

    # The secretary puts version 3 (a page added in front) on the item.
    add_version(app, db, clerk, document, SECOND)
    sign_in(page, "vanthu")
    page.goto(f"/meetings/{meeting_id}/items/{item_id}/manage")
    page.locator("[data-testid=attachments] input[name=number]").fill("3")
    page.get_by_role("button", name="Thay").first.click()
    page.wait_for_url("**/manage")
    db.expire_all()
    moved = db.get(MeetingNote, note.id)
    assert (moved.placement, moved.placed_page) == (NotePlacement.EXACT, 2)
    sign_out(page)

    # The participant finds the note on the new version, on the same words, now on page 2.
    sign_in(page, "lan.snv")
    page.goto(f"/meetings/{meeting_id}/items/{item_id}")
    assert page.get_by_test_id("changed").is_visible()
    page.get_by_test_id("read-document").click()
    assert page.get_by_test_id("read-version").inner_text() == "phiên bản 3"
    page.locator('[data-testid="reader"][data-state="shown"][data-page="1"]').wait_for()
    assert page.locator('[data-testid="note"]', has_text="Cần nêu rõ chỉ tiêu").is_visible()
    page.get_by_test_id("reader-next-page").click()
    page.locator('[data-testid="reader"][data-state="shown"][data-page="2"]').wait_for()
    page.locator("[data-notes][data-marks-page='2'] [data-testid=note-mark]").first.wait_for()
    mark = page.get_by_test_id("note-mark").first.bounding_box()
    words = page.evaluate(
        """(words) => {
          const spans = document.querySelectorAll('[data-testid="reader-text"] span');
          const span = [...spans].find((s) => s.textContent.includes(words));
          const range = document.createRange();
          const at = span.firstChild.data.indexOf(words);
          range.setStart(span.firstChild, at);
          range.setEnd(span.firstChild, at + words.length);
          const box = range.getBoundingClientRect();
          return { x: box.x, y: box.y, width: box.width };
        }""",
        WORDS,
    )
    assert mark is not None and abs(mark["x"] - words["x"]) < 3 and abs(mark["y"] - words["y"]) < 3
    assert abs(mark["width"] - words["width"]) < 4
    assert refused_by_policy == []

    # What the secretary's readiness view counts: the participant's openings of each version.
    opened = db.scalars(
        sa.select(DocumentVersion.number)
        .join(ReadReceipt, ReadReceipt.version_id == DocumentVersion.id)
        .where(ReadReceipt.user_id == reader.id)
        .order_by(DocumentVersion.number)
    ).all()
    assert opened == [2, 3]
    if "meetings.readiness" in app.view_functions:
        sign_out(page)
        sign_in(page, "vanthu")
        page.goto(f"/meetings/{meeting_id}/readiness")
        assert "Nguyễn Thị Lan" in page.locator("main").inner_text()
