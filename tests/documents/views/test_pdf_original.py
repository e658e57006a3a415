"""The document page's "make the PDF original", and what the page says without LibreOffice."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.config import from_environment
from documents.models import DocumentVersion
from tests.conftest import login
from tests.documents.pages_testkit import build_office, create_draft, last_document


@pytest.fixture
def app_config():
    """Jobs run at once, inside the request, as the other job tests do."""
    return {"JOBS_IMMEDIATE": True}


@pytest.fixture
def office(make):
    return build_office(make)


def _reserved_draft(client, db, office, **fields):
    login(client, office["clerk"])
    assert create_draft(client, **fields).status_code == 302
    document = last_document(db)
    assert client.post(f"/signing/documents/{document.id}/reserve").status_code == 302
    db.refresh(document)
    return document


def _versions(db):
    return db.scalars(sa.select(DocumentVersion.kind).order_by(DocumentVersion.id)).all()


def test_clerk_makes_the_pdf_original_of_a_cong_van(client, db, office):
    document = _reserved_draft(
        client,
        db,
        office,
        addressees="Sở Nội vụ\nSở Tài chính",
        signer_authority="TM. KT.",
        signer_collective="Ủy ban nhân dân",
        signer_on_behalf_of="Chủ tịch",
        signer_title="Phó Chủ tịch",
    )
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="pdf-original"' in page
    assert "TM. ỦY BAN NHÂN DÂN, KT. CHỦ TỊCH, PHÓ CHỦ TỊCH" in page
    assert "Sở Tài chính" in page
    response = client.post(f"/documents/{document.id}/pdf-original")
    assert response.status_code == 302
    db.refresh(document)
    version = document.latest_version
    assert version is not None and version.kind == "pdf"
    assert document.number_symbol in version.text and "Kính gửi:" in version.text
    assert "V/v cải cách hành chính" in version.text


def test_without_libreoffice_the_page_says_so_and_nothing_is_stored(app, client, db, office):
    app.config["SOFFICE"] = "/nonexistent/soffice"
    document = _reserved_draft(client, db, office)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="no-converter"' in page and 'data-testid="pdf-original"' not in page
    before = _versions(db)
    response = client.post(f"/documents/{document.id}/pdf-original")
    assert response.status_code == 503
    assert "LibreOffice" in response.get_data(as_text=True)
    assert _versions(db) == before


@pytest.mark.parametrize("who", ["chairman", "home_clerk", "reader"])
def test_only_the_issuing_units_clerk_makes_it(client, db, office, who):
    document = _reserved_draft(client, db, office)
    before = _versions(db)
    login(client, office[who])
    assert client.post(f"/documents/{document.id}/pdf-original").status_code in (403, 404)
    assert _versions(db) == before


def test_a_cong_van_without_its_drafting_unit_is_refused(client, db, office):
    login(client, office["clerk"])
    response = create_draft(client, drafter_abbr="")
    assert response.status_code == 400
    assert "12/UBND-VP" in response.get_data(as_text=True)


def test_conversion_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VANTHU_SOFFICE", "/opt/libreoffice/program/soffice")
    monkeypatch.setenv("VANTHU_CONVERT_TIMEOUT_SECONDS", "30")
    monkeypatch.setenv("VANTHU_SECRET_KEY", "x" * 48)
    config = from_environment(tmp_path)
    assert config["SOFFICE"] == "/opt/libreoffice/program/soffice"
    assert config["CONVERT_TIMEOUT_SECONDS"] == 30
