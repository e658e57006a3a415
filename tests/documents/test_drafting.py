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
    # Under the number of a công văn, "V/v" and the subject as the clerk typed it, spaces collapsed.
    assert ["Số: .../UBND-VP", "V/v Về việc dùng văn bản điện tử"] in cells
    assert document.subject == "Về việc dùng văn bản điện tử"
