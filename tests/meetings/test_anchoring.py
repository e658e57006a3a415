"""Notes re-anchored on a new version: exact, fuzzy or orphaned, never lost.

PDFs are built here with a ToUnicode map, so Vietnamese text comes back from a real text layer.
"""

from __future__ import annotations

import io
import unicodedata

import pytest
from docx import Document

from meetings.anchoring import (
    FUZZY_THRESHOLD,
    Anchor,
    PagedText,
    Placement,
    normalise,
    reanchor,
)
from meetings.errors import AnchorOutsideText, EmptyQuote

BASIS = "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015."
TASK = "Giao Sở Tài chính chủ trì, phối hợp với các sở, ngành thẩm định dự toán kinh phí."
FUNDS = "Kinh phí thực hiện là 450.000.000 đồng từ nguồn ngân sách tỉnh năm 2026."
REPORT = "Ủy ban nhân dân huyện Châu Thành báo cáo kết quả trước ngày 15 tháng 12."
CLOSING = "Quyết định này có hiệu lực kể từ ngày ký."


def quote_on(text: PagedText, page: int, quote: str, occurrence: int = 0) -> Anchor:
    """The anchor a reader makes by selecting ``quote`` on ``page`` (its n-th occurrence)."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.pages[page - 1].index(quote, start + 1)
    return text.anchor(page, start, start + len(quote))


def placed_text(new: PagedText, result) -> str:
    return new.pages[result.page - 1][result.start : result.end]


def test_unchanged_quote_is_placed_exactly_after_text_inserted_before_it() -> None:
    old = PagedText([f"{BASIS} {TASK} {FUNDS}"])
    new = PagedText([f"{BASIS} Theo đề nghị của Giám đốc Sở Tài chính. {TASK} {FUNDS}"])
    result = reanchor({"n1": quote_on(old, 1, "thẩm định dự toán kinh phí")}, new)["n1"]
    assert result.kind is Placement.EXACT and result.score == 1.0
    assert result.page == 1
    assert placed_text(new, result) == "thẩm định dự toán kinh phí"
    assert result.start > old.pages[0].index("thẩm định")


@pytest.mark.parametrize("with_old_text", [True, False])
def test_quote_moved_to_another_page_follows_it(with_old_text: bool) -> None:
    old = PagedText([f"{BASIS} {TASK}", FUNDS, CLOSING])
    new = PagedText([BASIS, FUNDS, f"{TASK} {CLOSING}"])
    anchor = quote_on(old, 1, "chủ trì, phối hợp với các sở, ngành")
    result = reanchor({1: anchor}, new, old if with_old_text else None)[1]
    assert (result.kind, result.page) == (Placement.EXACT, 3)
    assert placed_text(new, result) == "chủ trì, phối hợp với các sở, ngành"


def test_repeated_quote_is_told_apart_by_its_context() -> None:
    first = "Sở Tài chính thẩm định dự toán kinh phí của huyện Châu Thành."
    second = "Sở Nội vụ thẩm định dự toán kinh phí của thị xã Ngã Bảy."
    old = PagedText([f"{first} {second}"])
    # The second sentence now comes first: position alone would pick the wrong one.
    new = PagedText([f"{second} {first}"])
    anchor = quote_on(old, 1, "thẩm định dự toán kinh phí", occurrence=1)
    result = reanchor({1: anchor}, new)[1]
    assert result.kind is Placement.EXACT
    assert result.start == new.pages[0].index("thẩm định")  # the Sở Nội vụ one, now first


def test_repeated_quote_with_the_same_context_goes_to_the_nearest_one() -> None:
    old = PagedText([f"{REPORT} {FUNDS} {REPORT} {FUNDS} {REPORT}"])
    new = PagedText([f"{BASIS} {REPORT} {FUNDS} {REPORT} {FUNDS} {REPORT}"])
    anchor = quote_on(old, 1, "báo cáo kết quả", occurrence=1)
    result = reanchor({1: anchor}, new, old)[1]
    expected = new.pages[0].index("báo cáo kết quả", new.pages[0].index(FUNDS))
    assert (result.kind, result.start) == (Placement.EXACT, expected)


def test_edited_quote_is_placed_fuzzily_on_its_new_words() -> None:
    old = PagedText([f"{BASIS} {TASK} {CLOSING}"])
    edited = TASK.replace("Sở Tài chính", "Sở Kế hoạch và Đầu tư")
    new = PagedText([f"{BASIS} {edited} {CLOSING}"])
    anchor = quote_on(old, 1, "Giao Sở Tài chính chủ trì, phối hợp với các sở, ngành")
    result = reanchor({1: anchor}, new, old)[1]
    assert result.kind is Placement.FUZZY
    assert FUZZY_THRESHOLD <= result.score < 1
    assert (
        placed_text(new, result) == "Giao Sở Kế hoạch và Đầu tư chủ trì, phối hợp với các sở, ngành"
    )


def test_deleted_passage_is_orphaned_and_kept() -> None:
    old = PagedText([f"{BASIS} {FUNDS}", f"{REPORT} {CLOSING}"])
    new = PagedText([BASIS, f"{REPORT} {CLOSING}"])
    anchors = {
        "gone": quote_on(old, 1, "450.000.000 đồng từ nguồn ngân sách tỉnh"),
        "short": quote_on(old, 1, "450.000.000"),
        "kept": quote_on(old, 2, "báo cáo kết quả"),
    }
    results = reanchor(anchors, new, old)
    assert set(results) == set(anchors)
    assert results["gone"].kind is Placement.ORPHANED
    assert (results["gone"].page, results["gone"].start, results["gone"].end) == (None, None, None)
    assert results["gone"].score < FUZZY_THRESHOLD
    assert results["short"].kind is Placement.ORPHANED
    assert results["kept"].kind is Placement.EXACT


def test_a_few_words_found_only_in_another_passage_are_not_the_note() -> None:
    filler = " ".join([FUNDS] * 30)  # two pages of 2,000 characters between the two
    old = PagedText([f"{BASIS} Tỷ lệ hộ nghèo giảm 2%.", filler, filler, REPORT])
    new = PagedText([BASIS, filler, filler, f"{REPORT} Không còn hộ nghèo."])
    result = reanchor({1: quote_on(old, 1, "hộ nghèo")}, new, old)[1]
    assert result.kind is Placement.ORPHANED


def test_notes_on_a_new_version_without_text_are_all_orphaned() -> None:
    old = PagedText([f"{BASIS} {TASK}"])
    scanned = PagedText(["", ""])
    anchors = {1: quote_on(old, 1, "chủ trì, phối hợp"), 2: quote_on(old, 1, "Căn cứ")}
    results = reanchor(anchors, scanned, old)
    assert [results[key].kind for key in anchors] == [Placement.ORPHANED] * 2


def test_combining_and_precomposed_vietnamese_match() -> None:
    decomposed = unicodedata.normalize("NFD", f"{BASIS} {TASK}")
    assert decomposed != f"{BASIS} {TASK}"
    old = PagedText([decomposed])
    new = PagedText([f"{FUNDS} {BASIS} {TASK}"])
    anchor = Anchor(
        page=1,
        start=0,
        exact=unicodedata.normalize("NFD", "chính quyền địa phương"),
        prefix=unicodedata.normalize("NFD", "Căn cứ Luật Tổ chức "),
    )
    assert old.pages[0] == f"{BASIS} {TASK}"
    result = reanchor({1: anchor}, new)[1]
    assert result.kind is Placement.EXACT
    assert placed_text(new, result) == "chính quyền địa phương"


@pytest.mark.parametrize("quote", ["", "   ", "\n\t ", "\u00ad\u200b"])
def test_empty_quote_is_refused(quote: str) -> None:
    with pytest.raises(EmptyQuote, match="quote some text"):
        Anchor(page=1, start=0, exact=quote)


@pytest.mark.parametrize(("page", "start", "end"), [(0, 0, 3), (2, 0, 3), (1, 5, 2), (1, 0, 999)])
def test_selection_outside_the_page_is_refused(page: int, start: int, end: int) -> None:
    with pytest.raises(AnchorOutsideText):
        PagedText([BASIS]).anchor(page, start, end)


def test_normalise_joins_line_end_hyphens_and_collapses_spaces() -> None:
    text = "Kế hoạch tri-\n  ển khai\u00a0 chuyển\u00ad đổi số\n\nHà Nội-\nHải Phòng  "
    assert normalise(text) == "Kế hoạch triển khai chuyển đổi số Hà Nội-Hải Phòng"


def test_pdf_text_round_trips_through_extraction_and_reanchoring() -> None:
    page_one = [BASIS, "Kế hoạch chuyển đổi số được tri-", "ển khai trong toàn tỉnh."]
    page_two = [TASK, unicodedata.normalize("NFD", FUNDS)]
    old = PagedText.from_pdf(vietnamese_pdf([page_one, page_two]))
    assert old.pages == (
        f"{BASIS} Kế hoạch chuyển đổi số được triển khai trong toàn tỉnh.",
        f"{TASK} {FUNDS}",
    )
    anchor = quote_on(old, 2, "450.000.000 đồng từ nguồn ngân sách tỉnh")
    new = PagedText.from_pdf(vietnamese_pdf([[CLOSING], page_one, page_two]))
    result = reanchor({1: anchor}, new, old)[1]
    assert (result.kind, result.page) == (Placement.EXACT, 3)
    assert placed_text(new, result) == "450.000.000 đồng từ nguồn ngân sách tỉnh"


def test_docx_is_one_page_of_its_paragraphs() -> None:
    document = Document()
    for paragraph in (BASIS, TASK, FUNDS):
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    assert PagedText.from_docx(out.getvalue()).pages == (f"{BASIS} {TASK} {FUNDS}",)


def vietnamese_pdf(pages: list[list[str]]) -> bytes:
    """A PDF with one text line per entry; a ToUnicode map gives the text layer any letter.

    The font is a standard one, so the glyphs drawn are wrong; only the text layer is tested.
    """
    letters = sorted({letter for lines in pages for line in lines for letter in line})
    assert len(letters) < 255
    code = {letter: index + 1 for index, letter in enumerate(letters)}
    entries = [f"<{code[letter]:02X}> <{ord(letter):04X}>" for letter in letters]
    blocks = "".join(
        f"{len(entries[i : i + 100])} beginbfchar\n" + "\n".join(entries[i : i + 100]) + "\n"
        "endbfchar\n"
        for i in range(0, len(entries), 100)
    )
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /VanThu-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <00> <FF> endcodespacerange\n"
        f"{blocks}endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode("ascii")
    first_page = 5
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (
            b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(len(pages))),
            len(pages),
        ),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
    ]
    for index, lines in enumerate(pages):
        content = b"\n".join(
            b"BT /F1 11 Tf 56 %d Td <%s> Tj ET"
            % (780 - 16 * row, "".join(f"{code[c]:02X}" for c in line).encode("ascii"))
            for row, line in enumerate(lines)
        )
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
            % (first_page + 2 * index + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
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
