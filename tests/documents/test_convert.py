"""DOCX to PDF with the real LibreOffice: the result, and every way a conversion can go wrong.

Whatever happens, nothing is left behind: no temporary file, no LibreOffice process.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from documents import errors
from documents.convert import PdfConverter
from documents.layout import render_draft
from tests.documents import pdf_testkit as pdf


def _processes_using(folder: Path) -> list[int]:
    """Processes whose command line names ``folder`` (a LibreOffice left running)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # ended while we looked
        if str(folder).encode() in cmdline:
            found.append(int(entry.name))
    return found


def test_a_conversion_leaves_no_file_behind(tmp_path: Path, drafted_docx: bytes) -> None:
    converted = PdfConverter(work_dir=tmp_path).docx_to_pdf(drafted_docx)
    assert converted.startswith(b"%PDF-")
    # PDF/A-2b, the archival form: LibreOffice then embeds every font.
    assert b"<pdfaid:part>2</pdfaid:part>" in converted
    path = tmp_path.parent / f"{tmp_path.name}.pdf"
    path.write_bytes(converted)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in pdf.text(path)
    assert list(tmp_path.iterdir()) == []
    assert _processes_using(tmp_path) == []


def test_missing_libreoffice_is_reported_as_unavailable(
    tmp_path: Path, drafted_docx: bytes
) -> None:
    converter = PdfConverter(soffice=str(tmp_path / "no-soffice"), work_dir=tmp_path)
    assert not converter.available
    with pytest.raises(errors.ConversionUnavailable, match="upload it") as raised:
        converter.docx_to_pdf(drafted_docx)
    assert raised.value.status == 503
    assert list(tmp_path.iterdir()) == []


def test_a_file_libreoffice_cannot_read_fails_cleanly(tmp_path: Path) -> None:
    not_a_docx = b"PK\x03\x04" + b"x" * 100
    with pytest.raises(errors.ConversionFailed, match="export it to PDF") as raised:
        PdfConverter(work_dir=tmp_path).docx_to_pdf(not_a_docx)
    assert raised.value.status == 422
    assert list(tmp_path.iterdir()) == []
    assert _processes_using(tmp_path) == []


def test_a_conversion_over_the_time_limit_is_stopped_with_its_children(
    tmp_path: Path, drafted_docx: bytes
) -> None:
    # LibreOffice cannot even start in a hundredth of a second: the limit always strikes.
    converter = PdfConverter(timeout_seconds=0.01, work_dir=tmp_path)
    with pytest.raises(errors.ConversionTimedOut, match="took too long") as raised:
        converter.docx_to_pdf(drafted_docx)
    assert raised.value.status == 422
    assert _processes_using(tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_conversions_at_the_same_time_do_not_collide(tmp_path: Path, spec_with) -> None:
    subjects = ["Về việc thứ nhất đồng thời", "Về việc thứ hai đồng thời"]
    drafts = [render_draft(spec_with(subject=s)) for s in subjects]
    converter = PdfConverter(work_dir=tmp_path)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(converter.docx_to_pdf, drafts))
    for index, (subject, result) in enumerate(zip(subjects, results, strict=True)):
        path = tmp_path.parent / f"{tmp_path.name}-{index}.pdf"
        path.write_bytes(result)
        assert subject in pdf.text(path)
    assert list(tmp_path.iterdir()) == []
