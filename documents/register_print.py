"""A register printed on A4 landscape (Annex IV's columns), as a PDF with Vietnamese letters.

The caller gives the title, the column headings and widths and the rows as text: the words are
the reader's language, chosen by the view; this module only lays them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.fonts import FontFace

from core.errors import N_
from core.pdffonts import find_font
from documents import errors


@dataclass(frozen=True)
class Column:
    heading: str
    #: Relative width; the columns share the printable width in these proportions.
    weight: float


def register_pdf(
    title: str, subtitle: str, columns: Sequence[Column], rows: Iterable[Sequence[str]]
) -> bytes:
    """The register as a PDF: A4 landscape, headings repeated on every page, pages numbered."""
    fonts = find_font()
    if fonts is None:
        raise errors.ExportUnavailable(
            N_(
                "This server has no font with Vietnamese letters for the PDF "
                "(install fonts-dejavu-core): export as CSV instead."
            )
        )
    regular, bold = fonts
    pdf = _RegisterPDF(orientation="landscape", format="A4")
    pdf.set_title(title)
    pdf.add_font("Body", "", str(regular))
    pdf.add_font("Body", "B", str(bold))
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_page()
    pdf.set_font("Body", "B", 14)
    pdf.cell(0, 8, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Body", "", 10)
    pdf.cell(0, 6, subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Body", "", 7.5)
    total = sum(c.weight for c in columns)
    widths = tuple(pdf.epw * c.weight / total for c in columns)
    with pdf.table(
        col_widths=widths,
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
        line_height=3.6,
        text_align="LEFT",
        repeat_headings=1,
    ) as table:
        heading = table.row()
        for column in columns:
            heading.cell(column.heading)
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)
    return bytes(pdf.output())


class _RegisterPDF(FPDF):
    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("Body", "", 7)
        self.cell(0, 5, f"{self.page_no()}/{{nb}}", align="C")
