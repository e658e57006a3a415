"""Helpers for the PAdES tests: PDFs with a Decree 30 signer block, signature images, pdfsig.

PDFs are made with fpdf2 and DejaVu Sans (Vietnamese text in the text layer, as LibreOffice makes).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from fpdf import FPDF
from PIL import Image, ImageDraw
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing.crypto import pki
from signing.crypto.pdf_pages import FONT_FILE
from signing.crypto.pki import CertificateAuthority

SIGNER_NAME = "Lê Văn Chủ"
SIGNER_TITLE = "CHỦ TỊCH"


def signer_block_pdf(
    number: str = "01/QĐ-UBND",
    *,
    pages: int = 1,
    name: str = SIGNER_NAME,
    title: str = SIGNER_TITLE,
    extra: str = "",
) -> bytes:
    """An A4 decision: header with the number, body text, the signer block on the last page."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.add_font("dejavu", fname=str(FONT_FILE))
    pdf.set_font("dejavu", size=13)
    for page in range(1, pages + 1):
        pdf.add_page()
        if page == 1:
            pdf.cell(80, 6, "ỦY BAN NHÂN DÂN", align="C")
            pdf.cell(0, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x="LMARGIN",
                     new_y="NEXT")  # fmt: skip
            pdf.cell(80, 6, f"Số: {number}", align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(8)
            pdf.cell(0, 6, "QUYẾT ĐỊNH", align="C", new_x="LMARGIN", new_y="NEXT")
        for line in range(12):
            text = f"Điều {page}.{line + 1}. Nội dung trang {page} của văn bản. {extra}"
            pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_x(110)
    pdf.cell(80, 6, "TM. ỦY BAN NHÂN DÂN", align="C", new_x="LEFT", new_y="NEXT")
    pdf.cell(80, 6, title, align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(26)
    pdf.set_x(110)
    pdf.cell(80, 6, name, align="C")
    return bytes(pdf.output())


def attachment_pdf() -> bytes:
    pdf = FPDF(format="A4", unit="mm")
    pdf.add_font("dejavu", fname=str(FONT_FILE))
    pdf.set_font("dejavu", size=13)
    pdf.add_page()
    pdf.multi_cell(0, 7, "Phụ lục: Danh sách đơn vị thực hiện", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def signature_png(width: int = 400, height: int = 160, colour: str = "#1b3fa0") -> bytes:
    """A blue handwritten-looking stroke on a transparent background."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(20, height - 40), (120, 30), (180, height - 30), (260, 40), (width - 20, 70)],
              fill=colour, width=8)  # fmt: skip
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@dataclass(frozen=True)
class PdfSigEntry:
    field: str
    valid: bool
    line: str
    trusted: bool


def pdfsig(
    path: Path, *, nssdir: Path | None = None, at: dt.datetime | None = None
) -> tuple[int, list[PdfSigEntry], str]:
    """Run poppler's pdfsig; each signature's validation line says valid or not.

    No ``-no-ocsp``: poppler 22.12 then reports every certificate as "Unknown issue"; our
    certificates name no OCSP responder or AIA, so nothing is fetched.
    """
    args = ["pdfsig"]
    args += ["-nssdir", f"sql:{nssdir}"] if nssdir else ["-nocert"]
    result = subprocess.run([*args, str(path)], capture_output=True, text=True, timeout=60)
    out = result.stdout + result.stderr
    entries = []
    for block in re.split(r"\nSignature #\d+:", out)[1:]:
        field = re.search(r"Signature Field Name: (.*)", block)
        check = re.search(r"Signature Validation: (.*)", block)
        line = check.group(1).strip() if check else ""
        trusted = "Certificate Validation: Certificate is Trusted." in block
        name = field.group(1).strip() if field else ""
        entries.append(PdfSigEntry(name, line == "Signature is Valid.", line, trusted))
    return result.returncode, entries, out


def nss_db(directory: Path, roots: Sequence[x509.Certificate]) -> Path:
    """An NSS database (certutil, libnss3-tools) trusting ``roots`` for pdfsig."""
    if (directory / "cert9.db").exists():
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True,
                   capture_output=True, stdin=subprocess.DEVNULL, timeout=60)  # fmt: skip
    for n, root in enumerate(roots):
        pem = directory / f"root{n}.pem"
        pem.write_bytes(root.public_bytes(Encoding.PEM))
        add = ["certutil", "-A", "-d", f"sql:{directory}", "-n", f"root{n}", "-t", "CT,C,C"]
        subprocess.run([*add, "-i", str(pem)], check=True, capture_output=True,
                       stdin=subprocess.DEVNULL, timeout=60)  # fmt: skip
    return directory


# --- a timestamp authority on the loopback interface ---------------------------------------------


def tsa_credential(issuing: CertificateAuthority) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """A TSA certificate (critical timeStamping EKU) from the test's issuing CA (pyHanko's test
    timestamper signs with RSA only)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "VanThu test TSA")]))
        .issuer_name(issuing.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=300))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(issuing.private_key, hashes.SHA256())
    )
    return cert, key


class LoopbackTsa:
    """An RFC 3161 server on 127.0.0.1 answering with pyHanko's test timestamper."""

    def __init__(self, issuing: CertificateAuthority) -> None:
        self.root = issuing
        cert, key = tsa_credential(issuing)
        asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
        der_key = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        self.stamper = DummyTimeStamper(
            tsa_cert=asn1_cert,
            tsa_key=asn1_keys.PrivateKeyInfo.load(der_key),
            certs_to_embed=SimpleCertificateStore.from_certs(
                [
                    asn1_cert,
                    asn1_x509.Certificate.load(issuing.certificate.public_bytes(Encoding.DER)),
                ]
            ),
        )
        self.requests = 0
        stamper, outer = self.stamper, self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                outer.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @classmethod
    def with_own_root(cls) -> LoopbackTsa:
        """A TSA under a root of its own, as a real TSA is (trust it with ``add_trusted``)."""
        return cls(pki.create_root_ca("VanThu test TSA root", "Test TSA"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/tsa"

    def __enter__(self) -> LoopbackTsa:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
