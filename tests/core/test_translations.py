"""Every UI string has a Vietnamese translation, and the catalogue lists no stale strings."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "core" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
SOURCES = ["core", "accounts", "audit", "documents", "meetings", "signing", "templates"]
METHOD_MAP = [("**.py", "python"), ("**.html", "jinja2")]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "N_": None,
}


def extracted_messages() -> set[str]:
    found = set()
    for source in SOURCES:
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / source, METHOD_MAP, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_ui_string_is_translated_to_vietnamese():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id for m in catalogue if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(extracted_messages() - translated)
    assert missing == [], "run `make translations-update` and translate these"


def test_vietnamese_catalogue_keeps_the_placeholders():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]")
    for message in catalogue:
        if message.id and message.string:
            assert sorted(placeholder.findall(message.id)) == sorted(
                placeholder.findall(message.string)
            ), message.id
