"""A signed PDF opened for checking: read once, with its signatures in the order they were added
and what its DSS offers; ``PdfUnusable`` with a clear reason when it cannot be checked at all.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from cryptography import x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from core.errors import N_
from signing.crypto.pdf_contexts import Offered
from signing.crypto.pki import is_self_signed
from signing.errors import PdfUnusable

MAX_PDF_SIZE = 256 * 1024 * 1024


@dataclass(frozen=True)
class SignedPdf:
    """A PDF read once: its signatures in the order they were added and what its DSS offers."""

    sha256: str
    reader: PdfFileReader
    signatures: list[EmbeddedPdfSignature]
    dss: Offered

    def dss_roots(self) -> list[x509.Certificate]:
        """The self-signed certificates the DSS carries: to print, never to trust blindly."""
        certs = [x509.load_der_x509_certificate(der) for der in self.dss.certs]
        return [cert for cert in certs if is_self_signed(cert)]


def open_pdf(data: bytes) -> tuple[PdfFileReader, list[EmbeddedPdfSignature]]:
    """A reader over a signed, unencrypted PDF and its signatures in the order they were added;
    ``PdfUnusable`` with a clear reason otherwise."""
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise PdfUnusable(N_("The file is not a PDF."))
    if len(data) > MAX_PDF_SIZE:
        raise PdfUnusable(N_("The PDF is too large to check."))
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        encrypted = reader.encrypted
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise PdfUnusable(N_("The PDF is damaged and cannot be read.")) from exc
    if encrypted:
        raise PdfUnusable(N_("The PDF is encrypted; ask the sender for the unencrypted original."))
    try:
        signatures = sorted(reader.embedded_signatures, key=lambda s: s.signed_revision)
    except Exception as exc:  # hostile structure: unusable, never a crash
        raise PdfUnusable(N_("The PDF's signature fields cannot be read.")) from exc
    if not signatures:
        raise PdfUnusable(N_("The PDF carries no digital signature."))
    return reader, signatures


def open_signed_pdf(data: bytes) -> SignedPdf:
    """``open_pdf`` plus the raw certificates, CRLs and OCSP responses of its DSS."""
    reader, signatures = open_pdf(data)
    try:
        dss = DocumentSecurityStore.read_dss(reader) if "/DSS" in reader.root else None
        offered = Offered.of(()) if dss is None else _dss_material(dss)
    except Exception as exc:  # a DSS that does not read: the file cannot be checked offline
        raise PdfUnusable(N_("The PDF's validation data cannot be read.")) from exc
    return SignedPdf(hashlib.sha256(data).hexdigest(), reader, signatures, offered)


def _dss_material(dss: DocumentSecurityStore) -> Offered:
    return Offered.of(
        (ref.get_object().data for ref in dss.certs.values()),
        (ref.get_object().data for ref in dss.crls),
        (ref.get_object().data for ref in dss.ocsps),
    )


def is_pdf(data: bytes) -> bool:
    return data.lstrip()[:5].startswith(b"%PDF-")


def has_embedded_signature(data: bytes) -> bool:
    """A quick sniff (a PDF with a /ByteRange): route it to the PAdES check, which decides."""
    return is_pdf(data) and b"/ByteRange" in data


def dss_roots(data: bytes) -> list[x509.Certificate]:
    """The self-signed certificates a PDF's DSS carries: to print, never to trust blindly."""
    return open_signed_pdf(data).dss_roots()
