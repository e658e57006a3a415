"""Measure a PDF page the way a văn thư looks at it: words with their boxes, drawn lines.

Poppler's command-line tools do the reading (``pdftotext -bbox``, ``pdftoppm``, ``pdffonts``);
lengths are in millimetres from the top-left corner of the page.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from html import unescape
from pathlib import Path

MM_PER_PT = 25.4 / 72


@dataclass(frozen=True)
class Word:
    text: str
    page: int
    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class Rule:
    """A horizontal line drawn on the page (left and right ends, height on the page)."""

    page: int
    y: float
    left: float
    right: float

    @property
    def length(self) -> float:
        return self.right - self.left


_PAGE_RE = re.compile(r"<page\b[^>]*>(.*?)</page>", re.S)
_WORD_RE = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', re.S
)


def words(pdf: Path) -> list[Word]:
    """Every word of the PDF in reading order, with its box."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    found = []
    for page, body in enumerate(_PAGE_RE.findall(html), 1):
        for x0, y0, x1, y1, text in _WORD_RE.findall(body):
            box = (float(v) * MM_PER_PT for v in (x0, y0, x1, y1))
            found.append(Word(unescape(text), page, *box))
    return found


def phrase(all_words: list[Word], text: str) -> list[Word]:
    """The consecutive words that spell ``text``; fails the test when they are not there."""
    wanted = text.split()
    for start in range(len(all_words) - len(wanted) + 1):
        window = all_words[start : start + len(wanted)]
        if [w.text for w in window] == wanted:
            return window
    raise AssertionError(f"{text!r} is not in the PDF: {' '.join(w.text for w in all_words)}")


def rules(pdf: Path, page: int = 1, dpi: int = 200, min_mm: float = 10) -> list[Rule]:
    """Horizontal dark runs at least ``min_mm`` long, read from a greyscale rendering."""
    pgm = subprocess.run(
        ["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), str(pdf)],
        check=True,
        capture_output=True,
    ).stdout
    width, height, pixels = _parse_pgm(pgm)
    mm_per_px = 25.4 / dpi
    min_px = int(min_mm / mm_per_px)
    found = []
    for row in range(height):
        line = pixels[row * width : (row + 1) * width]
        column = 0
        while column < width:
            if line[column] < 128:
                start = column
                while column < width and line[column] < 128:
                    column += 1
                if column - start >= min_px:
                    found.append(Rule(page, row * mm_per_px, start * mm_per_px, column * mm_per_px))
            column += 1
    return _merge_rows(found, mm_per_px)


def _merge_rows(found: list[Rule], step: float) -> list[Rule]:
    """A line a few pixels thick is one rule, not several."""
    merged: list[Rule] = []
    for rule in found:
        last = merged[-1] if merged else None
        if (
            last is not None
            and rule.y - last.y <= 2 * step + 1e-9
            and abs(rule.left - last.left) < 1
            and abs(rule.right - last.right) < 1
        ):
            continue
        merged.append(rule)
    return merged


def _parse_pgm(data: bytes) -> tuple[int, int, bytes]:
    match = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert match, "pdftoppm did not produce a PGM image"
    width, height = int(match[1]), int(match[2])
    return width, height, data[match.end() : match.end() + width * height]


def fonts(pdf: Path) -> list[dict[str, str]]:
    """``pdffonts``'s table: name, type and whether each font is embedded."""
    out = subprocess.run(
        ["pdffonts", str(pdf)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    rows = []
    for line in out[2:]:
        parts = line.split()
        # name type [encoding words...] emb sub uni object-id generation
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


def text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
