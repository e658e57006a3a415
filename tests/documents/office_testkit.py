"""What the service tests share: an office of units and people, drafts and issued documents."""

from __future__ import annotations

import io
from datetime import date

import docx

from accounts.models import Role
from core.storage import StagedBlobs
from documents import drafting, numbering, reading
from documents.decree30 import DocType
from documents.models import DocumentVersion
from tests.factories import documents_settings

TODAY = date(2026, 11, 26)


def build_people(make):
    """A province with two departments, a clerk, a chairman and department staff."""
    province = make.unit("UBND thành phố Cần Thơ", abbreviation="UBND")
    home = make.unit("Sở Nội vụ", parent=province, abbreviation="SNV")
    finance = make.unit("Sở Tài chính", parent=province, abbreviation="STC")
    people = {
        "clerk": make.user("vanthu", roles=[Role.CLERK], unit=province),
        "chairman": make.user("chutich", unit=province, full_name="Lê Văn Chủ", title="Chủ tịch"),
        "home_clerk": make.user("vanthu.snv", roles=[Role.CLERK], unit=home),
        "home_a": make.user("a.snv", unit=home),
        "home_b": make.user("b.snv", unit=home),
        "finance_a": make.user("a.stc", unit=finance),
        "outsider": make.user("other", unit=make.unit("Khác", parent=province)),
        "auditor": make.user("kiemtoan", roles=[Role.AUDITOR], unit=province),
    }
    return province, home, finance, people


def draft(db, blobs, author, **changes):
    data = drafting.DraftData(
        doc_type=changes.pop("doc_type", DocType.CONG_VAN),
        subject=changes.pop("subject", "Về việc cải cách hành chính"),
        content="Đề nghị các đơn vị thực hiện.",
        drafter_abbr="VP",
        **changes,
    )
    with StagedBlobs(blobs) as staged:
        document = drafting.create_draft(db, staged, author, data, documents_settings())
        db.commit()
    return document


def issued(db, blobs, author, **changes):
    """A draft numbered, laid out with its number and issued as the seal issues it.

    ``sealed_version_id`` stands for signing's seal, which the documents module trusts; the
    seal itself is applied with real keys in tests/signing.
    """
    document = draft(db, blobs, author, **changes)
    with StagedBlobs(blobs) as staged:
        issue_as_sealed(db, staged, author, document)
        db.commit()
    return document


def issue_as_sealed(db, staged, author, document, today=TODAY):
    """What submission and the seal do to a draft, without the keys: number, lay the generated
    template out again with it (an uploaded final file already shows it), issue that version."""
    if document.number is None:
        numbering.reserve_number(db, author, document, today)
    version = db.get(DocumentVersion, document.current_version_id)
    if version.note == drafting.TEMPLATE_NOTE:
        version = drafting.render_numbered_version(db, staged, author, document)
    return numbering.issue(db, staged, author, document, today, sealed_version_id=version.id)


def open_as(db, reader, document, version):
    """Open a version as the reading view does: checked, then counted."""
    reading.open_version(
        db, reader, document.id, version.number, how=reading.How.READ, prepare=lambda *_: None
    )


def table_cells(docx_bytes):
    """Each table cell of a DOCX as the list of its paragraphs' text, in reading order."""
    document = docx.Document(io.BytesIO(docx_bytes))
    return [
        [p.text for p in cell.paragraphs]
        for table in document.tables
        for row in table.rows
        for cell in row.cells
    ]
