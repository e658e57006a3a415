"""Archive screening: zip bombs, lying sizes, macros, DOCTYPEs and entities, damaged members.

Reached through ``inspect_upload``, as every upload is; the 200 MiB bomb is built once per session.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest

from documents.archives import ZipLimits
from documents.errors import CorruptFile, UnsafeFile, UnsupportedFile
from documents.files import FileKind, inspect_upload

MB = 1_048_576
LIMIT = 20 * MB

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE w:document SYSTEM "file:///etc/passwd">
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"""


def plain_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, blob in members.items():
            archive.writestr(name, blob)
    return out.getvalue()


def test_plain_zip_is_unsupported() -> None:
    archive = plain_zip({"a.txt": b"hello"})
    for name in ("a.zip", "a.docx", "a"):
        with pytest.raises(UnsupportedFile):
            inspect_upload(archive, name, LIMIT)


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


def test_odt_is_recognised_by_its_mimetype_member() -> None:
    odt = plain_zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b"<office:document-content xmlns:office='urn:x'/>",
            "META-INF/manifest.xml": b"<manifest/>",
        }
    )
    assert inspect_upload(odt, "bao-cao.odt", LIMIT).kind is FileKind.ODT
