"""Signed PDFs on the verification pages: the auditors' upload and the public code page."""

from __future__ import annotations

import io

import sqlalchemy as sa

from audit.models import AuditEvent
from tests.conftest import login
from tests.signing import pdf_testkit as kit
from tests.signing.flow_testkit import Office


def _upload(client, data: bytes, name: str = "05-QĐ-UBND.pdf"):
    return client.post(
        "/signing/audit/bundle",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _events(db, action: str) -> int:
    return db.scalar(sa.select(sa.func.count()).where(AuditEvent.action == action))


def test_an_auditor_checks_a_signed_pdf_official_then_seal(client, office: Office, db):
    signed = kit.office_signed_pdf(office)
    login(client, office.auditor)
    page = _upload(client, signed)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="pdf-report"' in text
    assert 'data-status="TOTAL_PASSED"' in text and 'data-status="TOTAL_FAILED"' not in text
    assert text.index('data-role="official"') < text.index('data-role="seal"')
    assert 'data-modified="yes"' not in text
    assert _events(db, "signing:pdf:verify") == 1


def test_a_clerk_sees_a_pdf_changed_after_signing(client, office: Office, db):
    changed = kit.change_text(kit.office_signed_pdf(office), "05/QD", "06/QD")
    login(client, office.clerk)
    text = _upload(client, changed).get_data(as_text=True)
    assert 'data-testid="modified-after-signing"' in text
    assert "MODIFIED_AFTER_SIGNING" in text and 'data-modified="yes"' in text


def test_a_changed_byte_fails_on_the_page(client, office: Office):
    login(client, office.auditor)
    text = _upload(client, kit.flip_signed_byte(kit.office_signed_pdf(office))).get_data(True)
    assert 'data-status="TOTAL_FAILED"' in text and "HASH_FAILURE" in text


def test_an_encrypted_or_unsigned_pdf_is_a_clear_400_and_nothing_is_recorded(
    client, office: Office, db
):
    login(client, office.auditor)
    encrypted = _upload(client, kit.encrypted_pdf())
    assert encrypted.status_code == 400
    assert "mã hóa" in encrypted.get_data(as_text=True)
    unsigned = _upload(client, kit.base_pdf())
    assert unsigned.status_code == 400
    assert "chữ ký số" in unsigned.get_data(as_text=True)
    assert _events(db, "signing:pdf:verify") == 0


def test_the_pdf_check_is_refused_to_people_who_are_not_auditors_or_clerks(
    client, office: Office, db
):
    signed = kit.office_signed_pdf(office)
    login(client, office.outsider)
    assert _upload(client, signed).status_code == 403
    client.post("/logout")
    assert _upload(client, signed).status_code in (302, 401)
    assert _events(db, "signing:pdf:verify") == 0


def test_the_public_page_checks_a_held_signed_pdf_without_recording_anonymous_visits(
    client, office: Office, db
):
    _, request = office.signed_and_sealed()
    signed = kit.office_signed_pdf(office)
    page = client.post(
        f"/verify/{request.code}",
        data={"file": (io.BytesIO(signed), "held.pdf")},
        content_type="multipart/form-data",
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="pdf-report"' in text and 'data-role="seal"' in text
    assert _events(db, "signing:pdf:verify") == 0
    third = kit.sign_pdf(signed, kit.office_credential(office, office.vice, "915372"), "Later")
    text = client.post(
        f"/verify/{request.code}",
        data={"file": (io.BytesIO(third), "held.pdf")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "ORDER_VIOLATION" in text
