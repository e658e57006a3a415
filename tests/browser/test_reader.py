"""A PDF read on a tablet with pdf.js: drawn, its text laid over it, reopened where left."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from accounts.models import Role
from audit.models import AuditEvent
from core.storage import StagedBlobs
from documents import drafting
from documents.models import ReadReceipt
from tests.browser.conftest import ARTIFACTS, require_pdfjs
from tests.browser.test_documents import sign_in
from tests.documents.office_testkit import draft

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
PAGE_TEXTS = ("Trang 1: Ke hoach cai cach hanh chinh", "Trang 2: Phan cong thuc hien")


def pdf_of_pages(texts: tuple[str, ...]) -> bytes:
    """A PDF with one line of Helvetica text per page (a standard font pdf.js fetches)."""
    count = len(texts)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(count))
    font = 3 + 2 * count
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
    ]
    for i, text in enumerate(texts):
        content = b"BT /F1 24 Tf 72 720 Td (%s) Tj ET" % text.encode("ascii")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {4 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@pytest.fixture
def tablet(browser, live_server, app, request):
    require_pdfjs(app)
    context = browser.new_context(base_url=live_server, viewport=TABLET, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    context.close()


def dark_pixels(page) -> int:
    """How many pixels of the reader's canvas pdf.js drew dark (text), read back from the canvas."""
    return page.evaluate(
        """() => {
          const canvas = document.querySelector('[data-testid="reader-canvas"]');
          const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
          let dark = 0;
          for (let i = 0; i < data.length; i += 4) {
            if (data[i + 3] > 0 && data[i] < 128 && data[i + 1] < 128 && data[i + 2] < 128) dark++;
          }
          return dark;
        }"""
    )


def text_over_ink(page) -> dict[str, float]:
    """The box of the ink drawn on the canvas and of the text layer's first line, in CSS pixels."""
    return page.evaluate(
        """() => {
          const canvas = document.querySelector('[data-testid="reader-canvas"]');
          const context = canvas.getContext('2d');
          const { data, width } = context.getImageData(0, 0, canvas.width, canvas.height);
          let top = Infinity, bottom = -1, left = Infinity;
          for (let i = 0; i < data.length; i += 4) {
            if (data[i + 3] > 0 && data[i] < 128) {
              const x = (i / 4) % width, y = Math.floor(i / 4 / width);
              top = Math.min(top, y); bottom = Math.max(bottom, y); left = Math.min(left, x);
            }
          }
          const box = canvas.getBoundingClientRect();
          const scale = box.width / canvas.width;
          const line = document.querySelector('[data-testid="reader-text"] span');
          const span = line.getBoundingClientRect();
          return {
            ink_top: box.top + top * scale, ink_bottom: box.top + (bottom + 1) * scale,
            ink_left: box.left + left * scale,
            text_top: span.top, text_bottom: span.bottom, text_left: span.left,
          };
        }"""
    )


def pdf_drafted_by(app, db, make):
    """A clerk and their draft whose version 2 is the two-page PDF."""
    clerk = make.user("vanthu", roles=[Role.CLERK], unit=make.unit(abbreviation="UBND"))
    document = draft(db, app.extensions["vanthu.blobs"], clerk)
    with StagedBlobs(app.extensions["vanthu.blobs"]) as staged:
        drafting.add_version(
            db, staged, clerk, document, pdf_of_pages(PAGE_TEXTS), "ke-hoach.pdf", ""
        )
        db.commit()
    return clerk, document


def test_a_pdf_is_read_page_by_page_and_reopens_at_the_page_reached(tablet, app, db, make):
    page = tablet
    clerk, document = pdf_drafted_by(app, db, make)
    refused_by_policy = []
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and refused_by_policy.append(m.text),
    )

    sign_in(page, "vanthu")
    page.goto(f"/documents/{document.id}/v/2")
    reader = page.locator('[data-testid="reader"][data-state="shown"][data-page="1"]')
    reader.wait_for()
    assert page.get_by_test_id("reader-pages").inner_text() == "2"
    assert dark_pixels(page) > 100
    assert PAGE_TEXTS[0] in page.get_by_test_id("reader-text").inner_text()
    # The selectable text covers the ink it stands for, no larger: notes will anchor on it.
    at = text_over_ink(page)
    assert at["text_top"] <= at["ink_top"] + 3 and at["text_bottom"] >= at["ink_bottom"] - 3, at
    assert at["text_bottom"] - at["text_top"] < 1.3 * (at["ink_bottom"] - at["ink_top"]), at
    assert abs(at["text_left"] - at["ink_left"]) < 4, at
    box = page.get_by_test_id("reader-canvas").bounding_box()
    assert box is not None and 700 <= box["width"] <= TABLET["width"]  # fitted to the width

    with page.expect_response(
        lambda r: r.url.endswith("/position") and r.request.method == "POST"
    ) as saved:
        page.get_by_test_id("reader-next-page").click()
    assert saved.value.status == 200
    page.locator('[data-testid="reader"][data-state="shown"][data-page="2"]').wait_for()
    assert PAGE_TEXTS[1] in page.get_by_test_id("reader-text").inner_text()

    page.reload()
    page.locator('[data-testid="reader"][data-state="shown"][data-page="2"]').wait_for()
    assert page.get_by_test_id("reader-page").input_value() == "2"
    assert PAGE_TEXTS[1] in page.get_by_test_id("reader-text").inner_text()
    assert dark_pixels(page) > 100
    assert refused_by_policy == []

    # Each reading page counted once; the file pdf.js fetched with the page's pass did not.
    receipt = db.scalar(sa.select(ReadReceipt).where(ReadReceipt.user_id == clerk.id))
    assert receipt is not None and receipt.times_opened == 2
    hows = db.scalars(
        sa.select(AuditEvent.details).where(AuditEvent.action == "documents:version:open")
    ).all()
    assert hows == [{"how": "read"}, {"how": "read"}]


def test_when_pdfjs_cannot_load_the_browsers_own_viewer_shows_the_same_file(tablet, app, db, make):
    page = tablet
    _, document = pdf_drafted_by(app, db, make)
    page.route("**/static/vendor/pdfjs/**", lambda route: route.abort())
    sign_in(page, "vanthu")
    page.goto(f"/documents/{document.id}/v/2")
    page.locator('[data-testid="reader"][data-state="fallback"]').wait_for()
    frame = page.locator('[data-testid="reader"] iframe.pdf')
    assert f"/documents/{document.id}/v/2/file?opened=" in frame.get_attribute("src")
    assert page.get_by_test_id("reader-canvas").count() == 0
