"""A printed register: A4 landscape, headings on every page, Vietnamese letters kept."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from documents import errors, register_print

COLUMNS = [register_print.Column("Số, ký hiệu", 1), register_print.Column("Trích yếu", 4)]


def test_a_long_register_repeats_its_headings_on_every_landscape_page():
    rows = [[f"{n:02d}/QĐ-UBND", f"Về việc điều động cán bộ đợt {n}"] for n in range(1, 121)]
    reader = PdfReader(
        io.BytesIO(register_print.register_pdf("Sổ văn bản đi", "UBND", COLUMNS, rows))
    )
    assert len(reader.pages) > 1
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
        assert "Trích yếu" in page.extract_text()
    text = "".join(page.extract_text() for page in reader.pages)
    assert "120/QĐ-UBND" in text and "điều động cán bộ đợt 120" in text


def test_without_a_vietnamese_font_the_clerk_is_told_to_take_the_csv(monkeypatch):
    monkeypatch.setattr(register_print, "find_font", lambda: None)
    with pytest.raises(errors.ExportUnavailable):
        register_print.register_pdf("Sổ", "", COLUMNS, [])
