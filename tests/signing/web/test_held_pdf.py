"""The public code page matches a PDF someone holds with the document behind the code."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from signing.models import SigningRequest
from tests.conftest import login
from tests.signing import pdf_testkit as kit
from tests.signing.flow_testkit import VICE_PIN, Office
from tests.signing.test_pades_flow import pdf_draft


@pytest.fixture
def sealed(office: Office) -> SigningRequest:
    request = office.submit(pdf_draft(office))
    office.sign(request)
    office.seal(request)
    office.db.refresh(request)
    return request


def _hold(client: Any, request: SigningRequest, data: bytes, name: str = "held.pdf") -> Any:
    return client.post(
        f"/verify/{request.code}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _stored(office: Office) -> tuple[int, int]:
    events = office.db.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    blobs = sum(1 for p in Path(office.blobs.root).rglob("*") if p.is_file())
    return events or 0, blobs


def _official_stage(request: SigningRequest) -> str:
    return next(s.output_sha256 for s in request.signatures if s.role.value == "official") or ""


def test_the_sealed_original_is_the_same_document_and_its_signatures_pass(client, office, sealed):
    before = _stored(office)
    page = _hold(client, sealed, office.blobs.get(sealed.original_sha256 or ""))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-match="same"' in text
    assert 'data-testid="pdf-report"' in text and 'data-role="seal"' in text
    assert 'data-testid="held-result"' in text and 'data-status="TOTAL_PASSED"' in text
    assert 'data-basis="signing_time_claim"' in text
    assert _stored(office) == before  # an anonymous check stores nothing


def test_the_official_signed_stage_is_an_earlier_stage_not_yet_sealed(client, office, sealed):
    text = _hold(client, sealed, office.blobs.get(_official_stage(sealed))).get_data(as_text=True)
    assert 'data-match="earlier_stage"' in text
    assert 'data-status="INCOMPLETE"' in text
    assert text.count('data-testid="pdf-signature"') == 1


def test_the_unsigned_version_is_the_stage_before_any_signature(client, office, sealed):
    text = _hold(client, sealed, office.blobs.get(sealed.sha256)).get_data(as_text=True)
    assert 'data-match="earlier_stage"' in text
    assert 'data-testid="pdf-report"' not in text


def test_another_signed_pdf_does_not_match_and_is_not_checked(client, office, sealed):
    other = kit.office_signed_pdf(office)  # signed by the same people, but another document
    before = _stored(office)
    page = _hold(client, sealed, other)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-match="different"' in text
    assert 'data-testid="pdf-report"' not in text
    assert _stored(office) == before


def test_the_original_with_a_signature_appended_says_so_and_fails(client, office, sealed):
    original = office.blobs.get(sealed.original_sha256 or "")
    later = kit.sign_pdf(original, kit.office_credential(office, office.vice, VICE_PIN), "Later")
    text = _hold(client, sealed, later).get_data(as_text=True)
    assert 'data-match="appended"' in text
    assert "ORDER_VIOLATION" in text


def test_a_signed_in_check_records_the_match(client, office, sealed):
    login(client, office.auditor)
    _hold(client, sealed, kit.office_signed_pdf(office))
    event = office.db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "signing:pdf:match"))
    assert event is not None and event.details == {"match": "different"}


def test_a_file_that_is_not_a_pdf_is_a_clear_400_and_nothing_is_stored(client, office, sealed):
    before = _stored(office)
    page = _hold(client, sealed, b"PK\x03\x04 not a pdf", "held.docx")
    assert page.status_code == 400
    assert "Tệp không phải là PDF" in page.get_data(as_text=True)
    assert _stored(office) == before


def test_a_huge_upload_is_refused_with_413(app, client, office, sealed):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    page = _hold(client, sealed, b"%PDF-1.7\n" + b" " * (2 * 1024 * 1024))
    assert page.status_code == 413
    assert "MB" in page.get_data(as_text=True)
