"""Search: without diacritics, within what the person may open, through the file's text."""

from __future__ import annotations

import pytest

from core.storage import StagedBlobs
from documents import circulation, drafting, search
from documents.decree30 import Confidentiality
from tests.documents.office_testkit import build_people, draft, issued
from tests.factories import documents_settings


@pytest.fixture
def office(make):
    return build_people(make)


def test_search_ignores_diacritics_and_respects_access(db, blobs, office):
    _, home, _, people = office
    open_doc = issued(db, blobs, people["clerk"], subject="Đẩy mạnh cải cách hành chính")
    secret = issued(
        db,
        blobs,
        people["clerk"],
        subject="Cải cách hành chính (mật)",
        confidentiality=Confidentiality.MAT,
        named_user_ids=[people["chairman"].id],
    )
    issued(db, blobs, people["clerk"], subject="Kế hoạch tài chính")
    assert [d.id for d in search.search(db, people["auditor"], "cai cach hanh chinh")] == [
        open_doc.id
    ]
    chairman_hits = {d.id for d in search.search(db, people["chairman"], "CẢI CÁCH")}
    assert chairman_hits == {open_doc.id, secret.id}
    assert search.search(db, people["outsider"], "cai cach") == []
    circulation.circulate(db, people["clerk"], open_doc, unit_ids=[home.id])
    db.commit()
    assert [d.id for d in search.search(db, people["home_a"], "cai cach")] == [open_doc.id]
    # FTS syntax in the query is neutralised, never an SQL error, never a wider result.
    assert [d.id for d in search.search(db, people["home_a"], 'cai" OR *')] == [open_doc.id]
    assert search.search(db, people["home_a"], 'NEAR( " * : -') == []


def test_search_finds_words_from_the_file_text(db, blobs, office, pdf_of):
    _, _, _, people = office
    document = draft(db, blobs, people["clerk"], subject="Công văn số hóa")
    with StagedBlobs(blobs) as staged:
        drafting.upload_version(
            db,
            staged,
            people["clerk"],
            document,
            pdf_of("Chuyen doi so toan dien tai Hau Giang"),
            "cv.pdf",
            documents_settings(),
        )
        db.commit()
    assert [d.id for d in search.search(db, people["clerk"], "toàn diện")] == [document.id]
