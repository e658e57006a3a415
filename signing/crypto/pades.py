"""PAdES signatures inside PDF files, made with pyHanko: the official's, then the organisation's seal.

The official signs into a signature field over the signer block with their signature image; the
seal follows as an incremental update (its image at real size over the left third of the
official's). An attachment gets only the seal, shown as text. Every signature carries the chain and
the CRL in the document security store (DSS), and an RFC 3161 timestamp when a TSA is given.
No database, no Flask: the caller passes the key (``RawSigner``), the trust material and the time.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from asn1crypto import algos as asn1_algos
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError
from pyhanko.pdf_utils import content, layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as HankoSigningError
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from core.errors import N_
from signing.errors import InvalidSigningRequest, SigningError

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


class RawSigner(Protocol):
    """A key that signs raw bytes (SHA-256; ECDSA, or RSASSA-PSS for RSA): stored key or token."""

    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def chain(self) -> Sequence[x509.Certificate]: ...

    def sign_raw(self, data: bytes) -> bytes: ...


@dataclass(frozen=True)
class Trust:
    """What the signature's validation data is built from: roots, intermediates, CRLs."""

    roots: Sequence[x509.Certificate]
    intermediates: Sequence[x509.Certificate]
    crls: Sequence[x509.CertificateRevocationList]


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
    signatures: int
    page_sizes: tuple[tuple[float, float], ...]


# --- checks on the input -------------------------------------------------------------------------


def _refuse(message: str, **data: Any) -> InvalidSigningRequest:
    return InvalidSigningRequest(message, **data)


def inspect_pdf(data: bytes) -> PdfFacts:
    """Refuse what must not be signed: unreadable, encrypted, or scripted PDFs."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise _refuse(
                N_("The PDF is encrypted or password-protected; export it again without a password.")
            )
        root = reader.trailer["/Root"]
        pages = len(reader.pages)
        sizes = tuple((float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages)
        scripted = _has_javascript(root)
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
    return PdfFacts(pages, len(_signatures(data)), sizes)


def _has_javascript(root: Any) -> bool:
    """Walk every object reachable from the catalogue for a JavaScript action or name tree."""
    seen: set[tuple[int, int]] = set()
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
                return True
            stack.extend(v for k, v in item.items() if k != "/Parent")
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return False


def _signatures(data: bytes) -> list[Any]:
    try:
        return list(PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures)
    except (PdfError, ValueError, KeyError) as exc:
        raise _refuse(N_("The file is not a readable PDF.")) from exc


def signature_containers(data: bytes) -> list[bytes]:
    """The CMS SignedData of each signature in the PDF, in signing order."""
    return [bytes(s.pkcs7_content) for s in _signatures(data)]


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
    import math

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
    inspect_pdf(data)
    reader = PdfReader(io.BytesIO(data), strict=False)
    width, height = OFFICIAL_BOX
    wanted, heading = _fold(name), _fold(title)
    for index in range(len(reader.pages) - 1, -1, -1):
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
        return Placement(index, _clip((centre - width / 2, bottom, centre + width / 2,
                                       bottom + box_height), reader.pages[index]), True)  # fmt: skip
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


# --- signing -------------------------------------------------------------------------------------


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


class _KeySigner(signers.Signer):
    """pyHanko's signer interface over our key: pyHanko builds the CMS, our key signs its bytes."""

    def __init__(self, key: RawSigner) -> None:
        certificate = key.certificate
        if isinstance(certificate.public_key(), ec.EllipticCurvePublicKey):
            mechanism = asn1_algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})
        else:
            mechanism = asn1_algos.SignedDigestAlgorithm(
                {
                    "algorithm": "rsassa_pss",
                    "parameters": {
                        "hash_algorithm": {"algorithm": "sha256"},
                        "mask_gen_algorithm": {
                            "algorithm": "mgf1",
                            "parameters": {"algorithm": "sha256"},
                        },
                        "salt_length": 32,
                    },
                }
            )
        self._key = key
        super().__init__(
            signing_cert=_asn1_cert(certificate),
            cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in key.chain]),
            signature_mechanism=mechanism,
            embed_roots=True,
        )

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if digest_algorithm != "sha256":
            raise HankoSigningError("Only SHA-256 is used.")
        return self._key.sign_raw(data)


class _TimedPdfSigner(signers.PdfSigner):
    """A PdfSigner whose signing time (CMS attribute and appearance) is the caller's moment."""

    def __init__(self, *args: Any, moment: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._moment = moment

    def init_signing_session(
        self, pdf_out: Any, existing_fields_only: bool = False
    ) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._moment
        return session


def validation_context(trust: Trust, moment: dt.datetime) -> ValidationContext:
    """Offline validation data: our roots, intermediates and CRLs, never fetched from anywhere."""
    return ValidationContext(
        trust_roots=[_asn1_cert(c) for c in trust.roots],
        other_certs=[_asn1_cert(c) for c in trust.intermediates],
        crls=[c.public_bytes(Encoding.DER) for c in trust.crls],
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=moment,
    )


def _image(png: bytes) -> PdfImage:
    with Image.open(io.BytesIO(png)) as opened:
        image = opened.convert("RGBA")
    return PdfImage(image)


def _image_style(png: bytes) -> StaticStampStyle:
    return StaticStampStyle(
        background=_image(png),
        border_width=0,
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
    )


def _sign(
    data: bytes,
    key: RawSigner,
    trust: Trust,
    *,
    field: str,
    page: int,
    box: Box,
    style: Any,
    moment: dt.datetime,
    timestamper: TimeStamper | None,
    text: dict[str, str] | None = None,
) -> bytes:
    metadata = signers.PdfSignatureMetadata(
        field_name=field,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=True,
        validation_context=validation_context(trust, moment),
        signer_key_usage={"non_repudiation"},
    )
    spec = fields.SigFieldSpec(
        sig_field_name=field,
        on_page=page,
        box=tuple(round(v, 2) for v in box),  # type: ignore[arg-type]
    )
    pdf_signer = _TimedPdfSigner(
        metadata,
        _KeySigner(key),
        timestamper=timestamper,
        stamp_style=style,
        new_field_spec=spec,
        moment=moment,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    try:
        output = pdf_signer.sign_pdf(writer, appearance_text_params=text)
    except (HankoSigningError, PdfError, ValueError) as exc:
        raise SigningError(f"pyHanko could not sign the PDF: {exc}") from exc
    return bytes(output.getvalue())


def sign_official(
    data: bytes,
    key: RawSigner,
    trust: Trust,
    *,
    image_png: bytes,
    placement: Placement,
    moment: dt.datetime,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """The official's PAdES signature on an unsigned PDF, their image on the signer block."""
    facts = inspect_pdf(data)
    if facts.signatures:
        raise _refuse(
            N_("The PDF is already signed by someone else; upload the unsigned file to sign it.")
        )
    check_signature_image(image_png)
    return _sign(
        data,
        key,
        trust,
        field=OFFICIAL_FIELD,
        page=placement.page,
        box=placement.box,
        style=_image_style(image_png),
        moment=moment,
        timestamper=timestamper,
    )


def official_placement(data: bytes) -> Placement:
    """Where the official's signature widget is in a PDF they signed (for placing the seal)."""
    reader = PdfReader(io.BytesIO(data), strict=False)
    for index, page in enumerate(reader.pages):
        for ref in page.get("/Annots") or []:
            annotation = ref.get_object()
            parent = annotation.get("/Parent")
            name = annotation.get("/T") or (parent.get_object().get("/T") if parent else None)
            if name == OFFICIAL_FIELD and "/Rect" in annotation:
                left, bottom, right, top = (float(v) for v in annotation["/Rect"])
                return Placement(index, (left, bottom, right, top), True)
    raise _refuse(N_("The PDF does not carry the official's signature made here."))


def apply_seal(
    data: bytes,
    key: RawSigner,
    trust: Trust,
    *,
    seal_png: bytes,
    official_cms: bytes,
    moment: dt.datetime,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """The seal as an incremental update over the official's signed PDF, and nothing else."""
    inspect_pdf(data)
    present = signature_containers(data)
    if present != [official_cms]:
        raise _refuse(
            N_(
                "The PDF must carry exactly the official's signature made here before the seal; "
                "it carries %(count)d signature(s)."
            ),
            count=len(present),
        )
    official = official_placement(data)
    return _sign(
        data,
        key,
        trust,
        field=SEAL_FIELD,
        page=official.page,
        box=seal_box(official.box),
        style=_image_style(seal_png),
        moment=moment,
        timestamper=timestamper,
    )


def attachment_text(number_symbol: str, moment: dt.datetime) -> str:
    """ "05/QĐ-UBND; 2026-11-26T09:15:00+07:00": the number and the signing time, Vietnam time."""
    return f"{number_symbol}; {moment.astimezone(VIETNAM).replace(microsecond=0).isoformat()}"


def seal_attachment(
    data: bytes,
    key: RawSigner,
    trust: Trust,
    *,
    number_symbol: str,
    moment: dt.datetime,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """The seal alone on an attachment, shown as 10 pt text at the top right of page 1."""
    facts = inspect_pdf(data)
    if facts.signatures:
        raise _refuse(
            N_("The PDF is already signed by someone else; upload the unsigned file to sign it.")
        )
    style, box_width, box_height = _text_style(attachment_text(number_symbol, moment))
    width, height = facts.page_sizes[0]
    right, top = width - 15 * PT_PER_MM, height - 10 * PT_PER_MM
    box = (right - box_width, top - box_height, right, top)
    return _sign(
        data,
        key,
        trust,
        field=ATTACHMENT_FIELD,
        page=0,
        box=box,
        style=style,
        moment=moment,
        timestamper=timestamper,
    )


class _PdfPageContent(content.PdfContent):
    """The first page of a PDF held in memory, drawn as a form XObject (pyHanko reads files)."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = data

    def render(self) -> bytes:
        xobject = self._ensure_writer.import_page_as_xobject(
            PdfFileReader(io.BytesIO(self._data), strict=False), page_ix=0
        )
        self.resources.xobject["/ImportedText"] = xobject
        left, bottom, right, top = xobject.get_object()["/BBox"]
        self.box = layout.BoxConstraints(width=abs(right - left), height=abs(top - bottom))
        return b"/ImportedText Do"


def _text_pdf(text: str, size: float = 10) -> bytes:
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


def _text_style(text: str) -> tuple[StaticStampStyle, float, float]:
    data = _text_pdf(text)
    page = PdfReader(io.BytesIO(data)).pages[0]
    style = StaticStampStyle(
        background=_PdfPageContent(data),
        border_width=0,
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
            inner_content_scaling=layout.InnerScaling.NO_SCALING,
        ),
    )
    return style, float(page.mediabox.width), float(page.mediabox.height)
