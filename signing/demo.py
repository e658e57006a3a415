"""Demonstration signatures: the organisation CA, the chairmen's keys, the demo's công văn and
Quyết định signed and sealed (detached .p7s over their DOCX; the công văn sent to two
departments and a ward), the ward's report answering it signed, sealed and sent back to the
city, and a công văn signed and sealed inside its PDF (PAdES).

The random demo root passphrase and PINs are kept in instance/demo_signing.txt (mode 0600) only.
"""

from __future__ import annotations

import io
import os
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from fpdf import FPDF
from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from accounts.demo import organisation
from accounts.models import Unit, User
from core.clock import today_local
from core.storage import StagedBlobs, blob_store
from documents import circulation, drafting, incoming, replies
from documents.decree30 import DocType
from documents.models import Document, Status
from signing import authority, flow, issuance, pdf_signing, sealing
from signing.crypto.pdf_pages import FONT_FILE
from signing.models import Signature, SigningRequest
from signing.settings import SigningSettings, from_config

SECRETS_FILE = "demo_signing.txt"


def _pin() -> str:
    """Six random digits that pass the PIN policy."""
    while True:
        pin = f"{secrets.randbelow(10**6):06d}"
        try:
            authority.keys_pin_policy(pin)
        except Exception:  # noqa: S112 - a trivial PIN: draw again
            continue
        return pin


def load(session: Session, app: Flask) -> list[tuple[str, str, str]]:
    """Sign and seal the demo drafts once; needs the accounts and documents demo data."""
    if session.scalar(sa.select(Signature.id).limit(1)) is not None:
        return []
    clerk = session.scalar(sa.select(User).where(User.username == "vanthu"))
    chairman = session.scalar(sa.select(User).where(User.username == "chutich"))
    drafts = {
        doc_type: session.scalar(
            sa.select(Document)
            .where(Document.doc_type == doc_type, Document.status == Status.DRAFT)
            .order_by(Document.id)
            .limit(1)
        )
        for doc_type in (DocType.CONG_VAN, DocType.QUYET_DINH)
    }
    if clerk is None or chairman is None or None in drafts.values():
        return []
    if authority.issuing_record(session) is not None:
        return []  # a real CA exists: its seal PIN is not ours to know
    settings = from_config(app.config)
    root_passphrase, seal_pin, chairman_pin = secrets.token_urlsafe(24), _pin(), _pin()
    issuance.init_pki(session, settings, root_passphrase=root_passphrase, seal_pin=seal_pin)
    issuance.issue_official(session, settings, chairman, chairman_pin, actor=None)
    blobs = blob_store(app)
    org = organisation(app)
    ward_code = org.communes[0].code if org.communes else ""
    departments = list(
        session.scalars(
            sa.select(Unit.id).where(Unit.code.in_(["SNV", "STC", ward_code])).order_by(Unit.id)
        )
    )
    with StagedBlobs(blobs) as staged:
        for document in drafts.values():
            assert document is not None
            request = flow.submit(
                session, staged, clerk, document, [chairman.id], today=today_local()
            )
            flow.sign(session, blobs, settings, chairman, request, chairman_pin, request.sha256)
            sealing.seal(
                session, staged, settings, clerk, request, seal_pin, request.sha256,
                today=today_local(),
            )  # fmt: skip
        letter = drafts[DocType.CONG_VAN]
        assert letter is not None
        circulation.circulate(
            session,
            clerk,
            letter,
            unit_ids=departments,
            message="Đề nghị các đơn vị triển khai thực hiện.",
        )
        session.flush()
        pins = {"chutich_pin": chairman_pin}
        ward_pin = _ward_answers(session, app, staged, settings, letter, ward_code, seal_pin)
        if ward_pin is not None:
            pins[f"chutich.{ward_code.lower()}_pin"] = ward_pin
        _signed_pdf(session, app, staged, settings, clerk, chairman, chairman_pin, seal_pin)
        session.flush()
    _write_secrets(
        Path(app.instance_path) / SECRETS_FILE,
        {"root_passphrase": root_passphrase, "seal_pin": seal_pin, **pins},
    )
    return []


def _ward_answers(
    session: Session,
    app: Flask,
    staged: StagedBlobs,
    settings: SigningSettings,
    letter: Document,
    ward_code: str,
    seal_pin: str,
) -> str | None:
    """The ward's side of the exchange: its clerk acknowledges the city's công văn, its chairman
    signs its report, its clerk seals it, links it as the answer and sends it to the city.
    Returns the ward chairman's PIN, or None when the organisation has no ward."""
    clerk = session.scalar(sa.select(User).where(User.username == f"vanthu.{ward_code.lower()}"))
    chairman = session.scalar(
        sa.select(User).where(User.username == f"chutich.{ward_code.lower()}")
    )
    report = session.scalar(
        sa.select(Document).where(
            Document.doc_type == DocType.BAO_CAO,
            Document.status == Status.DRAFT,
            Document.unit_id == (clerk.unit_id if clerk else None),
        )
    )
    city = session.scalar(sa.select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))
    if not ward_code or clerk is None or chairman is None or report is None or city is None:
        return None
    today = today_local()
    incoming.acknowledge(session, clerk, letter, today)
    pin = _pin()
    issuance.issue_official(session, settings, chairman, pin, actor=None)
    request = flow.submit(session, staged, clerk, report, [chairman.id], today=today)
    flow.sign(session, staged.store, settings, chairman, request, pin, request.sha256)
    sealing.seal(session, staged, settings, clerk, request, seal_pin, request.sha256, today=today)
    replies.link(session, clerk, report, letter.id)
    circulation.circulate(
        session,
        clerk,
        report,
        unit_ids=[city.id],
        message="Kính gửi Văn phòng Ủy ban nhân dân thành phố tổng hợp.",
    )
    session.flush()
    return pin


def pin_lines(app: Flask) -> list[str]:
    """The demo's signing PINs, for `make run` to print beside the logins: without them nobody
    can try signing. Nothing when this instance has no demo PINs (a real CA)."""
    values = _read_secrets(app)
    lines = []
    if "chutich_pin" in values:
        lines.append(f"demo signing PIN: official chutich {values['chutich_pin']}")
    if "seal_pin" in values:
        lines.append(f"demo seal PIN: clerk vanthu {values['seal_pin']}")
    for key, value in sorted(values.items()):
        if key.startswith("chutich.") and key.endswith("_pin"):
            lines.append(f"demo signing PIN: official {key.removesuffix('_pin')} {value}")
    return lines


def _read_secrets(app: Flask) -> dict[str, str]:
    secrets_file = Path(app.instance_path) / SECRETS_FILE
    if not secrets_file.is_file():
        return {}
    return dict(line.split(" ", 1) for line in secrets_file.read_text().splitlines() if line)


def sign_and_seal(
    session: Session, app: Flask, staged: StagedBlobs, request: SigningRequest
) -> bool:
    """Sign ``request`` as the demo chairman and seal it as the demo clerk, with the demo PINs
    (for the other demo loaders, e.g. the meeting's Giấy mời). False when those PINs are not
    this instance's (a real CA), or the chairman is not the one to sign: nothing is done then."""
    values = _read_secrets(app)
    if not values:
        return False
    clerk = session.scalar(sa.select(User).where(User.username == "vanthu"))
    chairman = session.scalar(sa.select(User).where(User.username == "chutich"))
    step = request.current_step()
    if clerk is None or chairman is None or step is None or step.user_id != chairman.id:
        return False
    settings = from_config(app.config)
    flow.sign(
        session, staged.store, settings, chairman, request, values["chutich_pin"], request.sha256
    )
    sealing.seal(
        session, staged, settings, clerk, request, values["seal_pin"], request.sha256,
        today=today_local(),
    )  # fmt: skip
    return True


def _signed_pdf(
    session: Session,
    app: Flask,
    staged: StagedBlobs,
    settings: SigningSettings,
    clerk: User,
    chairman: User,
    chairman_pin: str,
    seal_pin: str,
) -> None:
    """A công văn exported to PDF after its number was reserved, signed and sealed in the PDF."""
    pdf_signing.set_signature_image(session, chairman, _signature_png())
    documents = drafting.Settings(
        place=app.config["DOCUMENT_PLACE"], max_upload_bytes=app.config["MAX_UPLOAD_MB"] << 20
    )
    letter = drafting.create_draft(
        session,
        staged,
        clerk,
        drafting.DraftData(
            doc_type=DocType.CONG_VAN,
            subject="Về việc ký số văn bản điện tử trên tệp PDF",
            content="Đề nghị các cơ quan kiểm tra chữ ký số trên bản gốc điện tử.",
            signer_id=chairman.id,
            signer_title="Chủ tịch",
            drafter_abbr="VP",
            recipients="Các sở, ban, ngành\nLưu: VT",
        ),
        documents,
    )
    number = flow.reserve(session, clerk, letter, today_local())
    pdf = _letter_pdf(app.config["ORGANISATION_NAME"], number, letter.subject, chairman.full_name)
    drafting.upload_version(session, staged, clerk, letter, pdf, "cong-van.pdf", documents)
    request = flow.submit(session, staged, clerk, letter, [chairman.id], today=today_local())
    flow.sign(session, staged, settings, chairman, request, chairman_pin, request.sha256)
    sealing.seal(
        session, staged, settings, clerk, request, seal_pin, request.sha256, today=today_local()
    )


def _letter_pdf(organisation: str, number: str, subject: str, signer: str) -> bytes:
    """The công văn as the clerk would export it: header, number, text and the signer block."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.add_font("dejavu", fname=str(FONT_FILE))
    pdf.set_font("dejavu", size=12)
    pdf.add_page()
    pdf.cell(80, 6, organisation.upper(), align="C")
    pdf.cell(0, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(80, 6, f"Số: {number}", align="C")
    pdf.cell(0, 6, "Độc lập - Tự do - Hạnh phúc", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(80, 6, f"V/v {subject[8:] if subject.startswith('Về việc ') else subject}"[:45],
             align="C", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(10)
    pdf.multi_cell(0, 7, "Kính gửi: Các sở, ban, ngành", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0, 7,
        "Đề nghị các cơ quan kiểm tra chữ ký số của người có thẩm quyền và của cơ "
        "quan trên bản gốc điện tử này bằng phần mềm đọc PDF đang dùng.",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    pdf.ln(8)
    for line in ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"):
        pdf.set_x(110)
        pdf.cell(80, 6, line, align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(26)
    pdf.set_x(110)
    pdf.cell(80, 6, signer, align="C")
    return bytes(pdf.output())


def _signature_png() -> bytes:
    """A blue flourish on a transparent background, standing in for a scanned signature."""
    image = Image.new("RGBA", (420, 160), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(20, 120), (90, 30), (140, 130), (210, 40), (260, 110), (400, 60)]
    draw.line(points, fill=(27, 63, 160, 255), width=7, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _write_secrets(path: Path, values: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.writelines(f"{key} {value}\n" for key, value in values.items())
