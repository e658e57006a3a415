"""Drafting: a draft laid out from the Decree 30 template."""

from __future__ import annotations

import pytest

from documents import drafting
from documents.models import Status
from tests.documents.office_testkit import build_people, draft, table_cells


@pytest.fixture
def office(make):
    return build_people(make)


def test_a_draft_is_laid_out_from_the_template(db, blobs, office):
    _, _, _, people = office
    document = draft(db, blobs, people["clerk"], subject="Về việc  dùng văn bản điện tử")
    assert document.status is Status.DRAFT and document.number is None
    version = document.versions[0]
    assert version.kind == "docx" and version.note == drafting.TEMPLATE_NOTE
    cells = table_cells(blobs.get(version.sha256))
    assert ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", ""] in cells
    # Under the number of a công văn, "V/v" stands for the "Về việc" the clerk typed: once.
    assert ["Số: .../UBND-VP", "V/v dùng văn bản điện tử"] in cells
    assert document.subject == "Về việc dùng văn bản điện tử"


def _upload(db, blobs, actor, document, data, name):
    from core.storage import StagedBlobs
    from tests.factories import documents_settings

    with StagedBlobs(blobs) as staged:
        version = drafting.upload_version(
            db, staged, actor, document, data, name, documents_settings()
        )
        db.commit()
    return version


def _stored(db, blobs):
    import sqlalchemy as sa

    from documents.models import DocumentVersion

    return db.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)), sorted(
        p.name for p in blobs.root.rglob("*") if p.is_file()
    )


def test_an_issued_document_takes_no_new_version(db, blobs, office, pdf_of):
    from documents import errors
    from tests.documents.office_testkit import issued

    clerk = office[3]["clerk"]
    document = issued(db, blobs, clerk)
    before = _stored(db, blobs)
    text = pdf_of(f"Ban sua {document.number_symbol}")
    with pytest.raises(errors.WrongState, match="correction document"):
        _upload(db, blobs, clerk, document, text, "sua.pdf")
    db.rollback()
    assert _stored(db, blobs) == before


def test_a_reserved_number_freezes_the_text(db, blobs, office, pdf_of):
    from documents import errors, numbering
    from tests.documents.office_testkit import TODAY

    clerk = office[3]["clerk"]
    document = draft(db, blobs, clerk)
    _upload(db, blobs, clerk, document, pdf_of("Du thao lan hai"), "v2.pdf")  # a draft: free
    numbering.reserve_number(db, clerk, document, TODAY)
    db.commit()
    symbol = document.number_symbol
    refused = [
        pdf_of("Du thao lan hai"),  # before the numbered text exists: it must show the number
        pdf_of(f"Ban khac so {symbol}"),  # after: it must be the numbered text itself
    ]
    for n, changed in enumerate(refused):
        if n == 1:
            _upload(db, blobs, clerk, document, pdf_of(f"Ban chinh thuc so {symbol}"), "v3.pdf")
        before = _stored(db, blobs)
        with pytest.raises(errors.WrongState, match="frozen"):
            _upload(db, blobs, clerk, document, changed, "sua.pdf")
        db.rollback()
        assert _stored(db, blobs) == before  # no row, no blob
    # The numbered text again, however laid out, is accepted (an export to another format).
    again = _upload(db, blobs, clerk, document, pdf_of(f"BAN  CHINH THUC so {symbol}"), "v4.pdf")
    assert again.number == 4
    numbering.void_number(db, clerk, document, "Sửa nội dung")
    db.commit()
    assert _upload(db, blobs, clerk, document, pdf_of("Noi dung moi"), "v5.pdf").number == 5


def test_header_prints_the_issuing_body_in_full_with_its_parent_above(db, blobs, office):
    _, home, _, people = office
    # "UBND thành phố Cần Thơ" is spelt out; no parent above a province-level city.
    cells = table_cells(blobs.get(draft(db, blobs, people["clerk"]).versions[0].sha256))
    assert cells[0] == ["ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ", ""]
    # A department prints its parent above itself; a unit's own header name wins.
    home.header_name = "Sở Nội vụ thành phố Cần Thơ"
    db.commit()
    cells = table_cells(blobs.get(draft(db, blobs, people["home_clerk"]).versions[0].sha256))
    assert cells[0] == [
        "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ",
        "SỞ NỘI VỤ THÀNH PHỐ CẦN THƠ",
        "",
    ]
