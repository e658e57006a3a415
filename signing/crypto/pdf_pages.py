"""What a signed PDF shows and where: checks on the input, the signer block, the images, the text.

The signature images and the default seal are PNGs checked or drawn here with Pillow; the
attachment's "number; time" line is a one-line PDF in DejaVu Sans (every Vietnamese letter).
Used by signing.crypto.pades; no database, no Flask.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from asn1crypto import parser as asn1_parser
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from core.errors import N_
from signing.errors import InvalidSigningRequest

OFFICIAL_FIELD = "VanThu-ChuKy-LanhDao"
SEAL_FIELD = "VanThu-ChuKy-CoQuan"
ATTACHMENT_FIELD = "VanThu-ChuKy-CoQuan-PhuLuc"

PT_PER_MM = 72 / 25.4
#: The official's signature image box on the page (about 50 x 25 mm).
OFFICIAL_BOX = (50 * PT_PER_MM, 25 * PT_PER_MM)
#: An organisation seal's real diameter (36 mm is the common size of a provincial seal).
SEAL_DIAMETER_MM = 36.0
SIGNATURE_IMAGE_MAX_BYTES = 512 * 1024
SIGNATURE_IMAGE_MAX_SIDE = 2000
SIGNATURE_IMAGE_MIN_SIDE = 40
MAX_PDF_OBJECTS = 200_000
#: The Vietnamese font for the attachment's text (Debian fonts-dejavu-core, installed by CI).
FONT_FILE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Placement:
    """Where the official's image goes: a page (from 0) and a box in PDF points."""

    page: int
    box: Box
    found: bool  # the signer block was found in the text (else the fallback position)


@dataclass(frozen=True)
class PdfFacts:
    pages: int
    #: The /Contents of each signature value found (hex-decoded, zero-padded), in no order.
    signatures: tuple[bytes, ...]
    page_sizes: tuple[tuple[float, float], ...]
    #: The official's signature widget made here, if the PDF carries one (where the seal goes).
    official: Placement | None = None

    def signed_only_by(self, cms: bytes) -> bool:
        """Exactly one signature, and it is ``cms`` (the padding after it is zeros)."""
        if len(self.signatures) != 1:
            return False
        contents = self.signatures[0]
        return contents.startswith(cms) and not contents[len(cms) :].strip(b"\0")


# --- checks on the input -------------------------------------------------------------------------


def _refuse(message: str, **data: Any) -> InvalidSigningRequest:
    return InvalidSigningRequest(message, **data)


def inspect_pdf(data: bytes) -> PdfFacts:
    """Refuse what must not be signed: unreadable, encrypted, or scripted PDFs."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise _refuse(
                N_(
                    "The PDF is encrypted or password-protected; export it again without a "
                    "password."
                )
            )
        root = reader.trailer["/Root"]
        pages = len(reader.pages)
        sizes = tuple((float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages)
        scripted, signatures = _walk(root)
        official = _official_widget(reader) if signatures else None
    except InvalidSigningRequest:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError, OSError) as exc:
        raise _refuse(N_("The file is not a readable PDF.")) from exc
    if scripted:
        raise _refuse(
            N_("The PDF contains JavaScript, which an official document must not; export it again.")
        )
    if pages == 0:
        raise _refuse(N_("The file is not a readable PDF."))
    return PdfFacts(pages, tuple(signatures), sizes, official)


def _walk(root: Any) -> tuple[bool, list[bytes]]:
    """Every object reachable from the catalogue, once: is there JavaScript (an action or the
    name tree), and the contents of every signature value (a dictionary with /ByteRange)."""
    seen: set[tuple[int, int]] = set()
    signatures: list[bytes] = []
    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > MAX_PDF_OBJECTS:
                raise ValueError("too many objects")
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            if "/JS" in item or "/JavaScript" in item or item.get("/S") == "/JavaScript":
                return True, signatures
            if "/ByteRange" in item and "/Contents" in item:
                signatures.append(bytes(cast(bytes, item["/Contents"])))
                continue
            stack.extend(v for k, v in item.items() if k != "/Parent")
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return False, signatures


def _signatures(data: bytes) -> list[Any]:
    try:
        return list(PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures)
    except (PdfError, ValueError, KeyError) as exc:
        raise _refuse(N_("The file is not a readable PDF.")) from exc


def signature_containers(data: bytes) -> list[bytes]:
    """The CMS SignedData of each signature in the PDF, in signing order, without the padding."""
    return [cms_der(bytes(s.pkcs7_content)) for s in _signatures(data)]


def cms_der(padded: bytes) -> bytes:
    """The DER of a signature's CMS, cut from the zero-padded /Contents it was written into."""
    _, _, _, header, body, _ = asn1_parser.parse(padded)
    return padded[: len(header) + len(body)]


def check_signature_image(data: bytes) -> tuple[int, int]:
    """A PNG of reasonable size and dimensions; returns (width, height) in pixels."""
    if len(data) > SIGNATURE_IMAGE_MAX_BYTES:
        raise _refuse(
            N_("The signature image is larger than %(size)d KB; save a smaller PNG."),
            size=SIGNATURE_IMAGE_MAX_BYTES // 1024,
        )
    if not data.startswith(_PNG_MAGIC):
        raise _refuse(N_("The signature image must be a PNG file (transparent background)."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if image.format != "PNG":
                raise ValueError("not a PNG")
            image.verify()
    except (UnidentifiedImageError, ValueError, OSError, SyntaxError) as exc:
        raise _refuse(
            N_("The signature image must be a PNG file (transparent background).")
        ) from exc
    too_big = max(width, height) > SIGNATURE_IMAGE_MAX_SIDE
    if too_big or min(width, height) < SIGNATURE_IMAGE_MIN_SIDE:
        raise _refuse(
            N_("The signature image must be %(low)d to %(high)d pixels wide and high."),
            low=SIGNATURE_IMAGE_MIN_SIDE,
            high=SIGNATURE_IMAGE_MAX_SIDE,
        )
    return width, height


def default_seal_png(organisation: str, *, pixels: int = 600) -> bytes:
    """A red round seal with the organisation's name around a star, transparent outside."""
    image = Image.new("RGBA", (pixels, pixels), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (214, 25, 32, 235)
    edge = pixels // 60
    draw.ellipse((edge, edge, pixels - edge, pixels - edge), outline=red, width=edge * 2)
    inner = pixels // 5
    draw.ellipse((inner, inner, pixels - inner, pixels - inner), outline=red, width=edge)
    centre, radius = pixels / 2, pixels * 0.17
    points = []
    for n in range(10):
        angle = -90 + n * 36
        r = radius if n % 2 == 0 else radius * 0.4
        points.append(_polar(centre, r, angle))
    draw.polygon(points, fill=red)
    _ring_text(image, unicodedata.normalize("NFC", organisation).upper(), red)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _polar(centre: float, radius: float, degrees: float) -> tuple[float, float]:
    angle = math.radians(degrees)
    return centre + radius * math.cos(angle), centre + radius * math.sin(angle)


def _ring_text(image: Image.Image, text: str, colour: tuple[int, int, int, int]) -> None:
    """The name around the ring, one letter at a time, rotated to follow the circle."""
    pixels = image.size[0]
    size = pixels // 14
    try:
        font: Any = ImageFont.truetype(str(FONT_FILE), size)
    except OSError:
        font = ImageFont.load_default(size)
    letters = text[:40]
    span = min(300.0, 10.0 * len(letters))
    start = -90 - span / 2
    for n, letter in enumerate(letters):
        angle = start + span * (n + 0.5) / max(len(letters), 1)
        tile = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((size, size), letter, font=font, fill=colour, anchor="mm")
        tile = tile.rotate(-angle - 90, resample=Image.Resampling.BICUBIC)
        x, y = _polar(pixels / 2, pixels * 0.4, angle)
        image.alpha_composite(tile, (int(x - size), int(y - size)))


# --- where the official signs --------------------------------------------------------------------


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def locate_signer_block(data: bytes, name: str, title: str = "") -> Placement:
    """The box between the signer's title and name on the last page that shows the name.

    The decree lays out the block as title, then room for the signature, then the full name; the
    image goes into that room, centred on the name. Without the name in the text layer (a scan)
    the image goes to the usual place: right half, above the lower third of the last page.
    """
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        count = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise _refuse(N_("The file is not a readable PDF.")) from exc
    width, height = OFFICIAL_BOX
    wanted, heading = _fold(name), _fold(title)
    for index in range(count - 1, -1, -1):
        lines = _lines(reader.pages[index])
        named = [line for line in lines if wanted and wanted in _fold(line[2])]
        if not named:
            continue
        x, y, text, size = min(named, key=lambda line: line[1])
        centre = x + _text_width(text, size) / 2
        above = [ln for ln in lines if heading and heading in _fold(ln[2]) and ln[1] > y]
        top = min((ln[1] for ln in above), default=y + size + height + 6)
        room = max(top - (y + size), height * 0.6)
        box_height = min(height, room)
        bottom = y + size + (room - box_height) / 2
        box = (centre - width / 2, bottom, centre + width / 2, bottom + box_height)
        return Placement(index, _clip(box, reader.pages[index]), True)
    page = reader.pages[-1]
    page_width, page_height = float(page.mediabox.width), float(page.mediabox.height)
    left = page_width * 0.55 + (page_width * 0.45 - 20 * PT_PER_MM - width) / 2
    bottom = page_height / 3
    return Placement(len(reader.pages) - 1, (left, bottom, left + width, bottom + height), False)


def _clip(box: Box, page: Any) -> Box:
    page_width = float(page.mediabox.width)
    left, bottom, right, top = box
    shift = max(0.0, 5 - left) - max(0.0, right - (page_width - 5))
    return left + shift, bottom, right + shift, top


def _text_width(text: str, size: float) -> float:
    return 0.5 * size * len(text)


def _lines(page: Any) -> list[tuple[float, float, str, float]]:
    """Text runs of a page joined into lines: (x, y, text, font size) in page coordinates."""
    runs: list[tuple[float, float, str, float]] = []

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], _font: Any, size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[3] * cm[3]) or 1.0
        runs.append((x, y, text, size * scale))

    try:
        page.extract_text(visitor_text=visit)
    except (PyPdfError, ValueError, KeyError, TypeError):
        return []
    lines: dict[int, list[tuple[float, float, str, float]]] = {}
    for run in runs:
        lines.setdefault(round(run[1]), []).append(run)
    joined = []
    for parts in lines.values():
        parts.sort(key=lambda r: r[0])
        text = re.sub(r"\s+", " ", "".join(p[2] for p in parts)).strip()
        joined.append((parts[0][0], parts[0][1], text, max(p[3] for p in parts)))
    return joined


def seal_box(official: Box) -> Box:
    """The seal at real size, its right third over the left third of the official's image."""
    left, bottom, right, top = official
    diameter = SEAL_DIAMETER_MM * PT_PER_MM
    overlap = (right - left) / 3
    seal_right = left + overlap
    middle = (bottom + top) / 2
    return (seal_right - diameter, middle - diameter / 2, seal_right, middle + diameter / 2)


def official_placement(data: bytes) -> Placement:
    """Where the official's signature widget is in a PDF they signed (for placing the seal)."""
    placement = _official_widget(PdfReader(io.BytesIO(data), strict=False))
    if placement is None:
        raise _refuse(N_("The PDF does not carry the official's signature made here."))
    return placement


def _official_widget(reader: PdfReader) -> Placement | None:
    for index, page in enumerate(reader.pages):
        for ref in page.get("/Annots") or []:
            annotation = ref.get_object()
            parent = annotation.get("/Parent")
            name = annotation.get("/T") or (parent.get_object().get("/T") if parent else None)
            if name == OFFICIAL_FIELD and "/Rect" in annotation:
                left, bottom, right, top = (float(v) for v in annotation["/Rect"])
                return Placement(index, (left, bottom, right, top), True)
    return None


def attachment_text(number_symbol: str, moment: dt.datetime) -> str:
    """ "05/QĐ-UBND; 2026-11-26T09:15:00+07:00": the number and the signing time, Vietnam time."""
    return f"{number_symbol}; {moment.astimezone(VIETNAM).replace(microsecond=0).isoformat()}"


def text_pdf(text: str, size: float = 10) -> bytes:
    """One line of text in DejaVu Sans (every Vietnamese letter), on a page just as large."""
    measure = FPDF(unit="pt")
    measure.add_font("dejavu", fname=str(FONT_FILE))
    measure.set_font("dejavu", size=size)
    width = measure.get_string_width(text) + 2
    pdf = FPDF(unit="pt", format=(width, size * 1.4))
    pdf.set_margin(0)
    pdf.set_auto_page_break(False)
    pdf.add_font("dejavu", fname=str(FONT_FILE))
    pdf.set_font("dejavu", size=size)
    pdf.add_page()
    pdf.set_xy(0, 0)
    pdf.cell(width, size * 1.4, text, align="R")
    return bytes(pdf.output())
