"""A drafted Word document goes for signature as its PDF original: converted by a job, then
signed inside the PDF and sealed; without LibreOffice it is signed detached, as before."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import sqlalchemy as sa

from core import jobs
from core.jobs import Job, JobState
from core.storage import StagedBlobs
from documents import originals
from documents.conversion_models import ConversionState, PdfConversion
from documents.convert import PdfConverter
from documents.models import DocumentVersion, Status
from signing import originals as signing_originals
from signing.crypto import pades
from signing.errors import InvalidSigningRequest, WrongSigningState
from signing.models import RequestState, SigningRequest
from tests.conftest import login
from tests.factories import documents_settings
from tests.signing.flow_testkit import TODAY, Office
from tests.signing.pades_testkit import nss_db, pdfsig
from tests.signing.test_pades_flow import authority_roots


def converting(office: Office) -> originals.Converting:
    """As the pages do: the app's LibreOffice (VANTHU_SOFFICE), settings and queue."""
    config = office.app.config
    converter = PdfConverter(config["SOFFICE"], float(config["CONVERT_TIMEOUT_SECONDS"]))
    enqueue = functools.partial(jobs.enqueue, app=office.app)
    return originals.Converting(converter, documents_settings(), enqueue)


def submit(office: Office, document, approvers=None):
    with StagedBlobs(office.blobs) as staged:
        outcome = signing_originals.submit_as_original(
            office.db, staged, office.clerk, document,
            [u.id for u in approvers or [office.chairman]],
            today=TODAY, converting=converting(office),
        )  # fmt: skip
        office.db.commit()
    return outcome


def request_of(office: Office, document) -> SigningRequest | None:
    office.db.expire_all()
    return office.db.scalar(
        sa.select(SigningRequest).where(SigningRequest.document_id == document.id)
    )


def _files(office: Office) -> list[str]:
    return sorted(p.name for p in Path(office.blobs.root).rglob("*") if p.is_file())


def test_a_drafted_document_is_converted_then_signed_in_the_pdf_and_sealed(office, tmp_path):
    document = office.draft()
    conversion = submit(office, document)
    assert isinstance(conversion, PdfConversion)
    office.db.refresh(conversion)
    assert conversion.state is ConversionState.DONE and conversion.pending is None
    request = request_of(office, document)
    assert request is not None and request.pades and request.version.kind == "pdf"
    assert request.version_id == conversion.version_id
    assert request.number_symbol in request.version.text
    office.sign(request)
    office.seal(request)
    office.db.refresh(request)
    assert request.state is RequestState.SEALED and document.status is Status.ISSUED
    path = tmp_path / "original.pdf"
    path.write_bytes(office.blobs.get(request.original_sha256))
    code, entries, output = pdfsig(path, nssdir=nss_db(tmp_path / "nss", authority_roots(office)))
    assert code == 0, output
    assert [e.field for e in entries] == [pades.OFFICIAL_FIELD, pades.SEAL_FIELD], output
    assert all(e.valid and e.trusted for e in entries), output


def test_without_libreoffice_the_word_file_is_signed_detached(office):
    document = office.draft()
    office.app.config["SOFFICE"] = "/nonexistent/soffice"
    request = submit(office, document)
    assert isinstance(request, SigningRequest)
    assert not request.pades and request.version.kind == "docx"
    assert office.db.scalar(sa.select(sa.func.count()).select_from(PdfConversion)) == 0


def test_a_failed_conversion_submits_nothing_and_keeps_no_file(office, tmp_path):
    document = office.draft()
    fails = tmp_path / "soffice"
    fails.write_text("#!/bin/sh\nexit 3\n")
    fails.chmod(0o755)
    before = _files(office)
    versions = office.db.scalar(sa.select(sa.func.count()).select_from(DocumentVersion))
    office.app.config["SOFFICE"] = str(fails)
    conversion = submit(office, document)
    office.db.refresh(conversion)
    assert conversion.state is ConversionState.FAILED
    assert conversion.error_code == "conversion_failed"
    assert request_of(office, document) is None
    assert office.db.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == versions
    assert _files(office) == before
    job = office.db.get(Job, conversion.job_id)
    assert job is not None and job.state is JobState.FAILED
    # The number stays reserved; the clerk can try again or upload the PDF they exported.
    office.db.refresh(document)
    assert document.number_symbol is not None


def test_refusals_come_at_once_before_any_job(office):
    document = office.draft()
    with pytest.raises(InvalidSigningRequest):
        submit(office, document, approvers=[office.clerk])
    office.db.rollback()
    assert office.db.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
    assert office.db.scalar(sa.select(sa.func.count()).select_from(PdfConversion)) == 0


def test_a_document_waiting_for_signatures_is_not_submitted_twice(office):
    document = office.draft()
    submit(office, document)
    request = request_of(office, document)
    assert request is not None
    with pytest.raises(WrongSigningState):
        submit(office, document)


def test_over_http_the_submit_page_converts_first_and_the_request_is_a_pdf_one(client, office):
    document = office.draft()
    login(client, office.clerk)
    page = client.get(f"/signing/documents/{document.id}/submit").get_data(as_text=True)
    assert 'data-testid="signed-as"' in page and "bản PDF gốc" in page
    response = client.post(f"/signing/documents/{document.id}/submit", data={"confirm": "yes"})
    assert response.status_code == 302
    request = request_of(office, document)
    assert request is not None and request.pades
    # The job ran at once here, so the clerk lands on the request, as before.
    assert response.headers["Location"].endswith(f"/signing/requests/{request.id}")
    shown = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="conversion" data-state="done"' in shown


def test_over_http_only_the_issuing_clerk_submits(client, office):
    document = office.draft()
    for who in (office.chairman, office.other_clerk, office.outsider):
        login(client, who)
        response = client.post(f"/signing/documents/{document.id}/submit", data={"confirm": "yes"})
        assert response.status_code in (403, 404)
    assert office.db.scalar(sa.select(sa.func.count()).select_from(PdfConversion)) == 0
    assert request_of(office, document) is None
