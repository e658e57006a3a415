"""Plain text of an uploaded file, for full-text search and previews.

Input is expected to have passed ``files.inspect_upload``; output is NFC and capped in length.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from core.errors import N_
from documents.errors import CorruptFile
from documents.files import FileKind

MAX_TEXT_CHARS = 1_000_000
"""About 300 pages of Vietnamese text; enough for search, bounded for the database."""
MAX_PDF_PAGES = 2000

_BLANK_LINES = re.compile(r"\n\s*\n(?:\s*\n)+")
_log = logging.getLogger(__name__)


def extract_text(data: bytes, kind: FileKind, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Text of a DOCX, PDF or plain-text file; other kinds (images, spreadsheets) give ""."""
    if kind is FileKind.DOCX:
        return text_from_docx(data, max_chars)
    if kind is FileKind.PDF:
        return text_from_pdf(data, max_chars)
    if kind is FileKind.TEXT:
        return text_from_plain(data, max_chars)
    return ""


def text_from_plain(data: bytes, max_chars: int = MAX_TEXT_CHARS) -> str:
    return _finish(data.decode("utf-8-sig", errors="replace"), max_chars)


def text_from_docx(data: bytes, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Body paragraphs and table cells in reading order, one paragraph per line."""
    with _reading_docx():
        document = Document(io.BytesIO(data))
        return _collect(_blocks(document.iter_inner_content()), max_chars)


def docx_blocks(data: bytes) -> list[str]:
    """Each body paragraph and table cell paragraph of a DOCX, in reading order, as written."""
    with _reading_docx():
        return list(_blocks(Document(io.BytesIO(data)).iter_inner_content()))


@contextmanager
def _reading_docx() -> Iterator[None]:
    try:
        yield
    except Exception as exc:  # python-docx fails with arbitrary types on odd but valid zips
        _log.info("unreadable DOCX: %r", exc)
        raise CorruptFile(
            N_("The Word file is damaged and its text cannot be read. Please save it again.")
        ) from None


def _blocks(items: Iterable[Paragraph | Table]) -> Iterator[str]:
    for item in items:
        if isinstance(item, Paragraph):
            yield item.text
        else:
            yield from _table_text(item)


def _table_text(table: Table) -> Iterator[str]:
    """Merged cells appear once per grid column in python-docx; emit each cell once.

    The set holds the elements themselves, not ``id()``s: lxml proxies die and ids get reused.
    """
    seen: set[object] = set()
    for row in table.rows:
        for cell in row.cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            yield from _blocks(cell.iter_inner_content())


def text_from_pdf(data: bytes, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Text layer of a PDF; "" for a scanned PDF or one locked with a password.

    A page that pypdf cannot decode is skipped rather than failing the whole file; only a file
    that cannot be opened at all raises ``CorruptFile``.
    """
    with warnings.catch_warnings():
        # pypdf warns about every small irregularity; they are not the clerk's problem.
        warnings.simplefilter("ignore")
        reader = _open_pdf(data)
        if reader is None:
            return ""
        count = min(len(reader.pages), MAX_PDF_PAGES)
        return _collect((text for text in _pdf_pages(reader, count) if text is not None), max_chars)


def pdf_page_texts(data: bytes) -> list[str]:
    """The text layer of each page, as pypdf reads it: one entry per page, so page numbers hold.

    A page that cannot be decoded, or has no text layer, gives ""; a locked PDF gives [].
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = _open_pdf(data)
        if reader is None:
            return []
        count = min(len(reader.pages), MAX_PDF_PAGES)
        return [text or "" for text in _pdf_pages(reader, count)]


def _open_pdf(data: bytes) -> PdfReader | None:
    """The reader, or None when a password locks the file; ``CorruptFile`` if it cannot open."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        len(reader.pages)  # reading the page tree is where broken files fail
        return reader
    except Exception as exc:  # pypdf raises many unrelated types on hostile input.
        _log.info("unreadable PDF: %r", exc)
        raise CorruptFile(
            N_("The PDF file is damaged and cannot be read. Please export it again.")
        ) from None


def _pdf_pages(reader: PdfReader, count: int) -> Iterator[str | None]:
    """Each page's text; None for a page pypdf cannot decode."""
    for index in range(count):
        try:
            yield reader.pages[index].extract_text() or ""
        except Exception as exc:  # one odd page must not hide the text of the others
            _log.info("PDF page %d skipped: %r", index, exc)
            yield None


def _collect(lines: Iterable[str], max_chars: int) -> str:
    """Join lines, stopping as soon as the cap is reached so huge files cost no more."""
    parts: list[str] = []
    size = 0
    for line in lines:
        parts.append(line)
        size += len(line) + 1
        if size > max_chars:
            break
    return _finish("\n".join(parts), max_chars)


def _finish(text: str, max_chars: int) -> str:
    text = unicodedata.normalize("NFC", text[: max_chars * 2])
    return _BLANK_LINES.sub("\n\n", text)[:max_chars].strip()
