"""Benchmark: a 20-page PDF signed by the official and sealed (PAdES) through the services, against
pyHanko alone doing the same two signatures with the same keys, in the same run.

Ours: signing.flow.sign + signing.sealing.seal (PIN unlock, signer block search, input checks,
pyHanko, DSS with chain and CRL, self-validation of each signature, blobs, rows, audit events).
pyHanko alone: the same two signatures with the keys already decrypted, the same images, fields and
validation data, no checks and no storage. The PIN's PBKDF2 cost is a deliberate brake on guessing,
not signing work: it runs with --kdf-rounds (default 1000) and its default-rounds cost per unlock
is reported beside the figure. --clock cpu times both sides in process CPU time instead of wall
time: on a shared machine the wall clock mostly measures the neighbours.
"""

from __future__ import annotations

import io
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from _setup import arguments, fresh_app, report
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from fpdf import FPDF
from PIL import Image, ImageDraw
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from sqlalchemy.orm import Session

from accounts.models import Role, Unit, UnitKind, User, UserRole
from core.db import get_engine
from core.storage import StagedBlobs, blob_store
from documents import drafting
from documents.decree30 import DocType
from signing import credentials, flow, issuance, keys, pdf_signing, sealing
from signing.crypto import pdf_pages
from signing.settings import from_config
from signing.trust import trust_material

TODAY = date(2026, 11, 26)
OFFICIAL_PIN, SEAL_PIN = "730164", "482915"
ROOT_PASSPHRASE = "bench root passphrase"  # noqa: S105 - a throw-away CA of a temporary database
SIGNER = "Lê Văn Chủ"


def signature_png() -> bytes:
    image = Image.new("RGBA", (420, 160), (0, 0, 0, 0))
    ImageDraw.Draw(image).line(
        [(20, 120), (90, 30), (140, 130), (210, 40), (400, 60)], fill=(27, 63, 160, 255), width=7
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def twenty_pages(number: str) -> bytes:
    pdf = FPDF(format="A4", unit="mm")
    pdf.add_font("dejavu", fname=str(pdf_pages.FONT_FILE))
    pdf.set_font("dejavu", size=13)
    for page in range(1, 21):
        pdf.add_page()
        if page == 1:
            pdf.cell(0, 6, f"Số: {number}", new_x="LMARGIN", new_y="NEXT")
        for line in range(30):
            pdf.cell(0, 7, f"Điều {page}.{line + 1}. Nội dung của văn bản hành chính.",
                     new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    for text in ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "", "", "", SIGNER):
        pdf.set_x(110)
        pdf.cell(80, 7, text, align="C", new_x="LEFT", new_y="NEXT")
    return bytes(pdf.output())


def _office(session: Session) -> tuple[User, User]:
    unit = Unit(
        code="CT", name="UBND thành phố Cần Thơ", abbreviation="UBND", kind=UnitKind.PROVINCE
    )
    clerk = User(username="vanthu", full_name="Văn Thư", title="Văn thư", unit=unit)
    clerk.role_rows = [UserRole(role=Role.CLERK)]
    chairman = User(username="chutich", full_name=SIGNER, title="Chủ tịch", unit=unit)
    chairman.role_rows = [UserRole(role=Role.OFFICIAL)]
    session.add_all([clerk, chairman])
    session.commit()
    return clerk, chairman


def _style(png: bytes) -> StaticStampStyle:
    with Image.open(io.BytesIO(png)) as image:
        background = PdfImage(image.convert("RGBA"))
    return StaticStampStyle(
        background=background,
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
        ),
    )


def _asn1(cert: Any) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def pyhanko_alone(data: bytes, credentials_: list[tuple[Any, Any, list[Any]]], context: Any,
                  images: list[bytes], boxes: list[Any], page: int) -> bytes:  # fmt: skip
    """Both signatures with plain pyHanko: SimpleSigner, the same fields, images and DSS."""
    for n, ((cert, key, chain), png, box) in enumerate(
        zip(credentials_, images, boxes, strict=True)
    ):
        der = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        signer = signers.SimpleSigner(
            signing_cert=_asn1(cert),
            signing_key=asn1_keys.PrivateKeyInfo.load(der),
            cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in chain]),
        )
        name = f"Field{n}"
        metadata = signers.PdfSignatureMetadata(
            field_name=name, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            embed_validation_info=True, validation_context=context,
            signer_key_usage={"non_repudiation"},
        )  # fmt: skip
        pdf_signer = signers.PdfSigner(
            metadata, signer, stamp_style=_style(png),
            new_field_spec=fields.SigFieldSpec(name, on_page=page, box=box),
        )  # fmt: skip
        data = pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data))).getvalue()
    return data


def main() -> None:
    args = arguments(__doc__ or "", iterations=5, kdf_rounds=1000, clock="wall")
    # What both sides are timed with: the wall clock, or this process's CPU time.
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    os.environ["VANTHU_SIGNING_KDF_ROUNDS"] = str(args.kdf_rounds)
    app = fresh_app(args.database_url)
    session = Session(get_engine(app), expire_on_commit=False)
    clerk, chairman = _office(session)
    settings = from_config(app.config)
    issuance.init_pki(session, settings, root_passphrase=ROOT_PASSPHRASE, seal_pin=SEAL_PIN)
    issuance.issue_official(session, settings, chairman, OFFICIAL_PIN, actor=None)
    png = signature_png()
    pdf_signing.set_signature_image(session, chairman, png)
    session.commit()
    blobs = blob_store(app)
    upload = drafting.Settings(place="Cần Thơ", max_upload_bytes=8 << 20)
    ours, alone = [], []
    for n in range(args.iterations):
        with StagedBlobs(blobs) as staged:
            document = drafting.create_draft(
                session, staged, clerk,
                drafting.DraftData(doc_type=DocType.CONG_VAN, subject=f"Công văn thử {n}",
                                   content="Thử nghiệm.", signer_id=chairman.id,
                                   signer_title="Chủ tịch", drafter_abbr="VP"),
                upload,
            )  # fmt: skip
            data = twenty_pages(flow.reserve(session, clerk, document, TODAY))
            drafting.upload_version(session, staged, clerk, document, data, "cv.pdf", upload)
            request = flow.submit(session, staged, clerk, document, [chairman.id], today=TODAY)
            session.commit()
            start = clock()
            flow.sign(session, staged, settings, chairman, request, OFFICIAL_PIN, request.sha256)
            sealing.seal(
                session, staged, settings, clerk, request, SEAL_PIN, request.sha256, today=TODAY
            )
            session.commit()
            ours.append(clock() - start)
        alone.append(_alone(session, settings, chairman, data, png, clock))
    value, baseline = statistics.median(ours), statistics.median(alone)
    blob = keys.encrypt_private_key(keys.generate_signing_key(), OFFICIAL_PIN)
    start = time.perf_counter()
    keys.decrypt_private_key(blob, OFFICIAL_PIN)
    report(
        "sign_pdf", value, "s", baseline, value / baseline,
        iterations=args.iterations, pages=20, kdf_rounds=args.kdf_rounds, clock=args.clock,
        default_kdf_s_per_unlock=round(time.perf_counter() - start, 3),
    )  # fmt: skip


def _alone(
    session: Session,
    settings: Any,
    chairman: User,
    data: bytes,
    png: bytes,
    clock: Callable[[], float],
) -> float:
    """pyHanko alone on the same keys (decrypted before the clock starts) and the same PDF."""
    moment = datetime.now(UTC)
    official = credentials.official_certificate(session, chairman, moment)
    seal = credentials.seal_certificate(session, moment)
    keys_ = [
        credentials.unlock(session, settings, official, OFFICIAL_PIN, actor=None),
        credentials.unlock(session, settings, seal, SEAL_PIN, actor=None),
    ]
    material = trust_material(session, settings)
    context = ValidationContext(
        trust_roots=[_asn1(c) for c in material.roots],
        other_certs=[_asn1(c) for c in material.intermediates],
        crls=[c.public_bytes(Encoding.DER) for c in material.crls],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    placement = pdf_pages.locate_signer_block(data, SIGNER, "CHỦ TỊCH")
    box = tuple(round(v) for v in placement.box)
    seal_box = tuple(round(v) for v in pdf_pages.seal_box(placement.box))
    creds = [(k.certificate, k._key, list(k.chain)) for k in keys_]
    seal_png = pdf_signing.seal_image(settings)
    start = clock()
    pyhanko_alone(data, creds, context, [png, seal_png], [box, seal_box], placement.page)
    elapsed = clock() - start
    session.rollback()
    return elapsed


if __name__ == "__main__":
    main()
