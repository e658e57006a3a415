"""Benchmark: signing and bulk verification through the services, against raw `cryptography` calls.

sign_service_1mb: official + seal over a 1 MB PDF via signing.flow (PIN unlock with 600 000 PBKDF2
rounds, blob read, CMS, self-check, rows, audit events). verify_service_bulk: a bulk job.
"""

from __future__ import annotations

import hashlib
import io
import os
import statistics
import time
from datetime import date
from typing import Any

from _setup import arguments, fresh_app, report
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from accounts.models import Role, Unit, UnitKind, User, UserRole
from core.db import get_engine
from core.jobs import Job, JobState
from core.storage import StagedBlobs, blob_store
from documents import drafting
from documents.decree30 import DocType
from signing import flow, issuance, jobs, keys, pdf_signing, sealing
from signing.settings import from_config

TODAY = date(2026, 11, 26)
OFFICIAL_PIN, SEAL_PIN = "730164", "482915"
ROOT_PASSPHRASE = "bench root passphrase"  # noqa: S105 - a throw-away CA of a temporary database


def _office(session: Session) -> tuple[User, User]:
    unit = Unit(
        code="CT", name="UBND thành phố Cần Thơ", abbreviation="UBND", kind=UnitKind.PROVINCE
    )
    clerk = User(username="vanthu", full_name="Văn Thư", title="Văn thư", unit=unit)
    clerk.role_rows = [UserRole(role=Role.CLERK)]
    chairman = User(username="chutich", full_name="Lê Văn Chủ", title="Chủ tịch", unit=unit)
    chairman.role_rows = [UserRole(role=Role.OFFICIAL)]
    session.add_all([clerk, chairman])
    session.commit()
    return clerk, chairman


def _setup(rounds: int) -> tuple[Any, Session, User, User]:
    os.environ["VANTHU_SIGNING_KDF_ROUNDS"] = str(rounds)
    app = fresh_app(None)
    session = Session(get_engine(app), expire_on_commit=False)
    clerk, chairman = _office(session)
    settings = from_config(app.config)
    issuance.init_pki(session, settings, root_passphrase=ROOT_PASSPHRASE, seal_pin=SEAL_PIN)
    issuance.issue_official(session, settings, chairman, OFFICIAL_PIN, actor=None)
    # A PDF is signed inside the file (PAdES), with the official's signature image.
    pdf_signing.set_signature_image(session, chairman, _signature_png())
    session.commit()
    return app, session, clerk, chairman


def _signature_png() -> bytes:
    image = Image.new("RGBA", (400, 150), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(20, 120), (150, 30), (380, 90)], fill=(27, 63, 160, 255), width=6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _draft(session: Session, staged: StagedBlobs, clerk: User, chairman: User, n: int) -> Any:
    data = drafting.DraftData(
        doc_type=DocType.QUYET_DINH,
        subject=f"Quyết định thử số {n}",
        content="Điều 1. Thử nghiệm hiệu năng ký số.",
        signer_id=chairman.id,
        signer_title="Chủ tịch",
    )
    settings = drafting.Settings(place="Cần Thơ", max_upload_bytes=8 << 20)
    return drafting.create_draft(session, staged, clerk, data, settings)


def _one_megabyte_pdf(number_symbol: str) -> bytes:
    """A one-page PDF showing the number, with an embedded 1 MB binary stream (as images are)."""
    text = f"So {number_symbol.replace('Đ', 'D')} Quyet dinh".encode("ascii")
    content = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text
    blob = os.urandom(1024 * 1024)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(blob), blob),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def sign_phase(iterations: int) -> None:
    app, session, clerk, chairman = _setup(keys.DEFAULT_KDF_ROUNDS)
    settings = from_config(app.config)
    blobs = blob_store(app)
    ours, raw = [], []
    upload = drafting.Settings(place="Cần Thơ", max_upload_bytes=8 << 20)
    for n in range(iterations):
        with StagedBlobs(blobs) as staged:
            document = _draft(session, staged, clerk, chairman, n)
            number = flow.reserve(session, clerk, document, TODAY)
            data = _one_megabyte_pdf(number)
            drafting.upload_version(session, staged, clerk, document, data, "qd.pdf", upload)
            request = flow.submit(session, staged, clerk, document, [chairman.id], today=TODAY)
            session.commit()
            start = time.perf_counter()
            flow.sign(session, blobs, settings, chairman, request, OFFICIAL_PIN, request.sha256)
            sealing.seal(
                session, staged, settings, clerk, request, SEAL_PIN, request.sha256, today=TODAY
            )
            session.commit()
            ours.append((time.perf_counter() - start) * 1000)
        raw.append(_raw_sign_ms(data))
    blob = keys.encrypt_private_key(keys.generate_signing_key(), OFFICIAL_PIN)
    start = time.perf_counter()
    keys.decrypt_private_key(blob, OFFICIAL_PIN)
    kdf_ms = (time.perf_counter() - start) * 1000
    value, baseline = statistics.median(ours), statistics.median(raw)
    report(
        "sign_service_1mb",
        value,
        "ms",
        baseline,
        value / baseline,
        kdf_ms_per_unlock=round(kdf_ms, 1),
        without_two_unlocks_ms=round(value - 2 * kdf_ms, 1),
        iterations=iterations,
    )


def _raw_sign_ms(data: bytes) -> float:
    """Hash once, sign twice with P-256 keys: the cryptographic floor of official + seal."""
    first, second = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    prehashed = ec.ECDSA(utils.Prehashed(hashes.SHA256()))
    start = time.perf_counter()
    digest = hashlib.sha256(data).digest()
    first.sign(digest, prehashed)
    second.sign(digest, prehashed)
    return (time.perf_counter() - start) * 1000


def verify_phase(count: int) -> None:
    app, session, clerk, chairman = _setup(1000)  # KDF cost does not matter for verification
    settings = from_config(app.config)
    blobs = blob_store(app)
    for n in range(count):
        with StagedBlobs(blobs) as staged:
            document = _draft(session, staged, clerk, chairman, n)
            request = flow.submit(session, staged, clerk, document, [chairman.id], today=TODAY)
            flow.sign(session, blobs, settings, chairman, request, OFFICIAL_PIN, request.sha256)
            sealing.seal(
                session, staged, settings, clerk, request, SEAL_PIN, request.sha256, today=TODAY
            )
            session.commit()
    payload = jobs.job_payload(date(2026, 1, 1), date(2030, 12, 31))
    job = Job(kind=jobs.KIND, owner_id=clerk.id, state=JobState.RUNNING, payload=payload)
    session.add(job)
    session.commit()

    def progress(done: int, total: int, tallies: object) -> None:
        session.commit()  # as a worker's progress report does

    start = time.perf_counter()
    tallies = jobs.verify_range(session, blobs, settings, job.id, progress)
    session.commit()
    elapsed = time.perf_counter() - start
    assert tallies["passed"] == count, tallies
    key = ec.generate_private_key(ec.SECP256R1())
    algorithm = ec.ECDSA(hashes.SHA256())
    pairs = [(m, key.sign(m, algorithm)) for m in (os.urandom(100) for _ in range(2 * count))]
    start = time.perf_counter()
    for message, signature in pairs:
        key.public_key().verify(signature, message, algorithm)
    baseline = count / (time.perf_counter() - start)
    value = count / elapsed
    report("verify_service_bulk", value, "documents/s", baseline, value / baseline, count=count)


def main() -> None:
    args = arguments(__doc__ or "", iterations=5, count=300)
    sign_phase(args.iterations)
    verify_phase(args.count)


if __name__ == "__main__":
    main()
