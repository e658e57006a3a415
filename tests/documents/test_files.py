"""Upload screening: good files pass with the right kind; each bad one gets its typed error.

Archives (zip bombs, entity bombs, macros) have their own tests in test_archives.py.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import TooLarge
from documents.errors import (
    BadFileName,
    CorruptFile,
    EmptyFile,
    FileTooLarge,
    FileTypeMismatch,
    UnsafeFile,
    UnsupportedFile,
)
from documents.files import MAX_NAME_BYTES, FileKind, inspect_upload, safe_filename

MB = 1_048_576
LIMIT = 20 * MB


# --- good files -------------------------------------------------------------------------------


def test_drafted_docx_is_accepted(drafted_docx: bytes) -> None:
    result = inspect_upload(drafted_docx, "Quyết định 05.docx", LIMIT)
    assert result.kind is FileKind.DOCX
    assert result.mime == FileKind.DOCX.mime
    assert result.extension == "docx"
    assert result.safe_name == "Quyết định 05.docx"
    assert result.size == len(drafted_docx)
    assert result.sha256 == hashlib.sha256(drafted_docx).hexdigest()


def test_minimal_pdf_is_accepted(pdf_of: Callable[[str | None], bytes]) -> None:
    result = inspect_upload(pdf_of("Ke hoach"), "ke-hoach.PDF", LIMIT)
    assert (result.kind, result.mime, result.safe_name) == (
        FileKind.PDF,
        "application/pdf",
        "ke-hoach.pdf",
    )


def test_png_is_accepted(png_of: Callable[..., bytes]) -> None:
    result = inspect_upload(png_of(), "con dấu.png", LIMIT)
    assert (result.kind, result.mime, result.safe_name) == (
        FileKind.PNG,
        "image/png",
        "con dấu.png",
    )


def test_jpeg_keeps_a_jpeg_extension() -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64) + b"\xff\xd9"
    assert inspect_upload(jpeg, "anh.JPEG", LIMIT).safe_name == "anh.jpeg"
    assert inspect_upload(jpeg, "anh.jpg", LIMIT).kind is FileKind.JPEG


def test_utf8_text_is_accepted() -> None:
    result = inspect_upload("Ghi chú cuộc họp\nNội dung.".encode(), "ghi chu.txt", LIMIT)
    assert result.kind is FileKind.TEXT


def test_missing_extension_is_added_from_content(drafted_docx: bytes) -> None:
    assert inspect_upload(drafted_docx, "quyet-dinh", LIMIT).safe_name == "quyet-dinh.docx"


# --- size and emptiness -----------------------------------------------------------------------


def test_empty_file() -> None:
    with pytest.raises(EmptyFile):
        inspect_upload(b"", "a.pdf", LIMIT)


def test_over_the_size_limit_carries_the_limit_in_mb(pdf_of: Callable[[str | None], bytes]) -> None:
    data = pdf_of("x")
    with pytest.raises(FileTooLarge) as caught:
        inspect_upload(data + b" " * (2 * MB), "a.pdf", 2 * MB)
    error = caught.value
    assert isinstance(error, TooLarge) and error.status == 413
    assert error.limit_mb == 2 and error.data["limit_mb"] == 2
    assert "%(limit_mb)s MB" in error.template
    assert "2 MB" in error.message


def test_exactly_at_the_limit_is_accepted(pdf_of: Callable[[str | None], bytes]) -> None:
    data = pdf_of("x")
    assert inspect_upload(data, "a.pdf", len(data)).kind is FileKind.PDF


# --- content against name ---------------------------------------------------------------------


def test_pdf_name_holding_a_zip(drafted_docx: bytes) -> None:
    with pytest.raises(FileTypeMismatch) as caught:
        inspect_upload(drafted_docx, "hop-dong.pdf", LIMIT)
    assert caught.value.data["extension"] == "pdf"


def test_docx_name_holding_a_pdf(pdf_of: Callable[[str | None], bytes]) -> None:
    with pytest.raises(FileTypeMismatch):
        inspect_upload(pdf_of("x"), "a.docx", LIMIT)


def test_xlsx_name_holding_a_docx(drafted_docx: bytes) -> None:
    with pytest.raises(FileTypeMismatch):
        inspect_upload(drafted_docx, "bang.xlsx", LIMIT)


def test_garbage_bytes_are_unsupported() -> None:
    with pytest.raises(UnsupportedFile):
        inspect_upload(bytes(range(256)) * 4, "a.pdf", LIMIT)


def test_legacy_doc_is_unsupported() -> None:
    with pytest.raises(UnsupportedFile):
        inspect_upload(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "cu.doc", LIMIT)


def test_unaccepted_extension_is_unsupported_whatever_the_content(
    pdf_of: Callable[[str | None], bytes],
) -> None:
    with pytest.raises(UnsupportedFile):
        inspect_upload(pdf_of("x"), "setup.exe", LIMIT)


# --- corrupt files ----------------------------------------------------------------------------


def test_truncated_pdf_without_eof(pdf_of: Callable[[str | None], bytes]) -> None:
    data = pdf_of("Ke hoach")
    with pytest.raises(CorruptFile):
        inspect_upload(data[: len(data) // 2], "a.pdf", LIMIT)


def test_pdf_header_without_version() -> None:
    with pytest.raises(CorruptFile):
        inspect_upload(b"%PDF-garbage\n%%EOF\n", "a.pdf", LIMIT)


def test_truncated_png(png_of: Callable[..., bytes]) -> None:
    with pytest.raises(CorruptFile):
        inspect_upload(png_of()[:30], "a.png", LIMIT)


# --- unsafe files -----------------------------------------------------------------------------


def test_png_with_absurd_dimensions(png_of: Callable[..., bytes]) -> None:
    with pytest.raises(UnsafeFile):
        inspect_upload(png_of(50_000, 50_000), "a.png", LIMIT)


# --- file names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\y.docx", "y.docx"),
        ("a\x00b\x1f\x7fc.docx", "abc.docx"),
        ("CON.docx", "_CON.docx"),
        ("con.tar.gz", "_con.tar.gz"),
        ("LPT1", "_LPT1"),
        ("Console.docx", "Console.docx"),
        (".htaccess", "htaccess"),
        ("...docx", "docx"),
        ("  Báo   cáo .DOCX ", "Báo cáo.docx"),
        ("ba\u0301o ca\u0301o.pdf", "báo cáo.pdf"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ('a<b>c:d"e|f?g*h.pdf', "a_b_c_d_e_f_g_h.pdf"),
        ("file.", "file"),
    ],
)
def test_safe_filename(raw: str, clean: str) -> None:
    assert safe_filename(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "..", "../", "\x00\x01", "/\\/", ". . ."])
def test_names_with_nothing_left(raw: str) -> None:
    with pytest.raises(BadFileName):
        safe_filename(raw)


def test_long_name_is_cut_keeping_the_extension() -> None:
    name = safe_filename("Quyết định " * 60 + ".docx")
    assert name.endswith(".docx")
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert name.startswith("Quyết định")


def test_bad_name_is_refused_by_inspect_upload(drafted_docx: bytes) -> None:
    with pytest.raises(BadFileName):
        inspect_upload(drafted_docx, "../..", LIMIT)


@given(st.text(max_size=300))
def test_safe_filename_properties(raw: str) -> None:
    try:
        name = safe_filename(raw)
    except BadFileName:
        return
    assert name and "/" not in name and "\\" not in name
    assert not name.startswith((".", " ")) and not name.endswith((".", " "))
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert unicodedata.is_normalized("NFC", name)
    assert all(unicodedata.category(c) not in {"Cc", "Cf"} for c in name)
    assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}


def test_huge_name_is_cut_quickly() -> None:
    assert len(safe_filename("đ" * 1_000_000 + ".pdf").encode()) <= MAX_NAME_BYTES
