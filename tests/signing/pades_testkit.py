"""Helpers for the PAdES tests: PDFs with a Decree 30 signer block, signature images, pdfsig.

PDFs are made with fpdf2 and DejaVu Sans (Vietnamese text in the text layer, as LibreOffice makes).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from fpdf import FPDF
from PIL import Image, ImageDraw

from signing.crypto.pades import FONT_FILE

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
            pdf.multi_cell(0, 7, f"Điều {page}.{line + 1}. Nội dung trang {page} của văn bản. {extra}",
                           new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(6)
    pdf.set_x(110)
    pdf.cell(80, 6, f"TM. ỦY BAN NHÂN DÂN", align="C", new_x="LEFT", new_y="NEXT")
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


def pdfsig(
    path: Path, *, nssdir: Path | None = None, at: dt.datetime | None = None
) -> tuple[int, list[PdfSigEntry], str]:
    """Run poppler's pdfsig; each signature's validation line says valid or not."""
    args = ["pdfsig", "-no-ocsp"]
    args += ["-nssdir", f"sql:{nssdir}"] if nssdir else ["-nocert"]
    result = subprocess.run([*args, str(path)], capture_output=True, text=True, timeout=60)
    out = result.stdout + result.stderr
    entries = []
    for block in re.split(r"\nSignature #\d+:", out)[1:]:
        field = re.search(r"Signature Field Name: (.*)", block)
        check = re.search(r"Signature Validation: (.*)", block)
        line = check.group(1).strip() if check else ""
        entries.append(PdfSigEntry(field.group(1).strip() if field else "", line == "Signature is Valid.", line))
    return result.returncode, entries, out


def nss_db(directory: Path, roots: Sequence[x509.Certificate]) -> Path:
    """An NSS database (certutil, libnss3-tools) trusting ``roots`` for pdfsig."""
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    for n, root in enumerate(roots):
        pem = directory / f"root{n}.pem"
        pem.write_bytes(root.public_bytes(Encoding.PEM))
        subprocess.run(["certutil", "-A", "-d", f"sql:{directory}", "-n", f"root{n}", "-t", "CT,C,C",
                        "-i", str(pem)], check=True, capture_output=True, timeout=60)  # fmt: skip
    return directory
