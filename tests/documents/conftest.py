"""Shared builders for the documents tests: a drafted DOCX, hand-made PDF/PNG bytes, zip crafting.

Everything is built in memory from scratch; no fixture files, no network.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from core.storage import BlobStore
from documents.convert import PdfConverter
from documents.decree30 import Authority, DocType
from documents.layout import DraftSpec, render_draft

SUBJECT = "Về việc ban hành Kế hoạch cải cách hành chính năm 2026"


def make_spec(**changes: object) -> DraftSpec:
    """A complete Quyết định; tests override only what they look at."""
    fields: dict[str, object] = {
        "doc_type": DocType.QUYET_DINH,
        "issuing_body": "Ủy ban nhân dân tỉnh Hậu Giang",
        "issuer_abbr": "UBND",
        "number": 5,
        "place": "Hậu Giang",
        "date": date(2026, 3, 5),
        "subject": SUBJECT,
        "content": [
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
            "Theo đề nghị của Giám đốc Sở Nội vụ.",
        ],
        "signer_authority": Authority.KT,
        "signer_on_behalf_of": "Chủ tịch",
        "signer_title": "Phó Chủ tịch",
        "signer_name": "Nguyễn Văn An",
        "recipients": ["Như Điều 3;", "Thường trực Tỉnh ủy"],
        "drafter_unit": "NC",
    }
    fields.update(changes)
    return DraftSpec(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def drafted_docx() -> bytes:
    return render_draft(make_spec())


def build_pdf(text: str | None) -> bytes:
    """A one-page PDF 1.4 with a correct xref table; ``None`` gives a page without text."""
    content = b"" if text is None else b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def build_png(width: int = 1, height: int = 1) -> bytes:
    """A valid greyscale PNG; pixel rows are only encoded for small sizes (header-only tests)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height)) if width < 100 else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def replace_members(docx: bytes, replacements: dict[str, bytes]) -> bytes:
    """Copy a package, swapping (or adding) the given members."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename not in replacements:
                dst.writestr(info, src.read(info))
        for name, blob in replacements.items():
            dst.writestr(name, blob, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def patch_declared_size(archive: bytes, member: str, size: int) -> bytes:
    """Make the central directory and local header lie about a member's uncompressed size."""
    data = bytearray(archive)
    with zipfile.ZipFile(io.BytesIO(archive)) as parsed:
        info = parsed.getinfo(member)
    local = info.header_offset
    assert data[local : local + 4] == b"PK\x03\x04"
    data[local + 22 : local + 26] = struct.pack("<I", size)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack("<H", data[central + 28 : central + 30])[0]
        if data[central + 46 : central + 46 + name_len] == member.encode():
            data[central + 24 : central + 28] = struct.pack("<I", size)
            return bytes(data)
        central = data.find(b"PK\x01\x02", central + 4)
    raise AssertionError(f"{member} not in central directory")


@pytest.fixture(scope="session")
def zeros_docx(drafted_docx: bytes) -> Callable[[int], bytes]:
    """A drafted DOCX whose document.xml is replaced by ``mib`` MiB of zeros (cached per size)."""
    cache: dict[int, bytes] = {}

    def build(mib: int) -> bytes:
        if mib not in cache:
            out = io.BytesIO()
            with (
                zipfile.ZipFile(io.BytesIO(drafted_docx)) as src,
                zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst,
            ):
                for info in src.infolist():
                    if info.filename != "word/document.xml":
                        dst.writestr(info, src.read(info))
                with dst.open("word/document.xml", "w") as member:
                    block = bytes(1 << 20)
                    for _ in range(mib):
                        member.write(block)
            cache[mib] = out.getvalue()
        return cache[mib]

    return build


# Builders are handed out as fixtures: importing from conftest breaks under importlib mode.
@pytest.fixture(scope="session")
def spec_with() -> Callable[..., DraftSpec]:
    return make_spec


@pytest.fixture(scope="session")
def pdf_of() -> Callable[[str | None], bytes]:
    return build_pdf


@pytest.fixture(scope="session")
def png_of() -> Callable[..., bytes]:
    return build_png


@pytest.fixture(scope="session")
def with_members() -> Callable[[bytes, dict[str, bytes]], bytes]:
    return replace_members


@pytest.fixture(scope="session")
def lie_about_size() -> Callable[[bytes, str, int], bytes]:
    return patch_declared_size


@pytest.fixture
def blobs(tmp_path):
    """A blob store of its own for each test that calls the services directly."""
    return BlobStore(tmp_path / "blobs")


@pytest.fixture(scope="session")
def converted(tmp_path_factory) -> Callable[..., Path]:
    """The PDF LibreOffice makes of a drafted spec (``make_spec`` changes), cached per spec."""
    cache: dict[str, Path] = {}
    folder = tmp_path_factory.mktemp("converted")

    def convert(**changes: object) -> Path:
        key = repr(sorted(changes.items()))
        if key not in cache:
            pdf = PdfConverter().docx_to_pdf(render_draft(make_spec(**changes)))
            path = folder / f"{len(cache)}.pdf"
            path.write_bytes(pdf)
            cache[key] = path
        return cache[key]

    return convert
