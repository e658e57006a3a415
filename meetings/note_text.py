"""Where a note's words are in the text of an exact version: the server's own text of each
page (from the stored file) and the anchor of a selection made in the browser, found again in it.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from core.errors import N_
from core.storage import BlobStore
from meetings.anchoring import Anchor, PagedText, normalise
from meetings.errors import (
    AnchorOutsideText,
    BadNote,
    EmptyQuote,
)

#: Longest quote: a note is about a passage, not a whole document.
MAX_QUOTE = 2000
#: File kinds whose text a note can quote.
TEXT_KINDS = frozenset({"pdf", "docx"})
#: Versions' texts kept in memory, by content hash: writing notes one after another on the same
#: document extracts its text once.
TEXT_CACHE_SIZE = 16
_texts: OrderedDict[str, PagedText] = OrderedDict()
_texts_lock = threading.Lock()

#: Left out when the browser's words are compared with ours: the two texts differ in spaces,
#: and a word split at a line end may keep or lose its hyphen (js/meeting-notes.mjs agrees).
_IGNORED = re.compile(r"[\s-]+")


@dataclass(frozen=True)
class Selection:
    """The words a reader selected on one page of the version shown, as the browser saw them.

    ``prefix`` and ``suffix`` are a little of the text around the selection and ``position``
    where it starts (0..1 of the page's letters): they tell repeated words apart. The server
    finds the words in its own text of the version; the anchor is built from that text.
    """

    page: int
    quote: str
    prefix: str = ""
    suffix: str = ""
    position: float | None = None


def text_of(store: BlobStore, sha256: str, kind: str) -> PagedText:
    """The normalised text of a stored version, page by page; a kind without text has none."""
    if kind not in TEXT_KINDS:
        return PagedText([])
    with _texts_lock:
        cached = _texts.get(sha256)
        if cached is not None:
            _texts.move_to_end(sha256)
            return cached
    data = store.get(sha256)
    text = PagedText.from_pdf(data) if kind == "pdf" else PagedText.from_docx(data)
    with _texts_lock:
        _texts[sha256] = text
        while len(_texts) > TEXT_CACHE_SIZE:
            _texts.popitem(last=False)
    return text


def locate(text: PagedText, selection: Selection) -> Anchor:
    """The anchor of the selected words on ``text``: found again on the server's own text.

    The browser's text of a PDF page (pdf.js) and ours (pypdf) agree on the letters but not
    always on the spaces between them, so both are compared without spaces (and hyphens).
    """
    if not normalise(selection.quote):
        raise EmptyQuote(
            N_("A note must quote some text of the page: select the words it is about.")
        )
    if len(selection.quote) > MAX_QUOTE:
        raise BadNote(N_("Select at most %(most)d characters for one note."), most=MAX_QUOTE)
    if not 1 <= selection.page <= len(text.pages):
        raise AnchorOutsideText(N_("The note points outside the document's text."))
    page = text.pages[selection.page - 1]
    letters, where = letters_of(page)
    quote = _squeeze(selection.quote)
    found = []
    at = letters.find(quote) if quote else -1
    while at != -1:
        found.append(at)
        at = letters.find(quote, at + 1)
    if not found:
        raise AnchorOutsideText(
            N_("The selected words are not in this page's text: select them again.")
        )
    before, after = _squeeze(selection.prefix), _squeeze(selection.suffix)
    expected = None
    if selection.position is not None and 0 <= selection.position <= 1:
        expected = selection.position * len(letters)

    def weight(at: int) -> tuple[int, float]:
        agreement = _common_suffix(letters[:at], before) + _common_prefix(
            letters[at + len(quote) :], after
        )
        return agreement, -abs(at - expected) if expected is not None else -at

    at = max(found, key=weight)
    return text.anchor(selection.page, where[at], where[at + len(quote) - 1] + 1)


def letters_of(text: str) -> tuple[str, list[int]]:
    """``text`` without spaces and hyphens, and where each letter left stands in ``text``."""
    where = [i for i, char in enumerate(text) if not _IGNORED.match(char)]
    return "".join(text[i] for i in where), where


def _squeeze(text: str) -> str:
    return _IGNORED.sub("", normalise(text)) if text else ""


def _common_prefix(a: str, b: str) -> int:
    count = 0
    for left, right in zip(a, b, strict=False):
        if left != right:
            break
        count += 1
    return count


def _common_suffix(a: str, b: str) -> int:
    return _common_prefix(a[::-1], b[::-1])


# -- writing ---------------------------------------------------------------------------------
