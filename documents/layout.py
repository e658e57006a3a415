"""Draft a DOCX laid out per Decree 30/2020/ND-CP Annex I (A4, margins, fonts, header, signer).

``render_draft(spec)`` returns the bytes; the same spec always yields the same bytes. The content
is paragraphs, with headings and tables where a document needs them (the meeting minutes).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from core.errors import N_
from documents.decree30 import (
    QUOC_HIEU,
    SUBJECT_MAX_LENGTH,
    TIEU_NGU,
    Authority,
    Confidentiality,
    DocType,
    Urgency,
    about_line,
    number_line,
    place_date_line,
    require_drafting_unit,
    signer_lines,
)
from documents.errors import BadDraft

FONT = "Times New Roman"
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGIN_TOP_MM = MARGIN_BOTTOM_MM = 20
MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 30, 15
# The right column holds the Quốc hiệu (12.5 pt bold, about 92 mm) on one line.
_LEFT_COL_MM, _RIGHT_COL_MM = 62, 103
# Word's and LibreOffice's default left and right padding of a table cell (0.08 inch).
_CELL_PADDING_MM = 1.905
# The Tiêu ngữ at 13 pt bold in Times New Roman (and its metric twin Liberation Serif): the
# line under it is exactly as long (Annex I).
MOTTO_WIDTH_MM = 56.1
# The line under the issuing body: a third to a half of "ỦY BAN NHÂN DÂN TỈNH" (56 mm).
BODY_RULE_MM = 22.0
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# WordprocessingML fixes the order of property elements; Word rejects files that break it.
_PPR_AFTER_PBDR = (
    *("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct"),
    *("w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd"),
    *("w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents"),
    *("w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap"),
    *("w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"),
)
_TBLPR_AFTER_BORDERS = (
    *("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription"),
    "w:tblPrChange",
)


@dataclass(frozen=True)
class Heading:
    """A bold heading between the paragraphs of the content (a part of the minutes)."""

    text: str


@dataclass(frozen=True)
class Table:
    """A bordered table in the content; the first row is its header."""

    rows: Sequence[Sequence[str]]


#: One block of the content: a paragraph, a heading or a table.
Block = str | Heading | Table


def plain_text(content: Sequence[Block]) -> list[str]:
    """The content as lines of text (a table's rows with its cells separated by " | ")."""
    lines: list[str] = []
    for block in content:
        if isinstance(block, Table):
            lines.extend(" | ".join(_clean(cell) for cell in row) for row in block.rows)
        else:
            lines.append(_clean(block.text if isinstance(block, Heading) else block))
    return [line for line in lines if line]


@dataclass(frozen=True)
class DraftSpec:
    """Everything Art. 8 asks a document to show, as the drafting screen collects it.

    ``number`` is ``None`` until the clerk numbers the document ("Số: .../QĐ-UBND"); the
    symbol comes from ``issuer_abbr`` and, for a công văn, ``unit_abbr``. ``signer_authority``
    with ``signer_on_behalf_of`` gives the line "KT. CHỦ TỊCH" above ``signer_title``.
    ``signer_collective`` is the collective of a "TM. ... / KT. ..." combination.
    ``addressees`` fill "Kính gửi:" of a công văn; ``drafter_unit`` ends "Lưu: VT, <unit>.".
    """

    doc_type: DocType
    issuing_body: str
    issuer_abbr: str
    place: str
    subject: str
    content: Sequence[Block]
    signer_title: str
    signer_name: str
    drafter_unit: str
    parent_body: str | None = None
    number: int | None = None
    unit_abbr: str | None = None
    date: date | None = None
    signer_authority: Authority | None = None
    signer_on_behalf_of: str | None = None
    signer_collective: str | None = None
    recipients: Sequence[str] = field(default_factory=tuple)
    addressees: Sequence[str] = field(default_factory=tuple)
    urgency: Urgency = Urgency.THUONG
    confidentiality: Confidentiality = Confidentiality.THUONG

    def __post_init__(self) -> None:
        required = (self.issuing_body, self.issuer_abbr, self.place, self.signer_title)
        if not all(_clean(v) for v in (*required, self.signer_name, self.drafter_unit)):
            raise BadDraft(
                N_("Fill in the issuing body, place, signer's title and name, and drafting unit.")
            )
        if not _clean(self.subject):
            raise BadDraft(N_("Write the subject (trích yếu) of the document."))
        if len(_clean(self.subject)) > SUBJECT_MAX_LENGTH:
            raise BadDraft(
                N_("The subject is too long; it may have at most %(max)s characters."),
                max=SUBJECT_MAX_LENGTH,
            )
        if self.signer_authority is not None and not _clean(self.signer_on_behalf_of or ""):
            raise BadDraft(N_("Say on whose behalf the signer signs (for example: Chủ tịch)."))
        collective = self.signer_authority is not None and (
            self.signer_authority.on_behalf_of_collective
        )
        if collective and not _clean(self.signer_collective or ""):
            raise BadDraft(
                N_(
                    "Say on behalf of which collective the signer signs "
                    "(for example: Ủy ban nhân dân)."
                )
            )
        require_drafting_unit(self.doc_type, self.unit_abbr)
        if self.number is not None and self.number < 1:
            raise BadDraft(N_("Document numbers start at 01."))
        try:
            self.number_line()
        except ValueError:
            raise BadDraft(
                N_(
                    "The abbreviations of the issuing body and drafting unit must be letters and "
                    "digits only (for example UBND, VP)."
                )
            ) from None

    def number_line(self) -> str:
        return number_line(self.number, self.doc_type, self.issuer_abbr, self.unit_abbr)


def render_draft(spec: DraftSpec) -> bytes:
    """Lay the document out with python-docx and return normalised DOCX bytes."""
    doc = Document()
    _setup_page_and_styles(doc, spec)
    _header_table(doc, spec)
    if spec.doc_type is not DocType.CONG_VAN:
        _para(doc, spec.doc_type.heading, bold=True, space_before=12, space_after=0)
        _para(doc, _clean(spec.subject), bold=True, space_after=0)
        _rule(doc.add_paragraph(), indent_mm=65)
    elif spec.addressees:
        _addressees(doc, spec.addressees)
    for block in spec.content:
        if isinstance(block, Table):
            _content_table(doc, block)
        elif isinstance(block, Heading):
            if _clean(block.text):
                _para(doc, _clean(block.text), bold=True, align=WD_ALIGN_PARAGRAPH.LEFT,
                      space_before=6, space_after=6)  # fmt: skip
        elif _clean(block):
            _content_para(doc, _clean(block))
    _signature_table(doc, spec)
    _drop_template_thumbnail(doc)
    out = io.BytesIO()
    doc.save(out)
    return _normalise_zip(out.getvalue())


def _clean(text: str) -> str:
    return " ".join(text.split())


def _setup_page_and_styles(doc: Any, spec: DraftSpec) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(MARGIN_TOP_MM), Mm(MARGIN_BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(MARGIN_LEFT_MM), Mm(MARGIN_RIGHT_MM)
    section.header_distance = section.footer_distance = Mm(10)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    _force_font(normal.element.get_or_add_rPr())
    _force_font(
        doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    )
    props = doc.core_properties
    stamp = datetime.combine(spec.date or date(2020, 3, 5), time(0, 0))
    props.author = props.last_modified_by = spec.issuing_body
    props.title = _clean(spec.subject)[:255]
    props.language = "vi-VN"
    props.created = props.modified = props.last_printed = stamp
    props.revision = 1


def _force_font(rpr: Any) -> None:
    """Times New Roman for every script, and no theme font overriding it; Vietnamese language."""
    fonts = rpr.get_or_add_rFonts()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    lang.set(qn("w:val"), "vi-VN")


def _para(
    container: Any,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float = 14,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
    space_before: float = 0,
    space_after: float = 0,
) -> Paragraph:
    paragraph = container.add_paragraph()
    _fill(paragraph, text, bold=bold, italic=italic, size=size)
    paragraph.alignment = align
    paragraph.paragraph_format.space_before = Pt(space_before)
    paragraph.paragraph_format.space_after = Pt(space_after)
    return paragraph


def _fill(
    paragraph: Paragraph, text: str, *, bold: bool = False, italic: bool = False, size: float = 14
) -> None:
    run = paragraph.add_run(text)
    run.bold, run.italic = bold or None, italic or None
    run.font.size = Pt(size)


def _rule(paragraph: Paragraph, indent_mm: float) -> None:
    """A short centred line under a heading: a bottom border narrowed by equal indents."""
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = Mm(indent_mm)
    fmt.space_after = Pt(6)
    fmt.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *_PPR_AFTER_PBDR)


def _borderless_table(doc: Any, rows: int) -> Any:
    table = doc.add_table(rows=rows, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.insert_element_before(borders, *_TBLPR_AFTER_BORDERS)
    for row in table.rows:
        row.cells[0].width, row.cells[1].width = Mm(_LEFT_COL_MM), Mm(_RIGHT_COL_MM)
    for column, width in zip(table.columns, (_LEFT_COL_MM, _RIGHT_COL_MM), strict=True):
        column.width = Mm(width)
    return table


def _first_para(cell: _Cell, text: str, **style: Any) -> Paragraph:
    """A new cell already holds one empty paragraph; use it rather than leave a blank line."""
    paragraph = cell.paragraphs[0]
    _fill(paragraph, text, **style)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return paragraph


def _header_table(doc: Any, spec: DraftSpec) -> None:
    """Issuing body and number on the left; Quốc hiệu, Tiêu ngữ, place and date on the right."""
    table = _borderless_table(doc, rows=2)
    body, motto = table.rows[0].cells
    if spec.parent_body and _clean(spec.parent_body):
        _first_para(body, _clean(spec.parent_body).upper(), size=13)
        _para(body, _clean(spec.issuing_body).upper(), bold=True, size=13)
    else:
        _first_para(body, _clean(spec.issuing_body).upper(), bold=True, size=13)
    _rule(body.add_paragraph(), indent_mm=_centred_indent(_LEFT_COL_MM, BODY_RULE_MM))
    _first_para(motto, QUOC_HIEU, bold=True, size=12.5)
    _para(motto, TIEU_NGU, bold=True, size=13)
    _rule(motto.add_paragraph(), indent_mm=_centred_indent(_RIGHT_COL_MM, MOTTO_WIDTH_MM))

    number, when = table.rows[1].cells
    _first_para(number, spec.number_line(), size=13)
    if spec.doc_type is DocType.CONG_VAN:
        _para(number, about_line(spec.subject), size=12)
    for mark in (spec.confidentiality.mark, spec.urgency.mark):
        if mark:
            _para(number, mark, bold=True, size=13, space_before=6)
    _first_para(when, place_date_line(spec.place, spec.date), italic=True, size=14)


def _centred_indent(column_mm: float, length_mm: float) -> float:
    """Equal left and right indents that leave a ``length_mm`` line centred in the column."""
    return (column_mm - 2 * _CELL_PADDING_MM - length_mm) / 2


def _addressees(doc: Any, addressees: Sequence[str]) -> None:
    names = [_clean(a) for a in addressees if _clean(a)]
    if len(names) == 1:
        _para(doc, f"Kính gửi: {names[0]}.", space_before=12, space_after=6)
        return
    _para(doc, "Kính gửi:", align=WD_ALIGN_PARAGRAPH.LEFT, space_before=12)
    for name in names:
        paragraph = _para(doc, f"- {name};", align=WD_ALIGN_PARAGRAPH.LEFT)
        paragraph.paragraph_format.left_indent = Mm(45)
    paragraph.paragraph_format.space_after = Pt(6)


def _content_para(doc: Any, text: str) -> None:
    paragraph = _para(doc, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, space_after=6)
    paragraph.paragraph_format.first_line_indent = Mm(12.7)


def _content_table(doc: Any, table: Table) -> None:
    """A grid with a bold header row, in 12 pt so that several columns fit the A4 width."""
    rows = [list(row) for row in table.rows if row]
    if not rows:
        return
    columns = max(len(row) for row in rows)
    grid = doc.add_table(rows=len(rows), cols=columns)
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, row in enumerate(rows):
        for c in range(columns):
            text = _clean(row[c]) if c < len(row) else ""
            paragraph = grid.rows[r].cells[c].paragraphs[0]
            _fill(paragraph, text, bold=r == 0, size=12)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if r == 0 else WD_ALIGN_PARAGRAPH.LEFT
    _para(doc, "", space_after=6)


@dataclass(frozen=True)
class Stamp:
    """A header line to fill in: a paragraph whose whole text matches ``pattern`` (the blank
    line, or one filled for an earlier number) becomes ``text``; ``blank`` names it to the clerk."""

    pattern: re.Pattern[str]
    text: str
    blank: str


def stamp_lines(docx: bytes, stamps: Sequence[Stamp]) -> bytes:
    """``docx`` with its number and date lines filled in (a draft edited in Word, once a number
    is reserved).

    Word splits a paragraph into runs as it pleases, so the new text goes into the first run
    (keeping its font) and the others are emptied. Every stamp must find its line, else BadDraft.
    """
    try:
        doc = Document(io.BytesIO(docx))
    except Exception:  # python-docx raises many kinds for a damaged package
        raise BadDraft(N_("This Word file cannot be read. Save it again as .docx.")) from None
    paragraphs = list(doc.paragraphs)
    for table in doc.tables:
        paragraphs.extend(p for row in table.rows for cell in row.cells for p in cell.paragraphs)
    for stamp in stamps:
        found = [p for p in paragraphs if p.runs and stamp.pattern.fullmatch(_clean(p.text))]
        if not found:
            raise BadDraft(
                N_(
                    "The line %(line)s was changed or removed in the Word file: put it back as "
                    "it was."
                ),
                line=stamp.blank,
            )
        for paragraph in found:
            first, *rest = paragraph.runs
            first.text = stamp.text
            for run in rest:
                run.text = ""
    out = io.BytesIO()
    doc.save(out)
    return _normalise_zip(out.getvalue())


def _recipient_lines(spec: DraftSpec) -> list[str]:
    lines = [f"- {_clean(r).rstrip(';.')};" for r in spec.recipients if _clean(r)]
    return [*lines, f"- Lưu: VT, {_clean(spec.drafter_unit).rstrip('.')}."]


def _signature_table(doc: Any, spec: DraftSpec) -> None:
    """Recipients on the left; authority, title, room for the signature, name on the right."""
    table = _borderless_table(doc, rows=1)
    table.rows[0].cells[0].paragraphs[0].paragraph_format.space_before = Pt(6)
    left, right = table.rows[0].cells
    heading = _first_para(left, "Nơi nhận:", bold=True, italic=True, size=12)
    heading.alignment = WD_ALIGN_PARAGRAPH.LEFT
    for line in _recipient_lines(spec):
        _para(left, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    first, *rest = signer_lines(
        spec.signer_authority,
        spec.signer_title,
        spec.signer_on_behalf_of or "",
        spec.signer_collective or "",
    )
    _first_para(right, first, bold=True)
    for line in rest:
        _para(right, line, bold=True)
    for _ in range(4):
        _para(right, "")
    _para(right, _clean(spec.signer_name), bold=True)


def _drop_template_thumbnail(doc: Any) -> None:
    """python-docx's template carries a preview image of some other document; file browsers
    would show it as this document's thumbnail."""
    rels = doc.part.package.rels
    for rel_id in [key for key, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        del rels[rel_id]


def _normalise_zip(docx: bytes) -> bytes:
    """Rewrite the package with fixed timestamps so equal specs give byte-identical files."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info))
    return out.getvalue()
