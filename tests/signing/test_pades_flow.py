"""PDF versions through the signing flow: signed inside the file, sealed as an incremental update.

Each step's PDF is a blob recorded on its signature; the sealed PDF is the electronic original,
downloaded through documents.reading. pdfsig checks every PDF the flow produces.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from audit.models import AuditEvent
from core.storage import StagedBlobs
from documents import drafting
from documents.decree30 import DocType
from documents.models import Document, Status
from signing import flow, pdf_signing, trust
from signing.crypto import pades, pdf_pages, pki
from signing.errors import InvalidSigningRequest, NoCertificate, WrongSigningState
from signing.models import CertRole, RequestState, Signature, SignatureImage, SigningRequest
from tests.conftest import login
from tests.factories import documents_settings
from tests.signing.flow_testkit import TODAY, VICE_PIN, Office
from tests.signing.pades_testkit import (
    LoopbackTsa,
    attachment_pdf,
    nss_db,
    pdfsig,
    signature_png,
    signer_block_pdf,
)

NUMBER = "01/UBND-VP"


def pdf_draft(office: Office, data: bytes | None = None) -> Document:
    """A công văn whose number is reserved, with the final PDF showing it uploaded."""
    document = office.draft(doc_type=DocType.CONG_VAN, drafter_abbr="VP")
    assert flow.reserve(office.db, office.clerk, document, TODAY) == NUMBER
    office.db.commit()
    with StagedBlobs(office.blobs) as staged:
        drafting.upload_version(
            office.db, staged, office.clerk, document, data or signer_block_pdf(NUMBER),
            "01-UBND-VP.pdf", documents_settings(),
        )  # fmt: skip
        office.db.commit()
    return document


def _nss(office: Office, tmp_path: Path) -> Path:
    return nss_db(tmp_path / "nss", authority_roots(office))


def authority_roots(office: Office) -> list[Any]:
    return trust.trust_material(office.db, office.settings).roots


def _blob_count(office: Office) -> int:
    return sum(1 for p in Path(office.blobs.root).rglob("*") if p.is_file())


def _check(office: Office, tmp_path: Path, digest: str, fields: list[str]) -> str:
    path = tmp_path / f"{digest}.pdf"
    path.write_bytes(office.blobs.get(digest))
    code, entries, output = pdfsig(path, nssdir=_nss(office, tmp_path))
    assert code == 0, output
    assert [e.field for e in entries] == fields, output
    assert all(e.valid and e.trusted for e in entries), output
    return output


def test_a_pdf_is_signed_in_the_file_then_sealed_and_the_sealed_pdf_is_the_original(
    office, tmp_path
):
    document = pdf_draft(office)
    request = office.submit(document)
    assert request.pades and request.version.kind == "pdf"
    official = office.sign(request)
    assert official.output_sha256 and official.output_sha256 != request.sha256
    assert official.signing_time is not None
    _check(office, tmp_path, official.output_sha256, [pades.OFFICIAL_FIELD])
    unsigned = office.blobs.get(request.sha256)
    assert office.blobs.get(official.output_sha256).startswith(unsigned)  # an incremental update

    seal = office.seal(request)
    office.db.refresh(request)
    assert request.state is RequestState.SEALED and document.status is Status.ISSUED
    assert request.original_sha256 == seal.output_sha256
    sealed = office.blobs.get(request.original_sha256)
    assert sealed.startswith(office.blobs.get(official.output_sha256))
    output = _check(office, tmp_path, request.original_sha256,
                    [pades.OFFICIAL_FIELD, pades.SEAL_FIELD])  # fmt: skip
    assert "Lê Văn Chủ" in output
    # The stored signatures are the CMS inside the PDF, in order.
    assert pdf_pages.signature_containers(sealed) == [bytes(official.p7s), bytes(seal.p7s)]
    events = {
        e.action: e
        for e in office.db.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("signing:%")))
    }
    assert events["signing:seal:create"].details["original_sha256"] == request.original_sha256
    assert events["signing:signature:create"].details["output_sha256"] == official.output_sha256


def test_earlier_approvers_sign_detached_and_only_the_named_signer_signs_in_the_pdf(
    office, tmp_path
):
    request = office.submit(pdf_draft(office), [office.vice, office.chairman])
    vice = office.sign(request, office.vice, VICE_PIN)
    assert vice.output_sha256 is None
    chairman = office.sign(request)
    office.seal(request)
    office.db.refresh(request)
    assert chairman.output_sha256 is not None
    _check(office, tmp_path, request.original_sha256 or "",
           [pades.OFFICIAL_FIELD, pades.SEAL_FIELD])  # fmt: skip


def test_a_configured_tsa_timestamps_both_signatures(app, office, tmp_path):
    with LoopbackTsa.with_own_root() as tsa:
        trust.add_trusted(office.db, pki.chain_to_pem([tsa.root.certificate]), actor=None)
        office.db.commit()
        office.settings = pdf_signing_settings(office, tsa.url)
        request = office.submit(pdf_draft(office))
        office.sign(request)
        office.seal(request)
    assert tsa.requests >= 2
    office.db.refresh(request)
    sealed = office.blobs.get(request.original_sha256 or "")
    assert sealed.count(b"/ETSI.RFC3161") == 0  # signature timestamps, not document timestamps
    from pyhanko.pdf_utils.reader import PdfFileReader

    for signature in PdfFileReader(io.BytesIO(sealed)).embedded_signatures:
        unsigned = [a["type"].native for a in signature.signer_info["unsigned_attrs"]]
        assert unsigned == ["signature_time_stamp_token"]


def pdf_signing_settings(office: Office, url: str) -> Any:
    from dataclasses import replace

    return replace(office.settings, tsa_url=url)


# --- nothing half-signed -------------------------------------------------------------------------


def test_an_official_without_a_signature_image_is_told_and_nothing_is_stored(office):
    request = office.submit(pdf_draft(office))
    office.db.execute(sa.delete(SignatureImage).where(SignatureImage.user_id == office.chairman.id))
    office.db.commit()
    before = _blob_count(office)
    with pytest.raises(NoCertificate, match="signature image"):
        office.sign(request)
    office.db.rollback()
    assert _blob_count(office) == before
    assert office.db.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0
    assert office.db.get(SigningRequest, request.id).state is RequestState.PENDING


def _with_javascript(data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("1")}
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_with_javascript_is_refused_at_submission(office):
    document = pdf_draft(office, _with_javascript(signer_block_pdf(NUMBER)))
    with pytest.raises(InvalidSigningRequest, match="JavaScript"):
        office.submit(document)
    office.db.rollback()
    assert office.db.scalar(sa.select(sa.func.count()).select_from(SigningRequest)) == 0


def test_a_pdf_signed_by_someone_else_is_refused_at_submission(office, env):
    theirs = pades.Trust([env.foreign_root.certificate], env.foreign_official.chain, [])
    from signing.keys import StoredKeySigner

    data = signer_block_pdf(NUMBER)
    signed = pades.sign_official(
        data, StoredKeySigner(env.foreign_official.certificate, env.foreign_official.private_key,
                              env.foreign_official.chain),
        theirs, image_png=signature_png(), placement=pdf_pages.locate_signer_block(data, "x"),
        moment=dt.datetime.now(dt.UTC).replace(microsecond=0),
    )  # fmt: skip
    with pytest.raises(InvalidSigningRequest, match="already signed"):
        office.submit(pdf_draft(office, signed))
    office.db.rollback()
    assert office.db.scalar(sa.select(sa.func.count()).select_from(SigningRequest)) == 0


def test_no_third_signature_after_the_seal(office):
    request = office.submit(pdf_draft(office))
    office.sign(request)
    office.seal(request)
    with pytest.raises(WrongSigningState):
        office.sign(request)
    office.db.rollback()
    with pytest.raises(WrongSigningState):
        office.seal(request)
    office.db.rollback()
    roles = [s.role for s in office.db.scalars(sa.select(Signature).order_by(Signature.id))]
    assert roles == [CertRole.OFFICIAL, CertRole.SEAL]


# --- pages ---------------------------------------------------------------------------------------


def test_an_official_uploads_a_signature_image_and_bad_images_get_a_clear_400(client, office, db):
    login(client, office.chairman)
    png = signature_png(500, 200)
    saved = client.post(
        "/signing/key/image", data={"file": (io.BytesIO(png), "chu-ky.png")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert saved.status_code == 302
    db.expire_all()
    image = db.scalar(sa.select(SignatureImage).where(SignatureImage.user_id == office.chairman.id))
    assert image is not None and (image.width, image.height) == (500, 200) and image.png == png
    assert client.get("/signing/key/image.png").data == png
    assert b"signature-image-preview" in client.get("/signing/key").data

    jpeg = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (300, 100)).save(jpeg, format="JPEG")
    refused = client.post(
        "/signing/key/image", data={"file": (io.BytesIO(jpeg.getvalue()), "chu-ky.jpg")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert refused.status_code == 400
    assert "PNG" in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(SignatureImage, image.id).png == png  # the old image is kept


def test_only_officials_have_a_signature_image(client, office):
    login(client, office.clerk)
    png = signature_png()
    denied = client.post(
        "/signing/key/image", data={"file": (io.BytesIO(png), "x.png")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert denied.status_code == 403
    assert client.get("/signing/key/image.png").status_code == 403


def test_the_original_is_downloaded_through_reading_and_refused_to_outsiders(client, office, db):
    request = office.submit(pdf_draft(office))
    office.sign(request)
    login(client, office.clerk)
    assert client.get(f"/signing/requests/{request.id}/original.pdf").status_code == 404
    office.seal(request)
    response = client.get(f"/signing/requests/{request.id}/original.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == office.blobs.get(request.original_sha256 or "")
    assert 'filename="01-UBND-VP.pdf"' in response.headers["Content-Disposition"]
    page = client.get(f"/signing/requests/{request.id}").get_data(as_text=True)
    assert 'data-testid="original-pdf"' in page
    opened = db.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "documents:version:open")
        .order_by(AuditEvent.id)
    ).all()
    assert opened and opened[-1].details.get("original") == request.original_sha256

    login(client, office.outsider)
    assert client.get(f"/signing/requests/{request.id}/original.pdf").status_code in (403, 404)


def test_the_seal_image_is_the_configured_png_or_a_drawn_red_seal(office, tmp_path):
    from dataclasses import replace

    drawn = pdf_signing.seal_image(office.settings)
    assert pdf_pages.check_signature_image(drawn) == (600, 600)
    mine = signature_png(300, 300, "#d01010")
    assert pdf_signing.seal_image(replace(office.settings, seal_image=mine)) == mine


def test_a_signature_that_would_not_verify_is_never_stored(office, monkeypatch):
    from signing.keys import StoredKeySigner

    request = office.submit(pdf_draft(office))
    honest = StoredKeySigner.sign_raw
    monkeypatch.setattr(StoredKeySigner, "sign_raw", lambda self, data: honest(self, data + b"!"))
    before = _blob_count(office)
    with pytest.raises(NoCertificate, match="would not verify"):
        office.sign(request)
    office.db.rollback()
    assert _blob_count(office) == before
    assert office.db.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0


def _attach(office: Office, document: Document, data: bytes, name: str) -> Any:
    with StagedBlobs(office.blobs) as staged:
        attachment = drafting.add_attachment(
            office.db, staged, office.clerk, document, data, name, documents_settings()
        )
        office.db.commit()
    return attachment


def test_pdf_attachments_carry_the_seal_alone_as_number_and_time_text(client, office, tmp_path):
    document = pdf_draft(office)
    appendix = _attach(office, document, attachment_pdf(), "phu-luc.pdf")
    request = office.submit(document)
    office.sign(request)
    seal = office.seal(request)
    rows = pdf_signing.sealed_attachments_of(office.db, request)
    assert [r.attachment_id for r in rows] == [appendix.id]
    path = tmp_path / "phu-luc.pdf"
    path.write_bytes(office.blobs.get(rows[0].sha256))
    _, entries, output = pdfsig(path, nssdir=_nss(office, tmp_path))
    assert [e.field for e in entries] == [pades.ATTACHMENT_FIELD], output
    assert entries[0].valid and entries[0].trusted, output
    assert "Signer Certificate Common Name: UBND thành phố Cần Thơ" in output
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout  # fmt: skip
    assert pdf_pages.attachment_text(NUMBER, seal.signing_time) in text
    assert rows[0].sha256 != appendix.sha256  # the attachment's own file is kept as it was
    assert office.blobs.get(rows[0].sha256).startswith(office.blobs.get(appendix.sha256))

    login(client, office.clerk)
    url = f"/signing/requests/{request.id}/attachments/{appendix.id}.pdf"
    response = client.get(url)
    assert response.status_code == 200 and response.data == path.read_bytes()
    assert b'data-testid="sealed-attachment"' in client.get(f"/signing/requests/{request.id}").data
    login(client, office.outsider)
    assert client.get(url).status_code in (403, 404)


def test_a_scripted_attachment_stops_the_seal_and_nothing_is_stored(office):
    document = pdf_draft(office)
    _attach(office, document, _with_javascript(attachment_pdf()), "phu-luc.pdf")
    request = office.submit(document)
    office.sign(request)
    before = _blob_count(office)
    with pytest.raises(InvalidSigningRequest, match=r"phu-luc\.pdf"):
        office.seal(request)
    office.db.rollback()
    assert _blob_count(office) == before
    assert office.db.get(SigningRequest, request.id).state is RequestState.AWAITING_SEAL
    assert office.db.get(Document, document.id).status is Status.DRAFT
