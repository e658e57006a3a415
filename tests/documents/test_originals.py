"""The clerk's "make the PDF original": the final Word file becomes a PDF version."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from core.storage import StagedBlobs
from documents import errors, numbering, originals
from documents.convert import PdfConverter
from documents.models import DocumentVersion
from tests.documents.office_testkit import TODAY, build_people, draft
from tests.factories import documents_settings


@pytest.fixture
def office(make):
    return build_people(make)


def _reserved(db, blobs, clerk, **changes):
    document = draft(db, blobs, clerk, **changes)
    numbering.reserve_number(db, clerk, document, TODAY)
    db.commit()
    return document


def _make(db, blobs, clerk, document, converter):
    with StagedBlobs(blobs) as staged:
        version = originals.make_pdf_original(
            db, staged, clerk, document, converter, documents_settings()
        )
        db.commit()
    return version


def _stored(db, blobs):
    count = db.scalar(sa.select(sa.func.count()).select_from(DocumentVersion))
    return count, sorted(p.name for p in blobs.root.rglob("*") if p.is_file())


def test_the_numbered_word_file_becomes_a_pdf_version(db, blobs, office, tmp_path):
    clerk = office[3]["clerk"]
    document = _reserved(db, blobs, clerk)
    work = tmp_path / "convert"
    work.mkdir()
    version = _make(db, blobs, clerk, document, PdfConverter(work_dir=work))
    assert version.kind == "pdf" and version.note == originals.PDF_ORIGINAL_NOTE
    assert blobs.get(version.sha256).startswith(b"%PDF-")
    # The template was laid out again with the number first: v1 template, v2 numbered, v3 PDF.
    assert [v.kind for v in document.versions] == ["docx", "docx", "pdf"]
    assert document.number_symbol in version.text
    actions = db.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "documents:version:pdf_original" in actions
    assert list(work.iterdir()) == []


def test_without_a_number_there_is_no_pdf_original(db, blobs, office, tmp_path):
    clerk = office[3]["clerk"]
    document = draft(db, blobs, clerk)
    with pytest.raises(errors.WrongState, match="Reserve the number"):
        _make(db, blobs, clerk, document, PdfConverter(work_dir=tmp_path))


@pytest.mark.parametrize(
    ("converter", "error"),
    [
        (PdfConverter(soffice="/nonexistent/soffice"), errors.ConversionUnavailable),
        (PdfConverter(timeout_seconds=0.01), errors.ConversionTimedOut),
    ],
)
def test_a_conversion_that_cannot_finish_stores_nothing(db, blobs, office, converter, error):
    clerk = office[3]["clerk"]
    document = _reserved(db, blobs, clerk)
    before = _stored(db, blobs)
    with pytest.raises(error):
        _make(db, blobs, clerk, document, converter)
    db.rollback()
    assert _stored(db, blobs) == before
