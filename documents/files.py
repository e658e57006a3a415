"""Upload screening: decide a file's type from its bytes and refuse anything unsafe or broken.

Every upload passes ``inspect_upload`` before it is stored, extracted or rendered.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

from core.errors import N_
from documents.archives import DEFAULT_ZIP_LIMITS, ZipLimits, check_archive
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
        return _ZIP_KINDS[check_archive(data, limits)]
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
