"""Text extraction from DOCX, PDF and plain text, with its length cap and failure modes.

PDFs are hand-built in conftest; nothing here depends on external files.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from docx import Document

from documents.errors import CorruptFile
from documents.extract import extract_text, text_from_docx, text_from_pdf, text_from_plain
from documents.files import FileKind

SUBJECT = "Về việc ban hành Kế hoạch cải cách hành chính năm 2026"


def test_drafted_docx_text_has_subject_header_and_table_cells(drafted_docx: bytes) -> None:
    text = extract_text(drafted_docx, FileKind.DOCX)
    assert SUBJECT in text
    assert "Số: 05/QĐ-UBND" in text
    assert "Nguyễn Văn An" in text
    assert text.index("CỘNG HÒA") < text.index(SUBJECT) < text.index("Nơi nhận:")
    assert "\n\n\n" not in text


def test_merged_table_cells_are_read_once() -> None:
    document = Document()
    table = document.add_table(rows=2, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 2))
    merged.text = "Ô gộp"
    table.cell(1, 1).text = "Ô thường"
    out = io.BytesIO()
    document.save(out)
    text = text_from_docx(out.getvalue())
    assert text.count("Ô gộp") == 1 and "Ô thường" in text


def test_pdf_text_layer(pdf_of: Callable[[str | None], bytes]) -> None:
    assert "Ke hoach cai cach hanh chinh" in extract_text(
        pdf_of("Ke hoach cai cach hanh chinh"), FileKind.PDF
    )


def test_scanned_pdf_without_text_gives_empty_string(pdf_of: Callable[[str | None], bytes]) -> None:
    assert text_from_pdf(pdf_of(None)) == ""


def test_pdf_with_a_garbled_content_stream_does_not_crash(
    pdf_of: Callable[[str | None], bytes],
) -> None:
    odd = pdf_of("placeholder").replace(b"BT /F1 12 Tf 72 720 Td (placeholder) Tj ET", b"(" * 43)
    assert isinstance(text_from_pdf(odd), str)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4 garbage %%EOF",
        b"%PDF-1.4\n%%EOF\n",
        b"%PDF-1.4\n" + bytes(range(256)) * 4 + b"\n%%EOF\n",
    ],
)
def test_unparseable_pdf_raises_corrupt_file(data: bytes) -> None:
    with pytest.raises(CorruptFile):
        text_from_pdf(data)


def test_garbage_docx_raises_corrupt_file() -> None:
    with pytest.raises(CorruptFile):
        text_from_docx(b"PK\x03\x04 not really a zip")


def test_plain_text_is_nfc_and_bom_free() -> None:
    decomposed = "\ufeffCa\u0309i ca\u0301ch".encode()
    assert text_from_plain(decomposed) == "Cải cách"


def test_text_is_capped(drafted_docx: bytes) -> None:
    assert len(extract_text(drafted_docx, FileKind.DOCX, max_chars=50)) <= 50
    assert len(text_from_plain(b"a" * 5000, max_chars=100)) == 100


def test_kinds_without_text_give_empty_string(png_of: Callable[..., bytes]) -> None:
    assert extract_text(png_of(), FileKind.PNG) == ""


@pytest.mark.parametrize(
    "member",
    ["word/document.xml", "word/_rels/document.xml.rels", "_rels/.rels"],
)
def test_well_formed_but_wrong_parts_raise_corrupt_file(
    drafted_docx: bytes,
    with_members: Callable[[bytes, dict[str, bytes]], bytes],
    member: str,
) -> None:
    with pytest.raises(CorruptFile):
        text_from_docx(with_members(drafted_docx, {member: b"<unexpected/>"}))
