"""Upload screening: good files pass with the right kind; each bad one gets its typed error.

Zip bombs and entity bombs are crafted in memory; the 200 MiB bomb is built once per session.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
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
from documents.files import (
    MAX_NAME_BYTES,
    FileKind,
    ZipLimits,
    inspect_upload,
    safe_filename,
)

MB = 1_048_576
LIMIT = 20 * MB

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE w:document SYSTEM "file:///etc/passwd">
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>"""


def plain_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, blob in members.items():
            archive.writestr(name, blob)
    return out.getvalue()


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


def test_odt_is_recognised_by_its_mimetype_member() -> None:
    odt = plain_zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b"<office:document-content xmlns:office='urn:x'/>",
            "META-INF/manifest.xml": b"<manifest/>",
        }
    )
    assert inspect_upload(odt, "bao-cao.odt", LIMIT).kind is FileKind.ODT


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


def test_plain_zip_is_unsupported() -> None:
    archive = plain_zip({"a.txt": b"hello"})
    for name in ("a.zip", "a.docx", "a"):
        with pytest.raises(UnsupportedFile):
            inspect_upload(archive, name, LIMIT)


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


def test_truncated_docx(drafted_docx: bytes) -> None:
    with pytest.raises(CorruptFile):
        inspect_upload(drafted_docx[: len(drafted_docx) // 2], "a.docx", LIMIT)


def test_zip_magic_followed_by_garbage() -> None:
    with pytest.raises(CorruptFile):
        inspect_upload(b"PK\x03\x04" + bytes(range(256)) * 8, "a.docx", LIMIT)


def test_flipped_byte_in_a_member_fails_the_crc(drafted_docx: bytes) -> None:
    stored = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(drafted_docx)) as src,
        zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    data = bytearray(stored.getvalue())
    data[data.find(b"<w:body>") + 3] ^= 0x01
    with pytest.raises(CorruptFile):
        inspect_upload(bytes(data), "a.docx", LIMIT)


def test_malformed_xml_part(
    drafted_docx: bytes, with_members: Callable[[bytes, dict[str, bytes]], bytes]
) -> None:
    broken = with_members(drafted_docx, {"word/document.xml": b"<w:document><unclosed>"})
    with pytest.raises(CorruptFile):
        inspect_upload(broken, "a.docx", LIMIT)


def test_truncated_png(png_of: Callable[..., bytes]) -> None:
    with pytest.raises(CorruptFile):
        inspect_upload(png_of()[:30], "a.png", LIMIT)


# --- unsafe files -----------------------------------------------------------------------------


def test_zip_bomb_200_mib_of_zeros(zeros_docx: Callable[[int], bytes]) -> None:
    bomb = zeros_docx(200)
    assert len(bomb) < 2 * MB
    with pytest.raises(UnsafeFile):
        inspect_upload(bomb, "bomb.docx", LIMIT)


def test_high_ratio_member_under_the_total_limit(zeros_docx: Callable[[int], bytes]) -> None:
    with pytest.raises(UnsafeFile):
        inspect_upload(zeros_docx(20), "bomb.docx", LIMIT)


def test_declared_size_that_lies_is_caught_while_decompressing(
    zeros_docx: Callable[[int], bytes], lie_about_size: Callable[[bytes, str, int], bytes]
) -> None:
    honest = zeros_docx(20)
    liar = lie_about_size(honest, "word/document.xml", 1000)
    with zipfile.ZipFile(io.BytesIO(liar)) as archive:
        assert archive.getinfo("word/document.xml").file_size == 1000
    # Declared sizes now look harmless, so only counting real output can refuse it.
    with pytest.raises(UnsafeFile):
        inspect_upload(liar, "bomb.docx", LIMIT)


def test_total_uncompressed_limit_is_configurable(drafted_docx: bytes) -> None:
    with pytest.raises(UnsafeFile):
        inspect_upload(drafted_docx, "a.docx", LIMIT, zip_limits=ZipLimits(max_total_size=1000))


def test_too_many_entries(
    drafted_docx: bytes, with_members: Callable[[bytes, dict[str, bytes]], bytes]
) -> None:
    padded = with_members(drafted_docx, {f"customXml/item{i}.bin": b"x" for i in range(20)})
    with pytest.raises(UnsafeFile):
        inspect_upload(padded, "a.docx", LIMIT, zip_limits=ZipLimits(max_entries=20))


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/cron.d/x", "word\\..\\x.xml", "C:/x.xml"])
def test_member_paths_that_escape(
    drafted_docx: bytes, with_members: Callable[[bytes, dict[str, bytes]], bytes], name: str
) -> None:
    with pytest.raises(UnsafeFile):
        inspect_upload(with_members(drafted_docx, {name: b"<x/>"}), "a.docx", LIMIT)


def test_billion_laughs_in_document_xml(
    drafted_docx: bytes, with_members: Callable[[bytes, dict[str, bytes]], bytes]
) -> None:
    bomb = with_members(drafted_docx, {"word/document.xml": BILLION_LAUGHS})
    with pytest.raises(UnsafeFile):
        inspect_upload(bomb, "a.docx", LIMIT)


def test_doctype_in_utf16_part_is_still_seen(
    drafted_docx: bytes, with_members: Callable[[bytes, dict[str, bytes]], bytes]
) -> None:
    utf16 = BILLION_LAUGHS.replace(b'version="1.0"', b'version="1.0" encoding="UTF-16"')
    bomb = with_members(drafted_docx, {"word/document.xml": utf16.decode().encode("utf-16")})
    with pytest.raises(UnsafeFile):
        inspect_upload(bomb, "a.docx", LIMIT)


def test_external_entity_doctype_in_rels(
    drafted_docx: bytes, with_members: Callable[[bytes, dict[str, bytes]], bytes]
) -> None:
    with pytest.raises(UnsafeFile):
        inspect_upload(with_members(drafted_docx, {"_rels/.rels": XXE}), "a.docx", LIMIT)


def test_doctype_in_a_part_declared_xml_under_another_name(
    drafted_docx: bytes, with_members: Callable[[bytes, dict[str, bytes]], bytes]
) -> None:
    with zipfile.ZipFile(io.BytesIO(drafted_docx)) as archive:
        types = archive.read("[Content_Types].xml")
    override = (
        b'<Override PartName="/word/extra.bin" '
        b'ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/></Types>'
    )
    bomb = with_members(
        drafted_docx,
        {
            "[Content_Types].xml": types.replace(b"</Types>", override),
            "word/extra.bin": BILLION_LAUGHS,
        },
    )
    with pytest.raises(UnsafeFile):
        inspect_upload(bomb, "a.docx", LIMIT)


def test_macro_enabled_word_file(
    drafted_docx: bytes, with_members: Callable[[bytes, dict[str, bytes]], bytes]
) -> None:
    with pytest.raises(UnsafeFile):
        inspect_upload(
            with_members(drafted_docx, {"word/vbaProject.bin": b"\x00" * 10}), "a.docx", LIMIT
        )


def test_odt_with_basic_macros() -> None:
    odt = plain_zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b"<c/>",
            "Basic/Standard/Module1.xml": b"<m/>",
        }
    )
    with pytest.raises(UnsafeFile):
        inspect_upload(odt, "a.odt", LIMIT)


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
