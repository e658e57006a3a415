"""The document page's "make the PDF original", and what the page says without LibreOffice."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.config import from_environment
from core.jobs import Job, JobState
from documents import originals
from documents.conversion_models import ConversionState, PdfConversion
from documents.models import DocumentVersion
from documents.views.blueprint import converting
from tests.conftest import login
from tests.documents.pages_testkit import CONFIRM, build_office, create_draft, last_document


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
    assert client.post(f"/signing/documents/{document.id}/reserve", data=CONFIRM).status_code == 302
    db.refresh(document)
    return document


def _versions(db):
    return db.scalars(sa.select(DocumentVersion.kind).order_by(DocumentVersion.id)).all()


def _stored(app, db):
    """The version rows and the blob files: what a failed conversion must leave as it found."""
    files = sorted(p.name for p in Path(app.config["BLOB_DIR"]).rglob("*") if p.is_file())
    return _versions(db), files


def _conversions(db):
    db.expire_all()
    return db.scalars(sa.select(PdfConversion).order_by(PdfConversion.id)).all()


def _fake_soffice(tmp_path, body):
    program = tmp_path / "soffice"
    program.write_text(f"#!/bin/sh\n{body}\n")
    program.chmod(0o755)
    return str(program)


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
    (conversion,) = _conversions(db)
    assert conversion.state is ConversionState.DONE and conversion.version_id == version.id
    assert db.get(Job, conversion.job_id).state is JobState.DONE
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="conversion" data-state="done"' in page
    assert f"Bản PDF gốc là phiên bản {version.number}" in page
    status = client.get(f"/documents/{document.id}/pdf-original/status").get_json()
    assert status["state"] == "done" and status["version"] == version.number


@pytest.mark.parametrize(
    ("script", "timeout", "code", "words"),
    [
        ("exec sleep 30", 0.5, "conversion_timed_out", "quá lâu"),
        ("exit 1", 120, "conversion_failed", "Không chuyển được"),
    ],
    ids=["hangs", "fails"],
)
def test_a_conversion_that_hangs_or_fails_stores_nothing_and_the_page_says_why(
    app, client, db, office, tmp_path, script, timeout, code, words
):
    document = _reserved_draft(client, db, office)
    before = _stored(app, db)
    app.config["SOFFICE"] = _fake_soffice(tmp_path, script)
    app.config["CONVERT_TIMEOUT_SECONDS"] = timeout
    assert client.post(f"/documents/{document.id}/pdf-original").status_code == 302
    (conversion,) = _conversions(db)
    assert conversion.state is ConversionState.FAILED and conversion.error_code == code
    assert conversion.pending is None and conversion.version_id is None
    assert _stored(app, db) == before
    assert db.get(Job, conversion.job_id).state is JobState.FAILED
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert f'data-code="{code}"' in page and words in page
    assert 'data-testid="pdf-original"' in page  # the clerk may try again


def test_libreoffice_missing_where_the_job_runs_is_said_in_words(app, client, db, office):
    """The page checked LibreOffice, but the worker's host has none."""
    document = _reserved_draft(client, db, office)
    before = _stored(app, db)
    app.config["SOFFICE"] = "/nonexistent/soffice"
    with app.test_request_context():
        found = converting()
        available = replace(found, converter=replace(found.converter, soffice="true"))
        originals.request_pdf_original(db, office["clerk"], document, available)
        db.commit()
    (conversion,) = _conversions(db)
    assert conversion.error_code == "conversion_unavailable"
    assert _stored(app, db) == before
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "LibreOffice" in page and 'data-code="conversion_unavailable"' in page


def test_two_clicks_make_one_conversion_and_one_job(app, client, db, office):
    app.config["JOBS_IMMEDIATE"] = False  # a queue without a worker: the first one waits
    document = _reserved_draft(client, db, office)
    for _ in range(2):
        assert client.post(f"/documents/{document.id}/pdf-original").status_code == 302
    (conversion,) = _conversions(db)
    assert conversion.state is ConversionState.PENDING
    assert db.scalar(sa.select(sa.func.count()).select_from(Job)) == 1
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-state="queued"' in page and "Đang chuyển sang PDF" in page
    assert 'data-testid="pdf-original"' not in page
    assert client.get(f"/documents/{document.id}/pdf-original/status").get_json()["state"] == (
        "queued"
    )
    # The database itself refuses a second waiting conversion, whoever tries.
    db.add(
        PdfConversion(
            document_id=document.id, requested_by_id=office["clerk"].id,
            state=ConversionState.PENDING, pending=True, job_kind="documents.pdf_original",
        )
    )  # fmt: skip
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


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
def test_only_the_issuing_units_clerk_makes_it_or_sees_its_progress(client, db, office, who):
    document = _reserved_draft(client, db, office)
    assert client.post(f"/documents/{document.id}/pdf-original").status_code == 302
    before = _versions(db)
    login(client, office[who])
    assert client.post(f"/documents/{document.id}/pdf-original").status_code in (403, 404)
    status = client.get(f"/documents/{document.id}/pdf-original/status")
    assert status.status_code in (403, 404)
    assert _versions(db) == before and len(_conversions(db)) == 1


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
