"""Upload screening: decide a file's type from its bytes and refuse anything unsafe or broken.

Every upload passes ``inspect_upload`` before it is stored, extracted or rendered.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import unquote
from xml.parsers import expat

from core.errors import N_
from documents.errors import (
    BadFileName,
    CorruptFile,
    EmptyFile,
    FileTooLarge,
    FileTypeMismatch,
    UnsafeFile,
    UnsupportedFile,
)

__all__ = [
    "DEFAULT_ZIP_LIMITS",
    "MAX_IMAGE_PIXELS",
    "MAX_NAME_BYTES",
    "FileKind",
    "InspectedFile",
    "ZipLimits",
    "inspect_upload",
    "safe_filename",
]


@dataclass(frozen=True)
class ZipLimits:
    """Bounds on an Office or OpenDocument archive; going over any of them means a zip bomb."""

    max_entries: int = 2000
    max_total_size: int = 100 * 1_048_576
    max_ratio: int = 100
    ratio_floor: int = 1_048_576
    """Members smaller than this are not ratio-checked: small XML legitimately compresses well."""


DEFAULT_ZIP_LIMITS = ZipLimits()
MAX_IMAGE_PIXELS = 100_000_000
"""Browsers decode images fully in memory; 100 megapixels is far beyond any scanned page."""
MAX_NAME_BYTES = 200
"""Stay well under the 255-byte file name limit of common file systems (UTF-8 encoded)."""


class FileKind(Enum):
    """Accepted file types; the value is a stable code, ``extension`` the canonical one."""

    mime: str
    extension: str

    def __new__(cls, code: str, mime: str = "", extension: str = "") -> FileKind:
        member = object.__new__(cls)
        member._value_ = code
        member.mime = mime
        member.extension = extension
        return member

    PDF = ("pdf", "application/pdf", "pdf")
    DOCX = (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    )
    XLSX = ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
    PPTX = (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
    )
    ODT = ("odt", "application/vnd.oasis.opendocument.text", "odt")
    ODS = ("ods", "application/vnd.oasis.opendocument.spreadsheet", "ods")
    PNG = ("png", "image/png", "png")
    JPEG = ("jpeg", "image/jpeg", "jpg")
    TEXT = ("text", "text/plain; charset=utf-8", "txt")


@dataclass(frozen=True)
class InspectedFile:
    """What the screening learnt; ``safe_name`` is fit for a Content-Disposition header."""

    kind: FileKind
    mime: str
    extension: str
    safe_name: str
    size: int
    sha256: str


_ZIP_KINDS = {
    "docx": FileKind.DOCX,
    "xlsx": FileKind.XLSX,
    "pptx": FileKind.PPTX,
    "odt": FileKind.ODT,
    "ods": FileKind.ODS,
}
_FAMILY_EXTENSIONS: dict[str, frozenset[str]] = {
    "pdf": frozenset({"pdf"}),
    "zip": frozenset(_ZIP_KINDS),
    "png": frozenset({"png"}),
    "jpeg": frozenset({"jpg", "jpeg"}),
    "text": frozenset({"txt"}),
}

_ACCEPTED_EXTENSIONS = frozenset().union(*_FAMILY_EXTENSIONS.values())
_KIND_EXTENSIONS = {kind: frozenset({kind.extension}) for kind in FileKind} | {
    FileKind.JPEG: _FAMILY_EXTENSIONS["jpeg"]
}

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def inspect_upload(
    data: bytes,
    claimed_name: str,
    max_bytes: int,
    *,
    zip_limits: ZipLimits = DEFAULT_ZIP_LIMITS,
) -> InspectedFile:
    """Accept ``data`` only if its content is a supported, intact, harmless file.

    The type comes from the bytes; the claimed name must agree with it (or have no extension,
    in which case the right one is added). Raises a ``documents.errors`` error otherwise.
    """
    name = safe_filename(claimed_name)
    if not data:
        raise EmptyFile(N_("The file is empty. Please choose the file again and re-upload it."))
    if len(data) > max_bytes:
        raise FileTooLarge(
            N_("The file is larger than the allowed limit of %(limit_mb)s MB."),
            limit_mb=_megabytes(max_bytes),
        )
    stem, ext = _split_ext(name)
    family = _family(data)
    if ext and ext not in _ACCEPTED_EXTENSIONS:
        raise _unsupported()
    if ext and ext not in _FAMILY_EXTENSIONS[family]:
        raise _mismatch(ext)
    kind = _check_content(family, data, zip_limits)
    if ext and ext not in _KIND_EXTENSIONS[kind]:
        raise _mismatch(ext)
    return InspectedFile(
        kind=kind,
        mime=kind.mime,
        extension=kind.extension,
        safe_name=f"{stem}.{ext or kind.extension}",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _megabytes(n: int) -> float:
    mb = round(n / 1_048_576, 2)
    return int(mb) if mb == int(mb) else mb


def _mismatch(ext: str) -> FileTypeMismatch:
    return FileTypeMismatch(
        N_(
            "The file's content does not match its name ending in .%(extension)s. "
            "Check that you chose the right file, or save it again in that format."
        ),
        extension=ext,
    )


def _family(data: bytes) -> str:
    """First look at the magic bytes only: cheap, and enough to refuse a wrong name early."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(_PNG_MAGIC):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(_CFB_MAGIC):
        raise UnsupportedFile(
            N_(
                "Old Office formats (.doc, .xls) and password-protected Office files are not "
                "accepted. Please save the file as .docx, .xlsx or PDF without a password."
            )
        )
    if data.startswith(b"PK\x05\x06"):
        raise CorruptFile(N_("The file is an empty archive."))
    if _is_text(data):
        return "text"
    raise _unsupported()


def _unsupported() -> UnsupportedFile:
    return UnsupportedFile(
        N_(
            "This type of file is not accepted. Please upload a PDF, Word (.docx), Excel (.xlsx), "
            "PowerPoint (.pptx), OpenDocument (.odt, .ods), PNG or JPEG file."
        )
    )


def _check_content(family: str, data: bytes, limits: ZipLimits) -> FileKind:
    if family == "pdf":
        _check_pdf(data)
        return FileKind.PDF
    if family == "zip":
        return _check_zip(data, limits)
    if family == "png":
        _check_png(data)
        return FileKind.PNG
    if family == "jpeg":
        _check_jpeg(data)
        return FileKind.JPEG
    return FileKind.TEXT


def _check_pdf(data: bytes) -> None:
    """A PDF needs a version in its header and an end marker near its end (ISO 32000 7.5)."""
    if not re.match(rb"%PDF-[12]\.\d", data[:16]) or b"%%EOF" not in data[-1024:]:
        raise CorruptFile(
            N_("The PDF file is damaged or incomplete. Please export it again and re-upload it.")
        )


def _check_png(data: bytes) -> None:
    if len(data) < 33 or data[12:16] != b"IHDR" or b"IEND" not in data[-64:]:
        raise CorruptFile(N_("The PNG image is damaged or incomplete."))
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    if width == 0 or height == 0:
        raise CorruptFile(N_("The PNG image is damaged or incomplete."))
    if width * height > MAX_IMAGE_PIXELS:
        raise UnsafeFile(N_("The image is too large in width and height to be displayed safely."))


def _check_jpeg(data: bytes) -> None:
    if b"\xff\xd9" not in data[-65536:]:
        raise CorruptFile(N_("The JPEG image is damaged or incomplete."))


def _is_text(data: bytes) -> bool:
    """UTF-8 without control characters; anything else binary is not "plain text"."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return bool(text.strip()) and not _TEXT_CONTROLS.search(text)


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


def _check_zip(data: bytes, limits: ZipLimits) -> FileKind:
    """Screen an archive member by member, then tell an Office file from an OpenDocument one."""
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
    return _ZIP_KINDS[kind]


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


_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$", re.IGNORECASE)
_FORBIDDEN = re.compile(r'[<>:"|?*]')
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_EXT_RE = re.compile(r"^[a-z0-9]{1,10}$")


def safe_filename(name: str) -> str:
    """A file name safe on any OS and in HTTP headers, keeping Vietnamese letters (NFC).

    Drops directories (``/`` and ``\\``), control and invisible format characters (e.g. the
    right-to-left override used to disguise ".exe"), leading dots, Windows-forbidden characters;
    prefixes Windows device names ("CON" -> "_CON") and shortens to ``MAX_NAME_BYTES`` while
    keeping the extension, which is lower-cased. Raises ``BadFileName`` if nothing is left.
    """
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in _DROP_CATEGORIES)
    name = _FORBIDDEN.sub("_", name)
    name = " ".join(name.split())
    name = name.lstrip(" .-").rstrip(" .")
    stem, ext = _split_ext(name)
    stem = stem.rstrip(" .")
    if not stem:
        raise BadFileName(
            N_("The file name is empty or invalid. Please rename the file and upload it again.")
        )
    if _RESERVED.match(stem.split(".")[0].strip()):
        stem = "_" + stem
    suffix = f".{ext}" if ext else ""
    budget = MAX_NAME_BYTES - len(suffix.encode())
    stem = stem[:budget]  # a character is at least one byte: bounds the loop below
    while len(stem.encode()) > budget:
        stem = stem[:-1]
    return stem.rstrip(" .") + suffix


def _split_ext(name: str) -> tuple[str, str]:
    """Split "Báo cáo.DOCX" into ("Báo cáo", "docx"); an implausible suffix is not an extension."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and _EXT_RE.match(ext.lower()):
        return stem, ext.lower()
    return name, ""
