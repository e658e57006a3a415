"""Private notes and highlights that find their text again in a document's next version.

A note is anchored by page, offset and the quoted text with a little context (as the W3C Web
Annotation TextQuoteSelector does); re-anchoring looks for the quote exactly, then fuzzily, and
otherwise reports the note as orphaned: it stays shown on the version it was written on.

Offsets count characters of the page text *as normalised here* (NFC, whitespace collapsed,
line-end hyphenation joined), so that the reading page and the re-anchoring agree on them.
A DOCX has no pages: its whole text is page 1, as the reading page shows it as one HTML flow.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from core.errors import N_
from documents.extract import docx_blocks, pdf_page_texts
from meetings.errors import AnchorOutsideText, EmptyQuote

CONTEXT_CHARS = 32
"""Characters of context kept each side of a quote: enough to tell repeated phrases apart."""

FUZZY_MIN_CHARS = 16
"""A quote shorter than this is placed exactly or not at all: a few letters match anywhere."""

FUZZY_THRESHOLD = 0.8
"""Least similarity (0..1, insertions and deletions counted) for a fuzzy placement."""

NEARBY_CHARS = 3000
"""About a page each side of the old position, searched first when the quote was edited."""

PROXIMITY_WEIGHT = 2 * CONTEXT_CHARS
"""Standing exactly where the note was expected counts as much as all of its context agreeing."""

MIN_EVIDENCE = CONTEXT_CHARS
"""Characters of quote, agreeing context and nearness an exact placement needs at least."""

NEARBY_MARGIN = 0.02
"""A nearby fuzzy match wins over a better one elsewhere unless that one is this much better."""

SHINGLE_WORDS = 5
"""Runs of this many words found once in each version pin where the old text went."""

MAX_OCCURRENCES = 5000
"""Exact occurrences weighed per quote; a phrase repeated more often than this is boilerplate."""

_PAGE_BREAK = "\n"
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_LINE_END_HYPHEN = re.compile(r"([^\W\d_])-[^\S\n]*\n\s*([^\W\d_])")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\S+")
_MIN_BLOCK = 3

K = TypeVar("K")


def normalise(text: str) -> str:
    """Text as anchors compare it: NFC, invisible marks dropped, line-end hyphens joined,
    every run of whitespace one space, no space at either end.

    Vietnamese typed with combining marks and with precomposed letters become the same string.
    """
    return _collapse(text).strip()


def _collapse(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = _LINE_END_HYPHEN.sub(_join_hyphenated, text)
    return _SPACES.sub(" ", text)


def _join_hyphenated(match: re.Match[str]) -> str:
    # "quyết-\nđịnh" is one word split by the layout; "Hà Nội-\nHải Phòng" keeps its hyphen.
    before, after = match.group(1), match.group(2)
    return before + after if after.islower() else f"{before}-{after}"


class Placement(StrEnum):
    """How a note was placed on the new version."""

    EXACT = "exact"
    FUZZY = "fuzzy"
    ORPHANED = "orphaned"


@dataclass(frozen=True)
class Anchor:
    """Where a note sits on the version it was written on.

    ``page`` counts from 1; ``start`` is the quote's offset in that page's normalised text, used
    to choose between repeated quotes. ``prefix`` and ``suffix`` are the text just before and
    after the quote.
    """

    page: int
    start: int
    exact: str
    prefix: str = ""
    suffix: str = ""

    def __post_init__(self) -> None:
        exact = normalise(self.exact)
        if not exact:
            raise EmptyQuote(
                N_("A note must quote some text of the page: select the words it is about.")
            )
        if self.page < 1 or self.start < 0:
            raise AnchorOutsideText(N_("The note points outside the document's text."))
        object.__setattr__(self, "exact", exact)
        # Context keeps its edge spaces: they separate it from the quote.
        object.__setattr__(self, "prefix", _collapse(self.prefix))
        object.__setattr__(self, "suffix", _collapse(self.suffix))


@dataclass(frozen=True)
class Reanchored:
    """Where a note goes on the new version; page and offsets are None when it is orphaned.

    ``score`` is 1.0 for an exact placement, the similarity for a fuzzy one, and for an orphan
    the best similarity that was found (0.0 if no fuzzy search was tried).
    """

    kind: Placement
    page: int | None
    start: int | None
    end: int | None
    score: float

    @property
    def placed(self) -> bool:
        return self.kind is not Placement.ORPHANED


class PagedText:
    """The normalised text of one document version, page by page, indexed once for many notes."""

    def __init__(self, pages: Iterable[str]) -> None:
        self.pages: tuple[str, ...] = tuple(normalise(page) for page in pages)
        #: All pages in one string, pages separated by a newline no normalised quote contains.
        self.text = _PAGE_BREAK.join(self.pages)
        self._starts: list[int] = []
        offset = 0
        for page in self.pages:
            self._starts.append(offset)
            offset += len(page) + len(_PAGE_BREAK)

    @classmethod
    def from_pdf(cls, data: bytes) -> PagedText:
        """One page per PDF page (a scanned page has empty text)."""
        return cls(pdf_page_texts(data))

    @classmethod
    def from_docx(cls, data: bytes) -> PagedText:
        """The whole DOCX as page 1: Word's pages depend on the printer, VanThu shows one flow."""
        return cls([" ".join(docx_blocks(data))])

    def anchor(self, page: int, start: int, end: int, context: int = CONTEXT_CHARS) -> Anchor:
        """The anchor of the selection ``[start, end)`` of ``page`` on this version."""
        if not 1 <= page <= len(self.pages) or not 0 <= start <= end <= len(self.pages[page - 1]):
            raise AnchorOutsideText(N_("The note points outside the document's text."))
        text = self.pages[page - 1]
        quoted = text[start:end]
        # Leading spaces of a selection move into the offset so that `start` points at a letter.
        start += len(quoted) - len(quoted.lstrip())
        return Anchor(
            page=page,
            start=start,
            exact=quoted,
            prefix=text[max(0, start - context) : start],
            suffix=text[end : end + context],
        )

    def position(self, page: int, start: int) -> int:
        """Offset in ``text`` of an old (page, start), clamped to this version's pages."""
        if not self.pages:
            return 0
        index = min(page, len(self.pages)) - 1
        return self._starts[index] + min(start, len(self.pages[index]))

    def locate(self, offset: int) -> tuple[int, int]:
        """(page, offset in page) of an offset in ``text``."""
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index]


def reanchor(
    anchors: Mapping[K, Anchor], new: PagedText, old: PagedText | None = None
) -> dict[K, Reanchored]:
    """Place every note of version ``old`` on version ``new``: one result per note, none dropped.

    Without the old text, a note's old page and offset stand for where to look first; with it,
    they are carried through the text that did not change, which tells repeated passages apart.
    """
    placer = Reanchorer(new, old)
    return {key: placer.place(anchor) for key, anchor in anchors.items()}


class PositionMap:
    """Where an offset of the old version's text went in the new one, by unchanged word runs.

    Runs of ``SHINGLE_WORDS`` words that occur once in each version are fixed points; an old
    offset moves with the nearest one, so a paragraph moved to another page takes its notes'
    expected positions along. Linear in the text, unlike a full diff.
    """

    def __init__(self, old: PagedText, new: PagedText, reach: int = NEARBY_CHARS) -> None:
        self.old, self.new, self.reach = old, new, reach
        in_old, in_new = _unique_shingles(old.text), _unique_shingles(new.text)
        pairs = sorted(
            (at_old, in_new[key]) for key, at_old in in_old.items() if in_new.get(key, -1) >= 0
        )
        self._old = [at_old for at_old, _ in pairs if at_old >= 0]
        self._new = [at_new for at_old, at_new in pairs if at_old >= 0]

    def expected(self, page: int, start: int) -> int:
        """Offset in the new text where (page, start) of the old version most likely went."""
        if not self.old.pages:
            return self.new.position(page, start)
        at = self.old.position(page, start)
        index = bisect.bisect_right(self._old, at)
        nearest = min(
            (i for i in (index - 1, index) if 0 <= i < len(self._old)),
            key=lambda i: abs(self._old[i] - at),
            default=None,
        )
        if nearest is None or abs(self._old[nearest] - at) > self.reach:
            return self.new.position(page, start)
        return min(len(self.new.text), max(0, self._new[nearest] + at - self._old[nearest]))


def _unique_shingles(text: str) -> dict[str, int]:
    """Each run of words and where it starts; -1 for a run found more than once."""
    words = [(match.start(), match.end()) for match in _WORD.finditer(text)]
    found: dict[str, int] = {}
    for first in range(len(words) - SHINGLE_WORDS + 1):
        start, end = words[first][0], words[first + SHINGLE_WORDS - 1][1]
        key = text[start:end]
        found[key] = -1 if key in found else start
    return found


@dataclass
class _Candidate:
    """An exact occurrence weighed: agreeing context plus nearness, in characters."""

    at: int
    weight: float
    distance: int
    agreement: int
    sure: bool = False


class Reanchorer:
    """Places anchors on one new version; shares its work between notes on the same quote."""

    def __init__(self, new: PagedText, old: PagedText | None = None) -> None:
        self.new = new
        self._map = PositionMap(old, new) if old is not None else None
        self._occurrences: dict[str, list[int]] = {}

    def place(self, anchor: Anchor) -> Reanchored:
        if self._map is not None:
            expected = self._map.expected(anchor.page, anchor.start)
        else:
            expected = self.new.position(anchor.page, anchor.start)
        exact = self._exact(anchor, expected)
        if exact is not None and exact.sure:
            return self._placed(Placement.EXACT, exact.at, exact.at + len(anchor.exact), 1.0)
        score, start, end = 0.0, 0, 0
        if len(anchor.exact) >= FUZZY_MIN_CHARS and self.new.text:
            score, start, end = self._fuzzy(anchor.exact, expected)
        fuzzy = score >= FUZZY_THRESHOLD
        # The note's own words, edited where they stood, beat its old words found far away.
        if fuzzy and (exact is None or abs(start - expected) <= NEARBY_CHARS):
            return self._placed(Placement.FUZZY, start, end, score)
        if exact is not None and len(anchor.exact) + exact.weight >= MIN_EVIDENCE:
            return self._placed(Placement.EXACT, exact.at, exact.at + len(anchor.exact), 1.0)
        if fuzzy:
            return self._placed(Placement.FUZZY, start, end, score)
        return Reanchored(Placement.ORPHANED, None, None, None, round(score, 4))

    def _exact(self, anchor: Anchor, expected: int) -> _Candidate | None:
        """The occurrence that best combines agreeing context and nearness to the old position.

        Neither alone is enough: boilerplate repeats with the same context far away, and an
        edit next to the quote changes its context where it stands. The occurrence is sure when
        it stands near the old position or most of its context agrees.
        """
        occurrences = self._occurrences.get(anchor.exact)
        if occurrences is None:
            occurrences = self._occurrences[anchor.exact] = list(self._find_all(anchor.exact))
        best: _Candidate | None = None
        for at in occurrences:
            agreement, distance = self._context_agreement(anchor, at), abs(at - expected)
            candidate = _Candidate(at, agreement + _nearness(distance), distance, agreement)
            if best is None or (candidate.weight, -distance) > (best.weight, -best.distance):
                best = candidate
        if best is not None:
            context = len(_squeeze(anchor.prefix)) + len(_squeeze(anchor.suffix))
            best.sure = best.distance <= NEARBY_CHARS or 0 < 0.75 * context <= best.agreement
        return best

    def _find_all(self, quote: str) -> Iterable[int]:
        text, at, count = self.new.text, self.new.text.find(quote), 0
        while at != -1 and count < MAX_OCCURRENCES:
            yield at
            count += 1
            at = text.find(quote, at + 1)

    def _context_agreement(self, anchor: Anchor, at: int) -> int:
        """Characters of the old context found next to this occurrence (spaces not counted)."""
        text = self.new.text
        before = _squeeze(text[max(0, at - 2 * len(anchor.prefix)) : at])
        after_at = at + len(anchor.exact)
        after = _squeeze(text[after_at : after_at + 2 * len(anchor.suffix)])
        return _common_suffix(before, _squeeze(anchor.prefix)) + _common_prefix(
            after, _squeeze(anchor.suffix)
        )

    def _fuzzy(self, quote: str, expected: int) -> tuple[float, int, int]:
        """Best (similarity, start, end) for an edited quote, preferring the old neighbourhood."""
        text = self.new.text
        low = max(0, expected - NEARBY_CHARS)
        high = min(len(text), expected + len(quote) + NEARBY_CHARS)
        best = _align(quote, text, low, high)
        if best[0] < 1 - NEARBY_MARGIN and (low > 0 or high < len(text)):
            anywhere = _align(quote, text, 0, len(text))
            if anywhere[0] > best[0] + NEARBY_MARGIN:
                best = anywhere
        return self._refine(quote, best[1], best[2])

    def _refine(self, quote: str, start: int, end: int) -> tuple[float, int, int]:
        """Fit the span to the quote's first and last matching words, and keep it on one page.

        The alignment window has the quote's length; words inserted or deleted inside the quote
        shift its true ends, which the longest common subsequence against a wider window finds.
        """
        text = self.new.text
        slack = len(quote) // 4 + 8
        low, high = max(0, start - slack), min(len(text), end + slack)
        blocks = [
            block
            for block in Indel.opcodes(quote, text[low:high])
            if block.tag == "equal" and block.src_end - block.src_start >= _MIN_BLOCK
        ]
        candidates = [(start, end)]
        if blocks:
            first, last = blocks[0], blocks[-1]
            fitted_start = max(low, low + first.dest_start - first.src_start)
            fitted_end = min(high, low + last.dest_end + len(quote) - last.src_end)
            candidates.append((fitted_start, fitted_end))
        scored = []
        for span_start, span_end in candidates:
            span_start, span_end = self._one_page(span_start, span_end)
            similarity = fuzz.ratio(quote, text[span_start:span_end]) / 100
            scored.append((similarity, span_start, span_end))
        return max(scored, key=lambda item: item[0])

    def _one_page(self, start: int, end: int) -> tuple[int, int]:
        """Clip a span that crosses a page break to the page holding most of it."""
        text = self.new.text
        start, end = _trim(text, start, end)
        cut = text.find(_PAGE_BREAK, start, end)
        if cut == -1:
            return start, end
        last_cut = text.rfind(_PAGE_BREAK, start, end)
        if cut - start >= end - last_cut - 1:
            return _trim(text, start, cut)
        return _trim(text, last_cut + 1, end)

    def _placed(self, kind: Placement, start: int, end: int, score: float) -> Reanchored:
        page, offset = self.new.locate(start)
        return Reanchored(kind, page, offset, offset + end - start, round(score, 4))


def _align(quote: str, text: str, low: int, high: int) -> tuple[float, int, int]:
    """(similarity, start, end) of the window of ``text[low:high]`` most like the quote."""
    found = fuzz.partial_ratio_alignment(quote, text[low:high])
    if found is None:  # only when a score cutoff is given; kept for the type checker
        return 0.0, low, low
    return found.score / 100, low + found.dest_start, low + found.dest_end


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without spaces or page breaks at its ends."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _nearness(distance: int) -> float:
    """Worth of being ``distance`` characters from the expected place, in characters of context."""
    return PROXIMITY_WEIGHT * max(0.0, 1 - distance / NEARBY_CHARS)


def _squeeze(text: str) -> str:
    return text.replace(" ", "").replace(_PAGE_BREAK, "")


def _common_prefix(a: str, b: str) -> int:
    count = 0
    for left, right in zip(a, b, strict=False):
        if left != right:
            break
        count += 1
    return count


def _common_suffix(a: str, b: str) -> int:
    return _common_prefix(a[::-1], b[::-1])
