"""TrueType fonts with every Vietnamese letter, for the PDFs VanThu writes with fpdf2.

The standard 14 PDF fonts have none of them; the PDF embeds the subset of the font it uses.
"""

from __future__ import annotations

from pathlib import Path

#: (regular, bold), looked for in this order: Debian's fonts-dejavu-core, then fonts-liberation.
PDF_FONTS = (
    (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ),
    (
        Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
        Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ),
)


def find_font(candidates: tuple[tuple[Path, Path], ...] = PDF_FONTS) -> tuple[Path, Path] | None:
    """The first installed (regular, bold) pair, or None."""
    for regular, bold in candidates:
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None
