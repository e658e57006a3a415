"""DOCX to HTML: hostile links, markup in text, images and styles never reach the browser.

Hostile documents are built with python-docx, adding raw relationships where it has no API.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from documents.errors import CorruptFile
from documents.render import docx_to_html, sanitise_html


def add_link(document: object, paragraph: object, target: str, text: str) -> None:
    rel_id = document.part.relate_to(target, RT.HYPERLINK, is_external=True)  # type: ignore[attr-defined]
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    label = OxmlElement("w:t")
    label.text = text
    run.append(label)
    link.append(run)
    paragraph._p.append(link)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def hostile_docx(png_of: Callable[..., bytes]) -> bytes:
    document = Document()
    document.add_heading("Báo cáo", level=1)
    document.add_paragraph("<script>alert('x')</script> văn bản <img src=x onerror=alert(1)>")
    paragraph = document.add_paragraph("Liên kết: ")
    add_link(document, paragraph, "javascript:alert(document.cookie)", "bấm vào đây")
    add_link(document, paragraph, "JaVaScRiPt:alert(2)", "hoặc đây")
    add_link(document, paragraph, "https://dichvucong.gov.vn/", "Cổng dịch vụ công")
    add_link(document, paragraph, "data:text/html,<script>alert(3)</script>", "dữ liệu")
    underlined = document.add_paragraph().add_run("gạch chân")
    underlined.underline = True
    document.add_picture(io.BytesIO(png_of(2, 2)))
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Ô 1"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def hostile_html(hostile_docx: bytes) -> str:
    return docx_to_html(hostile_docx)


def test_no_script_and_no_javascript_link(hostile_html: str) -> None:
    html = hostile_html
    lowered = html.lower()
    assert "<script" not in lowered
    assert "javascript:" not in lowered
    assert re.search(r"<[a-z]+[^>]*\son[a-z]+=", lowered) is None, "no live event handler"
    assert "data:text/html" not in lowered
    assert "&lt;script&gt;" in html, "the text itself is kept, escaped"
    assert "bấm vào đây" in html


def test_safe_link_is_kept_with_noopener(hostile_html: str) -> None:
    html = hostile_html
    assert '<a href="https://dichvucong.gov.vn/" rel="noopener noreferrer">' in html


def test_structure_survives(hostile_html: str) -> None:
    html = hostile_html
    assert "<h1>Báo cáo</h1>" in html
    assert "<table>" in html and "<td>" in html
    assert "<u>gạch chân</u>" in html


def test_png_is_inlined_as_data_uri(hostile_html: str) -> None:
    assert '<img src="data:image/png;base64,iVBORw0KGgo' in hostile_html


def test_drafted_document_renders(drafted_docx: bytes) -> None:
    html = docx_to_html(drafted_docx)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html
    assert "style=" not in html


@pytest.mark.parametrize(
    ("dirty", "forbidden"),
    [
        ('<p onclick="alert(1)">x</p>', "onclick"),
        ('<p style="background:url(javascript:alert(1))">x</p>', "style"),
        ('<a href="vbscript:msgbox(1)">x</a>', "vbscript"),
        ('<a href=" javascript:alert(1)">x</a>', "javascript"),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "svg"),
        ('<img src="https://tracker.example/p.png">', "tracker"),
        ('<iframe src="https://x.example"></iframe>', "iframe"),
        ('<p id="login-form">x</p>', "login-form"),
        ("<style>p{}</style>", "<style"),
        ('<form action="/x"><input name="p"></form>', "<input"),
    ],
)
def test_sanitiser_allow_list(dirty: str, forbidden: str) -> None:
    assert forbidden not in sanitise_html(dirty)


def test_prefixed_ids_and_internal_links_are_kept() -> None:
    html = sanitise_html('<a href="#doc-footnote-1">1</a><li id="doc-footnote-1">n</li>')
    assert 'href="#doc-footnote-1"' in html and 'id="doc-footnote-1"' in html


def test_not_a_docx_raises_corrupt_file() -> None:
    with pytest.raises(CorruptFile):
        docx_to_html(b"PK\x03\x04 definitely not a zip")


def test_well_formed_but_wrong_document_part_raises_corrupt_file(
    drafted_docx: bytes, with_members: Callable[[bytes, dict[str, bytes]], bytes]
) -> None:
    with pytest.raises(CorruptFile):
        docx_to_html(with_members(drafted_docx, {"word/document.xml": b"<unexpected/>"}))
