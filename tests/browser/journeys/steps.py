"""The steps of each role's main journey, one small function per thing a person does.

They use today's pages: the document page's stepper, the recipient forms' unit-tree picker; when
a page changes, only the function of that step changes. Each ends on the page it leads to
and records it (`Journey.step`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.journeys.journey import Journey, follow, open_menu, starting, waiting_card

NUMBER = re.compile(r"\d+/[\wĐ]+-[\wĐ]+")


# --- the sending unit's clerk --------------------------------------------------------------------


def open_documents(journey: Journey) -> None:
    open_menu(journey, "Văn bản", group="Văn bản")
    journey.step("documents")


def draft_document(journey: Journey, subject: str, signer: str) -> None:
    """The drafting form: a công văn laid out from the template, signed by ``signer``."""
    page = journey.page
    follow(page, page.get_by_role("link", name="Tạo văn bản mới"))
    page.get_by_label("Loại văn bản").select_option(label="Công văn")
    page.get_by_label("Chữ viết tắt đơn vị soạn thảo").fill("VP")
    page.get_by_label("Trích yếu").fill(subject)
    page.get_by_label("Nội dung").fill("Đề nghị các đơn vị ký số văn bản trên thiết bị di động.")
    choose_option(page.get_by_label("Người ký", exact=True), signer)
    page.get_by_label("Chức vụ người ký").fill("Chủ tịch")
    journey.step("new-document")
    follow(page, page.get_by_role("button", name="Tạo dự thảo"))
    assert page.get_by_test_id("subject").inner_text() == subject
    journey.step("draft")


def number_document(journey: Journey) -> None:
    """The stepper's next step: tick that the type, subject and signer are checked, reserve the
    number and date ("Cấp số và ngày văn bản"), then open "Trình ký"."""
    page = journey.page
    page.get_by_role("checkbox", name=starting("Tôi đã kiểm tra loại văn bản")).check()
    follow(page, page.get_by_role("button", name="Cấp số và ngày văn bản"))
    assert NUMBER.search(page.get_by_role("heading", level=1).inner_text()), page.url
    journey.step("number")
    follow(page, page.get_by_role("link", name="Trình ký"))


def submit_for_signature(journey: Journey) -> str:
    """Submit to the signer named on the document; the number and date are fixed now."""
    page = journey.page
    follow(page, page.get_by_role("button", name="Trình ký"))
    number = NUMBER.search(page.get_by_role("heading", level=1).inner_text())
    assert number is not None, page.url
    journey.step("submitted")
    return number.group()


def check_original(journey: Journey, converts: bool) -> None:
    """The document's page says which original goes for signature: the PDF made by
    LibreOffice, else the Word file itself with detached signatures."""
    page = journey.page
    if page.get_by_role("link", name="Chi tiết").count():
        follow(page, page.get_by_role("link", name="Chi tiết"))
    if converts:
        assert "Bản PDF gốc là phiên bản" in page.get_by_test_id("conversion").inner_text()
        journey.step("pdf-original")
    else:
        assert ".docx" in page.get_by_test_id("versions").inner_text()
        journey.step("docx-original")


def outgoing_register(journey: Journey, number: str) -> None:
    """The outgoing register (sổ văn bản đi) lists the number just taken."""
    open_menu(journey, "Sổ văn bản", group="Văn bản")
    assert number in journey.page.get_by_role("main").inner_text()
    journey.step("register")


# --- the official ---------------------------------------------------------------------------------


def open_waiting(journey: Journey, card: str, title: str) -> None:
    """From home, open ``title`` in the card of what waits for the person."""
    page = journey.page
    follow(page, waiting_card(page, card).get_by_role("link", name=title))


def read_in_full(journey: Journey) -> None:
    page = journey.page
    follow(page, page.get_by_role("link", name="Mở toàn văn"))
    assert page.get_by_test_id("reader").is_visible()
    journey.step("read")
    page.go_back()


def confirm_facts_and_pin(journey: Journey, pin: str) -> None:
    """Tick "I have read document no. ..., dated ..., n pages" and type the PIN."""
    page = journey.page
    page.get_by_role("checkbox", name=starting("Tôi đã đọc văn bản")).check()
    page.get_by_label("Mã PIN ký số").fill(pin)
    journey.step("confirm")


def sign(journey: Journey) -> None:
    page = journey.page
    follow(page, page.get_by_role("button", name="Ký số"))
    assert page.get_by_role("button", name="Ký số").count() == 0  # no second signature
    journey.step("signed")


# --- the clerk seals and sends --------------------------------------------------------------------


def seal(journey: Journey, pin: str) -> None:
    confirm_facts_and_pin(journey, pin)
    page = journey.page
    follow(page, page.get_by_role("button", name="Đóng dấu"))
    assert page.get_by_role("button", name="Đóng dấu").count() == 0
    journey.step("sealed")


def choose_recipients(page: Any, unit: str) -> None:
    """The recipient picker: search the unit by name as a clerk types it, then tick it."""
    page.get_by_label("Tìm đơn vị hoặc người").fill(unit)
    page.get_by_label(unit, exact=True).check()
    assert "1 đơn vị" in page.locator("[data-picker-summary]").inner_text()


def dispatch(journey: Journey, unit: str) -> None:
    page = journey.page
    follow(page, page.get_by_role("link", name="Chi tiết"))
    follow(page, page.get_by_role("link", name="Gửi", exact=True))
    choose_recipients(page, unit)
    page.get_by_role("checkbox", name=starting("Tôi đã kiểm tra nơi nhận")).check()
    journey.step("recipients")
    follow(page, page.get_by_role("button", name="Gửi", exact=True))
    assert unit in page.get_by_role("main").inner_text()
    journey.step("dispatched")


# --- the receiving unit's clerk -------------------------------------------------------------------


def acknowledge(journey: Journey) -> None:
    page = journey.page
    follow(page, page.get_by_role("button", name="Xác nhận tiếp nhận cho đơn vị"))
    assert page.get_by_role("button", name="Xác nhận tiếp nhận cho đơn vị").count() == 0
    journey.step("acknowledged")


def register_incoming(journey: Journey, note: str) -> None:
    """What the clerk writes only in the incoming register: here a note."""
    page = journey.page
    follow(page, page.get_by_role("link", name="Ghi sổ"))
    page.get_by_label("Ghi chú").fill(note)
    journey.step("register-form")
    follow(page, page.get_by_role("button", name="Lưu"))
    journey.step("registered")


def incoming_register(journey: Journey, number: str) -> None:
    """The incoming register (sổ văn bản đến) lists what the unit acknowledged."""
    open_menu(journey, "Sổ văn bản", group="Văn bản")
    page = journey.page
    follow(page, page.get_by_role("link", name="Sổ văn bản đến"))
    assert number in page.get_by_role("main").inner_text()
    journey.step("incoming-register")


def assign_for_handling(journey: Journey, lead: str, deadline: str, instructions: str) -> None:
    """Give the document to ``lead`` by ``deadline`` (yyyy-mm-dd in the date field)."""
    page = journey.page
    follow(page, page.get_by_role("link", name="Giao xử lý"))
    choose_option(page.get_by_label("Người chủ trì"), lead)
    page.get_by_label("Hạn xử lý").fill(deadline)
    page.get_by_label("Ý kiến chỉ đạo").fill(instructions)
    journey.step("assign-form")
    follow(page, page.get_by_role("button", name="Giao", exact=True))
    journey.step("assigned")


# --- the person assigned --------------------------------------------------------------------------


def open_tasks(journey: Journey, subject: str) -> None:
    """The home card lists the task with its deadline; its heading leads to the tasks page."""
    page = journey.page
    card = waiting_card(page, "Văn bản cần xử lý")
    assert "hạn" in card.get_by_role("listitem").filter(has_text=subject).inner_text()
    follow(page, card.get_by_role("heading").get_by_role("link"))
    journey.step("tasks")


def report_progress(journey: Journey, subject: str, deadline: str, note: str) -> None:
    """On the tasks page, the task's row: its deadline (dd/mm/yyyy), then its state and a note."""
    page = journey.page
    row = page.get_by_role("row").filter(has_text=subject)
    assert deadline in row.inner_text()
    # The whole form is on screen, not cut off inside a table that scrolls sideways on a phone.
    save = row.get_by_role("button", name="Lưu").bounding_box()
    assert save is not None and save["x"] + save["width"] <= page.viewport_size["width"]
    row.get_by_label("Tình trạng").select_option(label="Đang thực hiện")
    row.get_by_label("Tiến độ").fill(note)
    follow(page, row.get_by_role("button", name="Lưu"))
    row = page.get_by_role("row").filter(has_text=subject)
    assert row.get_by_label("Tiến độ").input_value() == note
    journey.step("progress")


# --- the official in a meeting --------------------------------------------------------------------


def open_meeting_document(journey: Journey, meeting: str, document: str) -> None:
    page = journey.page
    open_menu(journey, "Cuộc họp")
    journey.step("meetings")
    follow(page, page.get_by_role("link", name=meeting))
    journey.step("pack")
    follow(page, page.get_by_role("link", name=starting(document)))
    page.get_by_test_id("reader").wait_for()
    journey.step("document")


def write_private_note(journey: Journey, words: str, text: str) -> None:
    """Select ``words`` in the document, as a long press would, and write a note on them."""
    page = journey.page
    select_words(page, words)
    composer = page.get_by_test_id("note-composer")
    composer.wait_for(state="visible")
    page.get_by_role("textbox", name="Ghi chú").fill(text)
    journey.step("note-form")
    page.get_by_role("button", name="Lưu ghi chú").click()
    note = page.get_by_test_id("note").filter(has_text=text)
    note.wait_for()
    composer.wait_for(state="hidden")
    assert note.get_by_test_id("note-shared").count() == 0  # private until shared
    journey.step("note")


def select_words(page: Any, words: str) -> None:
    page.evaluate(
        """(words) => {
          const surface = document.querySelector('[data-note-surface]');
          const walker = document.createTreeWalker(surface, NodeFilter.SHOW_TEXT);
          let node;
          while ((node = walker.nextNode()) && !node.data.includes(words)) {}
          const at = node.data.indexOf(words);
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + words.length);
          const selection = document.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          surface.dispatchEvent(new PointerEvent('pointerup', {bubbles: true}));
        }""",
        words,
    )


# --- the auditor ----------------------------------------------------------------------------------


def filter_audit_log(journey: Journey, number: str) -> None:
    page = journey.page
    open_menu(journey, "Nhật ký kiểm tra")
    entries = page.get_by_role("link", name=starting("#"))
    everything = entries.count()
    journey.step("audit-log")
    page.get_by_label("Số, ký hiệu văn bản").fill(number)
    follow(page, page.get_by_role("button", name="Lọc"))
    assert 0 < entries.count() < everything  # that document's events only
    # Readable at a glance: no event's row grows to a screen of wrapped hashes.
    tallest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('[data-testid=events] tbody tr')]"
        ".map(row => row.getBoundingClientRect().height))"
    )
    assert tallest < page.viewport_size["height"] / 2, tallest
    journey.step("audit-filtered")


def verify_document(journey: Journey, number: str) -> None:
    """The verification page says its verdict in words: "Hợp lệ", not TOTAL_PASSED."""
    page = journey.page
    open_menu(journey, "Kiểm tra chữ ký số")
    field = page.get_by_label("Số, ký hiệu văn bản")
    field.fill(number)
    form = page.locator("form").filter(has=field)
    follow(page, form.get_by_role("button", name="Kiểm tra"))
    assert page.get_by_test_id("verdict").first.inner_text() == "Hợp lệ"
    assert "TOTAL_PASSED" not in page.get_by_role("main").inner_text()  # codes under details
    journey.step("verified")


# --- the administrator ----------------------------------------------------------------------------


def import_users(journey: Journey, csv_file: Path) -> None:
    page = journey.page
    open_menu(journey, "Người dùng", group="Quản trị")
    journey.step("users")
    follow(page, page.get_by_role("link", name="Nhập từ CSV"))
    page.get_by_label("Tệp CSV").set_input_files(str(csv_file))
    journey.step("import")
    follow(page, page.get_by_role("button", name="Nhập", exact=True))
    assert page.get_by_test_id("activation-codes").is_visible()
    journey.step("activation-codes")


def print_codes(journey: Journey) -> None:
    """ "In danh sách mã" opens the print dialog; the page as printed is what is saved."""
    page = journey.page
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="In danh sách mã").click()
    assert page.evaluate("window.printed === true")
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="In danh sách mã").is_visible()
    assert page.get_by_test_id("activation-codes").is_visible()
    journey.step("print")
    page.emulate_media(media="screen")


def choose_option(select: Any, starts_with: str) -> None:
    """Choose the option of ``select`` whose visible label starts with ``starts_with``."""
    labels = select.locator("option").all_inner_texts()
    chosen = [label for label in labels if label.strip().startswith(starts_with)]
    assert chosen, (starts_with, labels)
    select.select_option(label=chosen[0].strip())
