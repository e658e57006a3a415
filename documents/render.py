"""DOCX to sanitised HTML for reading a document in the browser.

Input should have passed ``files.inspect_upload``; output keeps only an nh3 allow-list.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import mammoth
import nh3

from core.errors import N_
from documents.errors import CorruptFile

ID_PREFIX = "doc-"
"""Every id and in-document link gets this prefix so a document cannot clobber page ids."""
MAX_IMAGE_BYTES = 5 * 1_048_576
MAX_IMAGES_BYTES = 20 * 1_048_576

ALLOWED_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "u", "s", "ul", "ol", "li"}
    | {"table", "thead", "tbody", "tr", "td", "th", "br", "span", "sub", "sup", "a", "img"}
)
_ATTRIBUTES = {
    "a": {"href", "id"},
    "img": {"src", "alt"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "p": {"id"},
    "li": {"id"},
    "span": {"id"},
}
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_IMAGE_PREFIXES = ("data:image/png;base64,", "data:image/jpeg;base64,")
_IMAGE_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
# mammoth ignores underline and strike-through unless asked; clerks use both for amendments.
_STYLE_MAP = "u => u\nstrike => s"


def docx_to_html(data: bytes) -> str:
    """Convert and sanitise. Images: PNG/JPEG only, inlined as data: URIs; others are dropped.

    Inlining keeps the page self-contained (no second request, no path into the archive);
    dropping every other format (SVG, EMF, WMF, TIFF) closes script-bearing SVG and formats
    browsers cannot show anyway. Content types are checked against the image's own bytes.
    """
    images = _ImageBudget()
    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data),
            convert_image=images.convert,
            id_prefix=ID_PREFIX,
            style_map=_STYLE_MAP,
            include_embedded_style_map=False,
            external_file_access=False,
        )
    except Exception as exc:  # mammoth fails with arbitrary types (ExpatError...) on odd files
        raise CorruptFile(
            N_("The Word file is damaged and cannot be displayed. Please save it again.")
        ) from exc
    return sanitise_html(result.value)


def sanitise_html(html: str) -> str:
    """The allow-list alone: no scripts, styles, classes or event handlers survive."""
    return _CLEANER.clean(html)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Second gate after the per-tag allow-list: look at the values of links, images and ids."""
    if attribute == "href":
        if value.startswith("#" + ID_PREFIX) or value.lower().startswith(_LINK_SCHEMES):
            return value
        return None
    if attribute == "src":
        return value if value.startswith(_IMAGE_PREFIXES) else None
    if attribute == "id":
        return value if value.startswith(ID_PREFIX) else None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes=_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    url_schemes={"http", "https", "mailto", "data"},
    link_rel="noopener noreferrer",
    strip_comments=True,
)


class _ImageBudget:
    """mammoth image converter that keeps PNG and JPEG within a size budget, drops the rest."""

    def __init__(self) -> None:
        self.used = 0

    def convert(self, image: Any) -> list[Any]:
        if image.content_type not in _IMAGE_MAGIC:
            return []
        with image.open() as stream:
            blob = stream.read(MAX_IMAGE_BYTES + 1)
        too_big = len(blob) > MAX_IMAGE_BYTES or self.used + len(blob) > MAX_IMAGES_BYTES
        if too_big or not blob.startswith(_IMAGE_MAGIC[image.content_type]):
            return []
        self.used += len(blob)
        attributes = {"src": f"data:{image.content_type};base64,{base64.b64encode(blob).decode()}"}
        if image.alt_text:
            attributes["alt"] = image.alt_text
        return [mammoth.html.element("img", attributes)]
