"""Screening Office and OpenDocument archives: zip bombs, lying sizes, macros, XML entity tricks.

``check_archive`` bounds what it reads before reading it; ``documents.files`` calls it for ZIPs.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote
from xml.parsers import expat

from core.errors import N_
from documents.errors import CorruptFile, UnsafeFile, UnsupportedFile


@dataclass(frozen=True)
class ZipLimits:
    """Bounds on an Office or OpenDocument archive; going over any of them means a zip bomb."""

    max_entries: int = 2000
    max_total_size: int = 100 * 1_048_576
    max_ratio: int = 100
    ratio_floor: int = 1_048_576
    """Members smaller than this are not ratio-checked: small XML legitimately compresses well."""


DEFAULT_ZIP_LIMITS = ZipLimits()


_CHUNK = 64 * 1024
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
_OOXML_MACRO = re.compile(r"macroEnabled|vbaProject", re.IGNORECASE)
_ODF_MIMETYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}
_XML_EXTENSIONS = frozenset({"xml", "rels", "vml", "rdf"})
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError)


def _corrupt_zip() -> CorruptFile:
    return CorruptFile(
        N_("The file is damaged and cannot be opened. Please save it again and re-upload it.")
    )


def _zip_bomb() -> UnsafeFile:
    return UnsafeFile(
        N_("The file expands to far more data than a normal document and was refused for safety.")
    )


def check_archive(data: bytes, limits: ZipLimits) -> str:
    """Screen an archive member by member; the kind of Office or OpenDocument file it holds.

    Returns the extension that names the kind ("docx", "xlsx", "pptx", "odt", "ods").
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except _ZIP_ERRORS:
        raise _corrupt_zip() from None
    _check_zip_directory(infos, limits)
    by_name = {info.filename: info for info in infos}
    types = _ContentTypes()
    if "[Content_Types].xml" in by_name:
        _screen_member(data, by_name.pop("[Content_Types].xml"), _XmlScreen(types))
        kind = _ooxml_kind(types, by_name)
    elif "mimetype" in by_name and by_name["mimetype"].file_size <= 100:
        mimetype = b"".join(_member_chunks(data, by_name.pop("mimetype")))
        kind = _odf_kind(mimetype, by_name)
    else:
        raise UnsupportedFile(
            N_("Archives such as .zip are not accepted. Please upload the documents one by one.")
        )
    for name, info in by_name.items():
        screen = _XmlScreen() if types.is_xml(name) else None
        _screen_member(data, info, screen)
    return kind


def _check_zip_directory(infos: list[zipfile.ZipInfo], limits: ZipLimits) -> None:
    """Refuse on the declared directory alone before decompressing a single byte."""
    if len(infos) > limits.max_entries:
        raise UnsafeFile(
            N_("The file contains an unusually large number of parts and was refused.")
        )
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        parts = name.split("/")
        if (
            name.startswith("/")
            or "\\" in name
            or "\x00" in name
            or ".." in parts
            or re.match(r"^[A-Za-z]:", name)
            or name.casefold() in seen
        ):
            raise UnsafeFile(
                N_("The file contains parts with suspicious names and was refused for safety.")
            )
        seen.add(name.casefold())
        if info.flag_bits & 0x1:
            raise UnsupportedFile(
                N_("Password-protected files are not accepted. Please remove the password first.")
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsupportedFile(
                N_("The file uses a compression method that is not accepted. Please save it again.")
            )
        big = info.file_size > limits.ratio_floor
        if big and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise _zip_bomb()
    if sum(info.file_size for info in infos) > limits.max_total_size:
        raise _zip_bomb()


def _ooxml_kind(types: _ContentTypes, members: dict[str, zipfile.ZipInfo]) -> str:
    every_type = [*types.overrides.values(), *types.defaults.values()]
    if any(_OOXML_MACRO.search(t) for t in every_type) or any(
        _OOXML_MACRO.search(name) for name in members
    ):
        raise UnsafeFile(
            N_("Files containing macros are not accepted. Please save it as .docx, .xlsx or .pptx.")
        )
    mains = [(part, _OOXML_MAIN[t]) for part, t in types.overrides.items() if t in _OOXML_MAIN]
    if len(mains) != 1:
        raise UnsupportedFile(
            N_("This kind of Office file is not accepted. Please save it as .docx, .xlsx or .pptx.")
        )
    present = {name.casefold() for name in members}
    if mains[0][0] not in present or "_rels/.rels" not in present:
        raise _corrupt_zip()
    return mains[0][1]


def _odf_kind(mimetype: bytes, members: dict[str, zipfile.ZipInfo]) -> str:
    kind = _ODF_MIMETYPES.get(mimetype.decode("ascii", "replace").strip())
    if kind is None:
        raise UnsupportedFile(
            N_("This kind of OpenDocument file is not accepted. Please upload .odt or .ods.")
        )
    if any(name.startswith(("Basic/", "Scripts/")) for name in members):
        raise UnsafeFile(
            N_("Files containing macros are not accepted. Please save it again without macros.")
        )
    if "content.xml" not in members:
        raise _corrupt_zip()
    return kind


def _screen_member(data: bytes, info: zipfile.ZipInfo, screen: _XmlScreen | None) -> None:
    for chunk in _member_chunks(data, info):
        if screen is not None:
            screen.feed(chunk)
    if screen is not None:
        screen.close()


def _member_chunks(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Decompress one member ourselves, never producing more than its declared size.

    ``zipfile`` would silently stop at the declared size; a size that lies is a sign of a
    crafted archive, so it is reported as unsafe rather than as damaged.
    """
    offset = info.header_offset
    header = data[offset : offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise _corrupt_zip()
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_len + extra_len
    raw = memoryview(data)[start : start + info.compress_size]
    if len(raw) != info.compress_size:
        raise _corrupt_zip()
    produced, crc = 0, 0
    try:
        for piece in _inflate(raw) if info.compress_type == zipfile.ZIP_DEFLATED else _slices(raw):
            produced += len(piece)
            if produced > info.file_size:
                raise _zip_bomb()
            crc = zlib.crc32(piece, crc)
            yield piece
    except zlib.error:
        raise _corrupt_zip() from None
    if produced != info.file_size or crc != info.CRC:
        raise _corrupt_zip()


def _slices(raw: memoryview) -> Iterator[bytes]:
    for pos in range(0, len(raw), _CHUNK):
        yield bytes(raw[pos : pos + _CHUNK])


def _inflate(raw: memoryview) -> Iterator[bytes]:
    """Raw deflate with bounded output per step, so memory stays small whatever the ratio."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    pos = 0
    pending: bytes | memoryview = b""
    while not inflater.eof:
        if not pending:
            if pos >= len(raw):
                raise _corrupt_zip()
            pending = raw[pos : pos + _CHUNK]
            pos += len(pending)
        out = inflater.decompress(pending, _CHUNK)
        pending = inflater.unconsumed_tail
        if out:
            yield out


@dataclass
class _ContentTypes:
    """[Content_Types].xml of an OOXML package: which parts are parsed as XML by readers."""

    overrides: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)

    def add(self, element: str, attrs: dict[str, str]) -> None:
        local = element.rsplit(" ", 1)[-1]
        if local == "Override":
            part = unquote(attrs.get("PartName", "")).lstrip("/").casefold()
            self.overrides[part] = attrs.get("ContentType", "")
        elif local == "Default":
            self.defaults[attrs.get("Extension", "").casefold()] = attrs.get("ContentType", "")

    def is_xml(self, name: str) -> bool:
        base = name.rsplit("/", 1)[-1]
        ext = base.rsplit(".", 1)[-1].casefold() if "." in base else ""
        if ext in _XML_EXTENSIONS:
            return True
        content_type = self.overrides.get(name.casefold()) or self.defaults.get(ext, "")
        return not content_type.startswith("image/") and (
            content_type.endswith("+xml") or content_type in {"application/xml", "text/xml"}
        )


class _XmlScreen:
    """Stream an XML part through expat and refuse any DOCTYPE: OOXML and ODF never need one.

    Refusing the declaration itself stops entity bombs ("billion laughs") and external entities
    before a single entity is defined, whatever the part's encoding.
    """

    def __init__(self, content_types: _ContentTypes | None = None) -> None:
        self._parser = expat.ParserCreate(namespace_separator=" ")
        self._parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self._parser.StartDoctypeDeclHandler = self._refuse
        self._parser.EntityDeclHandler = self._refuse
        if content_types is not None:
            self._parser.StartElementHandler = content_types.add

    @staticmethod
    def _refuse(*_: object) -> None:
        raise UnsafeFile(
            N_("The file contains XML declarations that documents never use and was refused.")
        )

    def feed(self, chunk: bytes) -> None:
        self._parse(chunk, False)

    def close(self) -> None:
        self._parse(b"", True)

    def _parse(self, chunk: bytes, final: bool) -> None:
        try:
            self._parser.Parse(chunk, final)
        except expat.ExpatError:
            raise _corrupt_zip() from None
