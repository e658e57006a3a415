"""Document services against the real database: drafting, versions, numbers, circulation."""

from __future__ import annotations

import io
import threading
from datetime import date

import docx
import pytest
import sqlalchemy as sa

from accounts.models import Role
from audit.models import AuditEvent
from core.direct import DirectStatements
from core.groupcommit import GroupCommitter
from core.storage import BlobStore, StagedBlobs
from documents import (
    assignments,
    circulation,
    drafting,
    errors,
    inbox,
    incoming,
    numbering,
    reading,
    registers,
    search,
)
from documents.access import OpenedVersion
from documents.decree30 import Confidentiality, DocType
from documents.models import (
    AssignmentState,
    Delivery,
    Document,
    IssuedNumber,
    NumberState,
    ReadReceipt,
    Status,
    UnitReceipt,
)
from tests.factories import documents_settings

TODAY = date(2026, 11, 26)


@pytest.fixture
def blobs(tmp_path):
    return BlobStore(tmp_path / "blobs")


@pytest.fixture
def office(make):
    """A province with two departments, a clerk, a chairman and department staff."""
    province = make.unit("UBND tỉnh Hậu Giang", abbreviation="UBND")
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
    document = draft(db, blobs, author, **changes)
    with StagedBlobs(blobs) as staged:
        numbering.issue(db, staged, author, document, TODAY)
        db.commit()
    return document


def test_a_draft_is_laid_out_from_the_template(db, blobs, office):
    _, _, _, people = office
    document = draft(db, blobs, people["clerk"], subject="Về việc  dùng văn bản điện tử")
    assert document.status is Status.DRAFT and document.number is None
    version = document.versions[0]
    assert version.kind == "docx" and version.note == drafting.TEMPLATE_NOTE
    body = docx.Document(io.BytesIO(blobs.get(version.sha256)))
    cells = " ".join(c.text for t in body.tables for row in t.rows for c in row.cells)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells
    assert "Số: .../UBND-VP" in cells
    assert "V/v dùng văn bản điện tử" in cells or "dùng văn bản điện tử" in cells
    assert document.subject == "Về việc dùng văn bản điện tử"


def test_issuing_numbers_and_lays_out_the_number(db, blobs, office):
    _, _, _, people = office
    document = issued(db, blobs, people["clerk"])
    assert (document.number, document.number_symbol) == (1, "01/UBND-VP")
    assert document.status is Status.ISSUED and document.issued_on == TODAY
    assert len(document.versions) == 2
    body = docx.Document(io.BytesIO(blobs.get(document.versions[-1].sha256)))
    cells = " ".join(c.text for t in body.tables for row in t.rows for c in row.cells)
    assert "Số: 01/UBND-VP" in cells
    second = issued(db, blobs, people["clerk"], doc_type=DocType.QUYET_DINH)
    assert second.number_symbol == "02/QĐ-UBND"


def test_confidential_documents_have_their_own_series(db, blobs, office):
    _, _, _, people = office
    issued(db, blobs, people["clerk"])
    secret = issued(
        db,
        blobs,
        people["clerk"],
        confidentiality=Confidentiality.MAT,
        named_user_ids=[people["chairman"].id],
    )
    assert secret.number == 1
    assert (
        db.scalar(sa.select(IssuedNumber.series).where(IssuedNumber.document_id == secret.id)).value
        == "confidential"
    )


def test_a_void_number_is_kept_and_never_reused(db, blobs, office):
    _, _, _, people = office
    document = draft(db, blobs, people["clerk"])
    numbering.reserve_number(db, people["clerk"], document, TODAY)
    db.commit()
    with pytest.raises(errors.InvalidDocument):
        numbering.void_number(db, people["clerk"], document, "   ")
    numbering.void_number(db, people["clerk"], document, "Văn bản không ban hành")
    db.commit()
    assert document.number is None
    with StagedBlobs(blobs) as staged:
        numbering.issue(db, staged, people["clerk"], document, TODAY)
        db.commit()
    assert document.number == 2
    register = registers.outgoing_register(db, document.unit_id, TODAY.year)
    assert [(r.number, r.state) for r in register] == [(1, NumberState.VOID), (2, NumberState.USED)]


def test_numbers_are_unique_under_concurrency(app, db, blobs, office):
    """Eight clerks numbering at the same moment get eight different, consecutive numbers."""
    _, _, _, people = office
    from sqlalchemy.orm import Session

    from core.db import get_engine

    ids = [draft(db, blobs, people["clerk"]).id for _ in range(8)]
    barrier = threading.Barrier(len(ids))
    failures = []

    def number(document_id):
        with Session(get_engine(app), expire_on_commit=False) as session:
            try:
                clerk = session.get(type(people["clerk"]), people["clerk"].id)
                document = session.get(Document, document_id)
                barrier.wait()
                with StagedBlobs(blobs) as staged:
                    numbering.issue(session, staged, clerk, document, TODAY)
                    session.commit()
            except Exception as error:  # reported below; a thread cannot raise into pytest
                failures.append(error)

    threads = [threading.Thread(target=number, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    numbers = sorted(db.scalars(sa.select(Document.number).where(Document.id.in_(ids))))
    assert numbers == list(range(1, 9))


def test_circulation_delivers_to_unit_members_and_named_people_once(db, blobs, office):
    _, home, finance, people = office
    document = issued(db, blobs, people["clerk"])
    result = circulation.circulate(
        db,
        people["clerk"],
        document,
        unit_ids=[home.id],
        user_ids=[people["finance_a"].id, people["home_a"].id],
    )
    db.commit()
    assert result.delivered == 4  # three in Sở Nội vụ (incl. its clerk) + one named
    again = circulation.circulate(db, people["clerk"], document, unit_ids=[home.id, finance.id])
    db.commit()
    deliveries = db.scalars(sa.select(Delivery).where(Delivery.document_id == document.id)).all()
    assert len(deliveries) == 4 + 0 and again.delivered >= 1
    assert {r.unit_id for r in db.scalars(sa.select(UnitReceipt))} == {home.id, finance.id}
    entries = inbox.inbox(db, people["home_a"])
    assert [e.document.id for e in entries] == [document.id] and entries[0].unread


@pytest.mark.parametrize("bad", ["unit", "user"])
def test_circulating_to_someone_unknown_stores_nothing(db, blobs, office, bad):
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    before = db.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    with pytest.raises(errors.RecipientNotFound):
        circulation.circulate(
            db,
            people["clerk"],
            document,
            unit_ids=[home.id, 9999] if bad == "unit" else [home.id],
            user_ids=[9999] if bad == "user" else [],
        )
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
    assert db.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before


def test_a_draft_cannot_be_sent(db, blobs, office):
    _, home, _, people = office
    document = draft(db, blobs, people["clerk"])
    with pytest.raises(errors.WrongState):
        circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])


def test_confidential_documents_go_to_named_people_only(db, blobs, office):
    _, home, _, people = office
    secret = issued(db, blobs, people["clerk"], confidentiality=Confidentiality.MAT)
    with pytest.raises(errors.InvalidDocument):
        circulation.circulate(db, people["clerk"], secret, unit_ids=[home.id])


def test_receipts_are_per_person_per_version(db, blobs, office, pdf_of):
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
    db.commit()
    v2 = document.versions[-1]
    for _ in range(3):
        open_as(db, people["home_a"], document, v2)
    with StagedBlobs(blobs) as staged:
        v3 = drafting.upload_version(
            db,
            staged,
            people["clerk"],
            document,
            pdf_of("Ban chinh thuc"),
            "ban-chinh-thuc.pdf",
            documents_settings(),
        )
        db.commit()
    open_as(db, people["home_b"], document, v3)
    report = reading.receipt_report(db, document)
    by_user = {r.user.username: r for r in report.recipients}
    assert by_user["a.snv"].opened[2].times_opened == 3
    assert by_user["a.snv"].opened[3] is None
    assert by_user["b.snv"].opened[2] is None and by_user["b.snv"].opened[3] is not None
    assert report.opened_count(3) == 1
    # A new version makes the document unread again for those who read the old one.
    assert inbox.inbox(db, people["home_a"])[0].unread
    assert not inbox.inbox(db, people["home_b"])[0].unread


def open_as(db, reader, document, version, writer=None):
    """Record an opening as the reading views do, through a group committer."""
    writer = writer or GroupCommitter(DirectStatements(db.get_bind()))
    reading.record_open(writer, reader.id, OpenedVersion.of(document, version))


def test_concurrent_opens_lose_no_receipt(app, db, blobs, office):
    _, _home, _, people = office
    document = issued(db, blobs, people["clerk"])
    version = document.versions[-1]
    version_id = version.id
    # Threads sharing one committer, as a server process's request threads do, and a second
    # committer, as another process: opening the same version at once.
    statements = DirectStatements(db.get_bind())
    shared, other = GroupCommitter(statements), GroupCommitter(statements)
    barrier = threading.Barrier(6)
    failures = []

    def open_many(writer):
        barrier.wait()
        try:
            for _ in range(5):
                open_as(db, people["home_a"], document, version, writer)
        except Exception as error:
            failures.append(error)

    threads = [
        threading.Thread(target=open_many, args=(shared if i % 3 else other,)) for i in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    receipt = db.scalar(sa.select(ReadReceipt).where(ReadReceipt.version_id == version_id))
    db.refresh(receipt)
    assert receipt.times_opened == 30
    opens = db.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "documents:version:open")
    )
    assert opens == 30


def test_acknowledging_gives_an_incoming_number(db, blobs, office):
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
    db.commit()
    with pytest.raises(errors.NotAllowed):
        incoming.acknowledge(db, people["home_a"], document, TODAY)
    receipt = incoming.acknowledge(db, people["home_clerk"], document, TODAY)
    db.commit()
    assert receipt.incoming_number == 1
    with pytest.raises(errors.WrongState):
        incoming.acknowledge(db, people["home_clerk"], document, TODAY)
    register = registers.incoming_register(db, home.id, TODAY.year)
    assert [r.document_id for r in register] == [document.id]


def test_recall_freezes_and_notifies(db, blobs, office):
    _, home, _, people = office
    document = issued(db, blobs, people["clerk"])
    circulation.circulate(db, people["clerk"], document, unit_ids=[home.id])
    db.commit()
    assert circulation.recall(db, people["clerk"], document, "Sai sót về nội dung") == 3
    db.commit()
    assert document.status is Status.RECALLED
    assert len(inbox.notifications_for(db, people["home_a"])) == 1
    with pytest.raises(errors.DocumentRecalled):
        open_as(db, people["home_a"], document, document.versions[-1])


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


def test_incoming_documents_warn_about_duplicates(db, blobs, office, pdf_of):
    _, _home, _, people = office
    data = incoming.IncomingData(
        issuer_name="Bộ Nội vụ",
        number_symbol="Số: 12/BNV-CCHC",
        issued_on=TODAY,
        doc_type=DocType.CONG_VAN,
        subject="Về việc báo cáo CCHC",
    )
    with StagedBlobs(blobs) as staged:
        first = incoming.register_incoming(
            db,
            staged,
            people["home_clerk"],
            data,
            pdf_of("x"),
            "cv.pdf",
            documents_settings(),
            today=TODAY,
        )
        db.commit()
    assert first.incoming_number == 1 and first.document.number_symbol == "12/BNV-CCHC"
    again = incoming.IncomingData(
        issuer_name="bộ nội vụ",
        number_symbol="12/BNV-CCHC",
        issued_on=TODAY,
        doc_type=DocType.CONG_VAN,
        subject="Trùng",
    )
    with pytest.raises(errors.PossibleDuplicate), StagedBlobs(blobs) as staged:
        incoming.register_incoming(
            db,
            staged,
            people["home_clerk"],
            again,
            pdf_of("y"),
            "cv.pdf",
            documents_settings(),
            today=TODAY,
        )
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(Document)) == 1
    with StagedBlobs(blobs) as staged:
        second = incoming.register_incoming(
            db,
            staged,
            people["home_clerk"],
            again,
            pdf_of("y"),
            "cv.pdf",
            documents_settings(),
            today=TODAY,
            accept_duplicate=True,
        )
        db.commit()
    assert second.incoming_number == 2


def test_assignment_delivers_and_shows_overdue(db, blobs, office):
    _, _home, _, people = office
    document = issued(db, blobs, people["clerk"])
    assignment = assignments.assign(
        db,
        people["home_clerk"],
        document,
        lead_id=people["home_a"].id,
        cooperator_ids=[people["home_b"].id],
        deadline=TODAY,
        today=TODAY,
    )
    db.commit()
    assert {e.document.id for e in inbox.inbox(db, people["home_b"])} == {document.id}
    later = date(2026, 12, 1)
    overdue = assignments.assignments_for(db, people["home_a"], overdue_on=later)
    assert [a.id for a in overdue] == [assignment.id]
    with pytest.raises(errors.NotAllowed):
        assignments.report_progress(db, people["home_b"], assignment, AssignmentState.DONE, "")
    assignments.report_progress(
        db, people["home_a"], assignment, AssignmentState.DONE, "Đã báo cáo"
    )
    db.commit()
    assert assignments.assignments_for(db, people["home_a"], overdue_on=later) == []
    with pytest.raises(errors.InvalidDocument):
        assignments.assign(
            db,
            people["home_clerk"],
            document,
            lead_id=people["home_a"].id,
            deadline=date(2020, 1, 1),
            today=TODAY,
        )


def test_the_one_query_of_the_file_route_applies_the_same_rule_as_every_page(
    app, db, blobs, office
):
    """open_version, and the check PostgreSQL writes a receipt under, decide in SQL what
    can_view decides for a loaded document: for every person and every kind of document (own
    unit, received, acknowledged, confidential)."""
    from core.db import get_engine
    from documents import access

    _, home, finance, people = office
    ordinary = issued(db, blobs, people["clerk"])
    received = issued(db, blobs, people["clerk"], subject="Gửi Sở Nội vụ")
    circulation.circulate(db, people["clerk"], received, unit_ids=[home.id])
    to_finance = issued(db, blobs, people["clerk"], subject="Gửi Sở Tài chính")
    circulation.circulate(db, people["clerk"], to_finance, unit_ids=[finance.id])
    db.commit()
    incoming.acknowledge(db, people["home_clerk"], received, TODAY)
    secret = issued(
        db,
        blobs,
        people["clerk"],
        subject="Mật",
        confidentiality=Confidentiality.MAT,
        named_user_ids=[people["home_a"].id],
    )
    db.commit()
    statements = DirectStatements(get_engine(app))
    allowed = set()
    for document in (ordinary, received, to_finance, secret):
        number = document.versions[-1].number
        for name, person in people.items():
            opened = access.open_version(statements, person.id, document.id, number)
            assert (opened is not None) == access.can_view(db, person, document), (name, document)
            values = {"user_id": person.id, "document_id": document.id, "number": number}
            openable = statements.first(access.OPENABLE_VERSION, values)
            assert (openable is not None) == (opened is not None), (name, document)
            if opened is not None:
                allowed.add((name, document.subject))
        assert access.open_version(statements, people["clerk"].id, document.id, 99) is None
    assert ("outsider", ordinary.subject) not in allowed
    assert ("auditor", ordinary.subject) in allowed and ("auditor", "Mật") not in allowed
    assert ("home_b", "Gửi Sở Nội vụ") in allowed and ("home_b", "Gửi Sở Tài chính") not in allowed
    assert ("home_a", "Mật") in allowed and ("home_b", "Mật") not in allowed
