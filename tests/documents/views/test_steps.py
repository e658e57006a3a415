"""The document page's stepper: only the next action offered, every other refused on the page.

Issue 14, item 7: pressing the steps in the wrong order, or submitting without a signer, gave
the full-page "Rất tiếc"; now the document page answers with the message beside the stepper.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
import sqlalchemy as sa

from documents.models import Document, IssuedNumber
from signing.models import SigningRequest
from tests.conftest import login
from tests.signing.flow_testkit import FAST_CONFIG, SEAL_PIN, Office, build_office

CONFIRM = {"confirm": "yes"}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {**FAST_CONFIG, "SOFFICE": "/nonexistent/soffice"}


@pytest.fixture
def office(app: Any, db: Any, make: Any) -> Office:
    return build_office(app, db, make)


def inline(response: Any, status: int, message: str) -> str:
    """The document page (not the error page) with ``message`` beside the stepper."""
    page = response.get_data(as_text=True)
    assert response.status_code == status, page
    assert 'data-testid="error-message"' not in page  # not the full-page error
    assert 'data-testid="stepper"' in page or 'data-testid="sign-preview"' in page
    assert message in page, page
    return page


def uploaded_draft(client: Any, office: Office, pdf: bytes) -> Document:
    document = office.draft()
    login(client, office.clerk)
    upload = client.post(
        f"/documents/{document.id}/versions",
        data={"file": (io.BytesIO(pdf), "cv.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    return document


def test_submitting_before_the_number_is_refused_on_the_page(client, db, office, pdf_of):
    document = uploaded_draft(client, office, pdf_of("Du thao"))
    response = client.post(f"/signing/documents/{document.id}/submit", data={})
    inline(response, 409, "Hãy cấp số trước.")
    assert db.scalars(sa.select(SigningRequest)).all() == []
    assert db.scalars(sa.select(IssuedNumber)).all() == []  # nothing reserved half-way


def test_submitting_without_a_signer_is_refused_on_the_page(client, db, office):
    document = office.draft(signer_id=None)
    login(client, office.clerk)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="submit-for-signing"' not in page
    assert 'data-testid="choose-signer"' in page
    response = client.post(f"/signing/documents/{document.id}/submit", data={})
    inline(response, 409, "Hãy chọn lãnh đạo ký văn bản trước khi trình ký.")
    assert db.scalars(sa.select(SigningRequest)).all() == []


def test_a_draft_without_a_signer_gets_one_on_its_page(client, db, office):
    """The page offered no way out of "choose the signer": now the stepper asks for one."""
    document = office.draft(signer_id=None)
    login(client, office.clerk)
    url = f"/documents/{document.id}/signer"
    inline(client.post(url, data={}), 400, "Hãy chọn lãnh đạo ký văn bản.")
    not_official = client.post(url, data={"signer_id": str(office.auditor.id)})
    inline(not_official, 400, "Chỉ lãnh đạo mới được ký văn bản.")
    inline(client.post(url, data={"signer_id": "999999"}), 400, "")
    db.refresh(document)
    assert document.signer_id is None  # nothing stored by a refused choice

    login(client, office.other_clerk)  # another unit's clerk may not
    assert client.post(url, data={"signer_id": str(office.vice.id)}).status_code in (403, 404)
    login(client, office.clerk)
    assert client.post(url, data={"signer_id": str(office.vice.id)}).status_code == 302
    db.refresh(document)
    assert (document.signer_id, document.signer_name) == (office.vice.id, office.vice.full_name)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="choose-signer"' not in page
    assert 'data-testid="submit-for-signing"' in page
    again = client.post(url, data={"signer_id": str(office.chairman.id)})
    inline(again, 409, "")
    db.refresh(document)
    assert document.signer_id == office.vice.id


def test_the_number_needs_its_confirmation_and_is_reserved_once(client, db, office, pdf_of):
    document = uploaded_draft(client, office, pdf_of("Du thao"))
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'aria-current="step"' in page and 'data-testid="reserve-number"' in page
    assert 'data-testid="submit-for-signing"' not in page  # not yet
    assert "window.confirm" not in page

    unconfirmed = client.post(f"/signing/documents/{document.id}/reserve", data={})
    inline(unconfirmed, 400, "Hãy đánh dấu xác nhận")
    assert db.scalars(sa.select(IssuedNumber)).all() == []

    assert client.post(f"/signing/documents/{document.id}/reserve", data=CONFIRM).status_code == 302
    again = client.post(f"/signing/documents/{document.id}/reserve", data=CONFIRM)
    inline(again, 409, "Hãy tải lên bản cuối")
    assert len(db.scalars(sa.select(IssuedNumber)).all()) == 1


def test_the_seal_and_sending_wait_for_their_turn_and_confirmation(client, db, office):
    document = office.draft()
    login(client, office.clerk)
    early = client.post(f"/documents/{document.id}/circulate", data={**CONFIRM, "users": ["1"]})
    inline(early, 409, "Hãy cấp số trước")

    request = office.submit(document)
    office.sign(request)
    login(client, office.clerk)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert f'href="/signing/requests/{request.id}" data-testid="go-seal"' in page
    seal = {"pin": SEAL_PIN, "sha256": request.sha256}
    inline(client.post(f"/signing/requests/{request.id}/seal", data=seal), 400, "Hãy đánh dấu")
    db.refresh(request)
    assert request.state.value == "awaiting_seal"
    sealed = client.post(f"/signing/requests/{request.id}/seal", data={**seal, **CONFIRM})
    assert sealed.status_code == 302

    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="circulate"' in page and 'data-testid="go-seal"' not in page
    to = {"users": [str(office.outsider.id)]}
    inline(client.post(f"/documents/{document.id}/circulate", data=to), 400, "Hãy đánh dấu")
    sent = client.post(f"/documents/{document.id}/circulate", data={**to, **CONFIRM})
    assert sent.status_code == 302


def test_a_denial_keeps_its_own_answer(client, office, pdf_of):
    document = uploaded_draft(client, office, pdf_of("Du thao"))
    login(client, office.other_clerk)
    response = client.post(f"/signing/documents/{document.id}/reserve", data=CONFIRM)
    assert response.status_code in (403, 404)
    assert 'data-testid="stepper"' not in response.get_data(as_text=True)


def test_bad_input_to_a_secondary_action_is_shown_on_the_page_too(client, db, office):
    document = office.draft()
    login(client, office.clerk)
    assert client.post(f"/signing/documents/{document.id}/reserve", data=CONFIRM).status_code == 302
    response = client.post(f"/documents/{document.id}/void-number", data={"reason": " "})
    inline(response, 400, "Hãy ghi lý do hủy số.")
    db.refresh(document)
    assert document.number_symbol is not None  # nothing changed


def test_submitting_a_template_numbers_it_so_it_needs_the_confirmation(client, db, office):
    document = office.draft()
    login(client, office.clerk)
    unconfirmed = client.post(f"/signing/documents/{document.id}/submit", data={})
    inline(unconfirmed, 400, "Hãy đánh dấu xác nhận")
    assert db.scalars(sa.select(IssuedNumber)).all() == []
    submitted = client.post(f"/signing/documents/{document.id}/submit", data=CONFIRM)
    assert submitted.status_code == 302
    assert len(db.scalars(sa.select(SigningRequest)).all()) == 1
