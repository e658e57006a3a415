"""The drafted DOCX, read back with python-docx: components, layout, fonts and page setup.

Checks follow Decree 30 Annex I (format of administrative documents).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from documents.decree30 import Authority, Confidentiality, DocType, Urgency
from documents.errors import BadDraft
from documents.files import FileKind, inspect_upload
from documents.layout import DraftSpec, render_draft

SpecFactory = Callable[..., DraftSpec]


def open_docx(data: bytes) -> object:
    return Document(io.BytesIO(data))


def all_paragraphs(document: object) -> Iterator[Paragraph]:
    yield from document.paragraphs  # type: ignore[attr-defined]
    for table in document.tables:  # type: ignore[attr-defined]
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def texts(document: object) -> list[str]:
    return [p.text for p in all_paragraphs(document)]


def find(document: object, text: str) -> Paragraph:
    matches = [p for p in all_paragraphs(document) if p.text == text]
    assert matches, f"{text!r} not found in {texts(document)}"
    return matches[0]


def is_bold(paragraph: Paragraph) -> bool:
    return all(run.bold for run in paragraph.runs)


def test_components_are_present(drafted_docx: bytes) -> None:
    document = open_docx(drafted_docx)
    lines = texts(document)
    for expected in (
        "ỦY BAN NHÂN DÂN TỈNH HẬU GIANG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 05/QĐ-UBND",
        "Hậu Giang, ngày 05 tháng 3 năm 2026",
        "QUYẾT ĐỊNH",
        "Về việc ban hành Kế hoạch cải cách hành chính năm 2026",
        "Nơi nhận:",
        "- Như Điều 3;",
        "- Thường trực Tỉnh ủy;",
        "- Lưu: VT, NC.",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Nguyễn Văn An",
    ):
        assert expected in lines


def test_emphasis_and_alignment(drafted_docx: bytes) -> None:
    document = open_docx(drafted_docx)
    for bold in (
        "ỦY BAN NHÂN DÂN TỈNH HẬU GIANG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "QUYẾT ĐỊNH",
        "Về việc ban hành Kế hoạch cải cách hành chính năm 2026",
        "KT. CHỦ TỊCH",
        "Nguyễn Văn An",
    ):
        assert is_bold(find(document, bold)), bold
    date_line = find(document, "Hậu Giang, ngày 05 tháng 3 năm 2026")
    assert all(run.italic for run in date_line.runs)
    recipients = find(document, "Nơi nhận:")
    assert all(run.bold and run.italic for run in recipients.runs)
    assert find(document, "QUYẾT ĐỊNH").alignment == WD_ALIGN_PARAGRAPH.CENTER
    body = find(document, "Theo đề nghị của Giám đốc Sở Nội vụ.")
    assert body.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert body.paragraph_format.first_line_indent is not None
    assert body.paragraph_format.first_line_indent.mm > 5


def test_page_is_a4_with_annex_i_margins(drafted_docx: bytes) -> None:
    section = open_docx(drafted_docx).sections[0]  # type: ignore[attr-defined]
    measured = {
        "width": section.page_width.mm,
        "height": section.page_height.mm,
        "top": section.top_margin.mm,
        "bottom": section.bottom_margin.mm,
        "left": section.left_margin.mm,
        "right": section.right_margin.mm,
    }
    expected = {"width": 210, "height": 297, "top": 20, "bottom": 20, "left": 30, "right": 15}
    assert measured == pytest.approx(expected, abs=0.1)


def test_times_new_roman_13_to_14_pt(drafted_docx: bytes) -> None:
    document = open_docx(drafted_docx)
    normal = document.styles["Normal"]  # type: ignore[attr-defined]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size.pt == 14
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == fonts.get(qn("w:cs")) == "Times New Roman"
    for paragraph in all_paragraphs(document):
        for run in paragraph.runs:
            assert run.font.name in (None, "Times New Roman")
            assert run.font.size is None or 11 <= run.font.size.pt <= 14
    for text in ("Số: 05/QĐ-UBND", "QUYẾT ĐỊNH", "Nguyễn Văn An"):
        sizes = {run.font.size.pt for run in find(document, text).runs if run.font.size}
        assert sizes <= {13, 13.5, 14}, text


def test_header_and_signature_tables_are_borderless_two_column(drafted_docx: bytes) -> None:
    document = open_docx(drafted_docx)
    tables = document.tables  # type: ignore[attr-defined]
    assert len(tables) == 2
    for table in tables:
        assert len(table.columns) == 2
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        assert {edge.get(qn("w:val")) for edge in borders} == {"nil"}
    header_left = [p.text for p in tables[0].rows[0].cells[0].paragraphs]
    header_right = [p.text for p in tables[0].rows[0].cells[1].paragraphs]
    assert "ỦY BAN NHÂN DÂN TỈNH HẬU GIANG" in header_left
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header_right
    signer = [p.text for p in tables[1].rows[0].cells[1].paragraphs]
    assert signer[0] == "KT. CHỦ TỊCH" and signer[-1] == "Nguyễn Văn An"
    assert "" in signer, "room for the signature between title and name"


def test_output_passes_upload_screening_and_is_reproducible(
    drafted_docx: bytes, spec_with: SpecFactory
) -> None:
    assert inspect_upload(drafted_docx, "qd.docx", 10_000_000).kind is FileKind.DOCX
    assert render_draft(spec_with()) == drafted_docx


def test_template_thumbnail_is_not_shipped(drafted_docx: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(drafted_docx)) as archive:
        names = archive.namelist()
        assert not any("thumbnail" in name for name in names)
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_unnumbered_draft_shows_dots(spec_with: SpecFactory) -> None:
    lines = texts(open_docx(render_draft(spec_with(number=None, date=None))))
    assert "Số: .../QĐ-UBND" in lines
    assert "Hậu Giang, ngày ... tháng ... năm ..." in lines


def test_cong_van_has_vv_subject_and_no_type_heading(spec_with: SpecFactory) -> None:
    spec = spec_with(
        doc_type=DocType.CONG_VAN,
        number=12,
        unit_abbr="VP",
        subject="triển khai chữ ký số chuyên dùng công vụ",
        addressees=["Sở Nội vụ", "Sở Tài chính"],
        signer_authority=Authority.TL,
        signer_on_behalf_of="Chủ tịch",
        signer_title="Chánh Văn phòng",
        drafter_unit="VP",
    )
    lines = texts(open_docx(render_draft(spec)))
    assert "Số: 12/UBND-VP" in lines
    assert "V/v triển khai chữ ký số chuyên dùng công vụ" in lines
    assert "CÔNG VĂN" not in lines
    assert "Kính gửi:" in lines and "- Sở Tài chính;" in lines
    assert "TL. CHỦ TỊCH" in lines and "CHÁNH VĂN PHÒNG" in lines
    assert "- Lưu: VT, VP." in lines


def test_parent_body_marks_and_plain_signer(spec_with: SpecFactory) -> None:
    spec = spec_with(
        parent_body="Ủy ban nhân dân tỉnh Hậu Giang",
        issuing_body="Sở Nội vụ",
        issuer_abbr="SNV",
        doc_type=DocType.KE_HOACH,
        signer_authority=None,
        signer_on_behalf_of=None,
        signer_title="Giám đốc",
        urgency=Urgency.HOA_TOC,
        confidentiality=Confidentiality.MAT,
    )
    document = open_docx(render_draft(spec))
    lines = texts(document)
    assert lines.index("ỦY BAN NHÂN DÂN TỈNH HẬU GIANG") < lines.index("SỞ NỘI VỤ")
    assert not is_bold(find(document, "ỦY BAN NHÂN DÂN TỈNH HẬU GIANG"))
    assert is_bold(find(document, "SỞ NỘI VỤ"))
    assert "Số: 05/KH-SNV" in lines and "KẾ HOẠCH" in lines
    assert "HỎA TỐC" in lines and "MẬT" in lines
    assert "GIÁM ĐỐC" in lines and not any(line.startswith("KT.") for line in lines)


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "x" * 501},
        {"subject": "   "},
        {"signer_name": ""},
        {"issuing_body": " "},
        {"signer_on_behalf_of": None},
        {"issuer_abbr": "UB ND"},
        {"unit_abbr": "VP"},
        {"number": 0},
        {"doc_type": DocType.CONG_VAN, "unit_abbr": None},
        {"signer_authority": Authority.TM_KT, "signer_collective": None},
    ],
)
def test_incomplete_or_invalid_specs_are_refused(
    spec_with: SpecFactory, changes: dict[str, object]
) -> None:
    with pytest.raises(BadDraft):
        spec_with(**changes)


def test_subject_of_exactly_500_characters_is_accepted(spec_with: SpecFactory) -> None:
    assert len(spec_with(subject="x" * 500).subject) == 500


def test_cong_van_subject_starting_with_ve_viec_gets_one_vv(spec_with: SpecFactory) -> None:
    spec = spec_with(
        doc_type=DocType.CONG_VAN,
        unit_abbr="VP",
        subject="Về việc triển khai chữ ký số",
        addressees=["Sở Nội vụ"],
    )
    lines = texts(open_docx(render_draft(spec)))
    assert "V/v triển khai chữ ký số" in lines
    assert not any("V/v Về việc" in line for line in lines)
    assert "Kính gửi: Sở Nội vụ." in lines


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"signer_authority": Authority.Q, "signer_title": "Quyền Chủ tịch"},
            ["Q. CHỦ TỊCH", "", "", "", "", "Nguyễn Văn An"],
        ),
        (
            {"signer_authority": Authority.TM_KT, "signer_collective": "Ủy ban nhân dân"},
            [
                "TM. ỦY BAN NHÂN DÂN",
                "KT. CHỦ TỊCH",
                "PHÓ CHỦ TỊCH",
                "",
                "",
                "",
                "",
                "Nguyễn Văn An",
            ],
        ),
        (
            {
                "signer_authority": Authority.TM_Q,
                "signer_collective": "Ủy ban nhân dân",
                "signer_title": "Quyền Chủ tịch",
            },
            ["TM. ỦY BAN NHÂN DÂN", "Q. CHỦ TỊCH", "", "", "", "", "Nguyễn Văn An"],
        ),
    ],
)
def test_signer_block_prints_each_authority_line_once(
    spec_with: SpecFactory, changes: dict[str, object], expected: list[str]
) -> None:
    document = open_docx(render_draft(spec_with(**changes)))
    signer = [p.text for p in document.tables[1].rows[0].cells[1].paragraphs]  # type: ignore[attr-defined]
    assert signer == expected
