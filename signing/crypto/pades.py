"""PAdES signatures inside PDFs, made with pyHanko: the official's, then the organisation's seal.

The official signs into a signature field over the signer block with their signature image; the
seal follows as an incremental update (its image at real size over the left third of the
official's). An attachment gets only the seal, shown as text. Every signature carries the chain and
the CRL in the document security store (DSS), and an RFC 3161 timestamp when a TSA is given.
No database, no Flask: the caller passes the key (``RawSigner``), the trust material and the time.
What is drawn and where is in signing.crypto.pdf_pages.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import io
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

from asn1crypto import algos as asn1_algos
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from PIL import Image
from pyhanko.pdf_utils import content, generic, layout
from pyhanko.pdf_utils.images import PdfImage, pil_image
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as HankoSigningError
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pypdf import PdfReader

from core.errors import N_
from signing.crypto.pdf_pages import (
    ATTACHMENT_FIELD,
    OFFICIAL_FIELD,
    PT_PER_MM,
    SEAL_FIELD,
    Box,
    PdfFacts,
    Placement,
    attachment_text,
    check_signature_image,
    inspect_pdf,
    seal_box,
    text_pdf,
)
from signing.errors import InvalidSigningRequest, SigningError

T = TypeVar("T")


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

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
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


@dataclass(frozen=True)
class _EncodedImage:
    """An image XObject compressed once: its dictionary and Flate data, and its alpha mask's."""

    width: int
    height: int
    colour: tuple[dict[str, Any], bytes]
    alpha: tuple[dict[str, Any], bytes] | None


@functools.lru_cache(maxsize=16)
def _encoded(png: bytes) -> _EncodedImage:
    """Decode and compress an image once per process: the seal (600 px) takes ~20 ms to encode,
    as long as the rest of its signature; the seal and each official's image repeat unchanged."""
    with Image.open(io.BytesIO(png)) as opened:
        image = opened.convert("RGBA")
    scratch = PdfFileWriter()
    colour = pil_image(image, scratch).get_object()
    mask = colour.get("/SMask")

    def parts(stream: Any) -> tuple[dict[str, Any], bytes]:
        entries = {k: v for k, v in stream.items() if k not in ("/SMask", "/Length")}
        return entries, bytes(stream.encoded_data)

    return _EncodedImage(
        image.width, image.height, parts(colour), parts(mask.get_object()) if mask else None
    )


class _SignatureImage(PdfImage):
    """pyHanko's image content, written into each PDF from the once-compressed streams."""

    def __init__(self, png: bytes) -> None:
        self._encoded = encoded = _encoded(png)
        # The pixels are in the cached streams; PdfImage only needs the size from its image.
        size = layout.BoxConstraints(encoded.width, encoded.height)
        super().__init__(Image.new("1", (1, 1)), box=size)

    @property
    def image_ref(self) -> generic.IndirectObject:
        writer = self.writer
        assert writer is not None
        if self._image_ref is None or self._image_ref.get_pdf_handler() is not writer:
            colour_entries, colour_data = self._encoded.colour
            entries = dict(colour_entries)
            if self._encoded.alpha is not None:
                mask_entries, mask_data = self._encoded.alpha
                mask = generic.StreamObject(dict(mask_entries), encoded_data=mask_data)
                entries["/SMask"] = writer.add_object(mask)
            colour = generic.StreamObject(entries, encoded_data=colour_data)
            self._image_ref = writer.add_object(colour)
        return self._image_ref


def _image_style(png: bytes) -> StaticStampStyle:
    return StaticStampStyle(
        background=_SignatureImage(png),
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
        # pyHanko annotates whole points but takes fractions; the cast keeps both mypy setups quiet.
        box=cast(tuple[int, int, int, int], tuple(round(v, 2) for v in box)),
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
        output = run_sync(lambda: pdf_signer.sign_pdf(writer, appearance_text_params=text))
    except (HankoSigningError, PdfError, ValueError) as exc:
        raise SigningError(f"pyHanko could not sign the PDF: {exc}") from exc
    return bytes(output.getvalue())


def run_sync(call: Callable[[], T]) -> T:
    """Run ``call`` (pyHanko's synchronous API, which starts its own event loop) in this thread, or
    in a short-lived one when this thread already runs an event loop (an async server, or a test
    driving a browser), where a second loop cannot start."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _refuse_if_signed(facts: PdfFacts) -> None:
    """A PDF that already carries a signature is not ours to sign first: upload it unsigned."""
    if facts.signatures:
        raise InvalidSigningRequest(
            N_("The PDF is already signed by someone else; upload the unsigned file to sign it.")
        )


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
    _refuse_if_signed(facts)
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
    facts = inspect_pdf(data)
    if not facts.signed_only_by(official_cms):
        raise InvalidSigningRequest(
            N_(
                "The PDF must carry exactly the official's signature made here before the seal; "
                "it carries %(count)d signature(s)."
            ),
            count=len(facts.signatures),
        )
    official = facts.official
    if official is None:
        raise InvalidSigningRequest(
            N_("The PDF does not carry the official's signature made here.")
        )
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
    _refuse_if_signed(facts)
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


def _text_style(text: str) -> tuple[StaticStampStyle, float, float]:
    data = text_pdf(text)
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
