"""Document pages over HTTP: the clerk's flow, refusals, bad uploads and query counts."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from documents.models import Document, DocumentVersion, IssuedNumber, ReadReceipt
from tests.conftest import count_statements, login
from tests.documents.pages_testkit import (
    CONFIRM,
    build_office,
    create_draft,
    issue_sealed,
    last_document,
)


@pytest.fixture
def office(make):
    return build_office(make)


def counts(db):
    return {
        model.__name__: db.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Document, DocumentVersion, IssuedNumber)
    }


def blob_files(app):
    from pathlib import Path

    root = Path(app.config["BLOB_DIR"])
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_the_clerks_whole_flow(client, db, office, pdf_of):
    login(client, office["clerk"])
    assert create_draft(client).status_code == 302
    document = last_document(db)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Về việc cải cách hành chính" in page
    # Number first, then the final file showing it, then issue: the text is frozen by then.
    assert client.post(f"/signing/documents/{document.id}/reserve", data=CONFIRM).status_code == 302
    db.refresh(document)
    assert document.number_symbol == "01/UBND-VP"
    upload = client.post(
        f"/documents/{document.id}/versions",
        data={"file": (io.BytesIO(pdf_of("Ban ky chinh thuc 01/UBND-VP")), "01-UBND-VP.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    issue_sealed(client, db, document)
    sent = client.post(
        f"/documents/{document.id}/circulate",
        data={**CONFIRM, "units": [str(office["home"].id), str(office["finance"].id)]},
    )
    assert sent.status_code == 302

    login(client, office["reader"])
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "01/UBND-VP" in inbox and "unread-mark" in inbox
    assert client.get(f"/documents/{document.id}/v/2").status_code == 200
    download = client.get(f"/documents/{document.id}/v/2/file?download=1")
    assert (
        download.data.startswith(b"%PDF")
        and "attachment" in download.headers["Content-Disposition"]
    )
    assert "unread-mark" not in client.get("/inbox").get_data(as_text=True)

    login(client, office["clerk"])
    dashboard = client.get(f"/documents/{document.id}/receipts").get_data(as_text=True)
    assert 'data-testid="opened-v2">1/' in dashboard
    csv_text = client.get(f"/documents/{document.id}/receipts?format=csv").get_data(as_text=True)
    rows = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    row = next(r for r in rows if r["Mã tài khoản"] == str(office["reader"].id))
    assert row["v2 số lần mở"] == "2"  # opened twice: the reading view and the download
    receipt = db.scalar(sa.select(ReadReceipt).where(ReadReceipt.user_id == office["reader"].id))
    assert receipt.times_opened == 2


def test_a_docx_version_is_read_as_sanitised_html(client, db, office):
    login(client, office["clerk"])
    create_draft(client, subject="Văn bản <script>alert(1)</script>")
    document = last_document(db)
    page = client.get(f"/documents/{document.id}/v/1").get_data(as_text=True)
    assert 'data-testid="reader"' in page
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page
    assert "<script>alert" not in page


def test_other_units_are_refused_and_each_refusal_is_recorded(client, db, office):
    login(client, office["clerk"])
    create_draft(client)
    document = last_document(db)
    login(client, office["outsider"])
    for url in (
        f"/documents/{document.id}",
        f"/documents/{document.id}/v/1",
        f"/documents/{document.id}/v/1/file",
        f"/documents/{document.id}/receipts",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/documents/{document.id}/versions").status_code == 403
    denials = db.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "accounts:access:denied")
    ).all()
    assert len(denials) == 5 and {d.actor_id for d in denials} == {office["outsider"].id}


def test_a_confidential_document_does_not_exist_for_the_unnamed(client, db, office):
    login(client, office["clerk"])
    create_draft(client, confidentiality="mat", named_users=[str(office["chairman"].id)])
    document = last_document(db)
    login(client, office["auditor"])  # same unit, auditor role: still not named
    hidden = client.get(f"/documents/{document.id}", headers={"Accept": "application/json"})
    missing = client.get("/documents/999999", headers={"Accept": "application/json"})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json == missing.json
    login(client, office["chairman"])
    assert client.get(f"/documents/{document.id}").status_code == 200


def test_a_reader_cannot_manage_the_document(client, db, office):
    login(client, office["clerk"])
    create_draft(client)
    document = last_document(db)
    issue_sealed(client, db, document)
    client.post(
        f"/documents/{document.id}/circulate", data={**CONFIRM, "units": [str(office["home"].id)]}
    )
    login(client, office["reader"])
    assert client.get(f"/documents/{document.id}").status_code == 200
    assert client.post(f"/documents/{document.id}/versions").status_code == 403
    assert client.get(f"/documents/{document.id}/receipts").status_code == 403
    login(client, office["home_clerk"])
    assert client.post(f"/documents/{document.id}/recall", data={"reason": "x"}).status_code == 403


@pytest.fixture
def issued_draft(client, db, office):
    login(client, office["clerk"])
    create_draft(client)
    return last_document(db)


def upload(client, document, data, name):
    return client.post(
        f"/documents/{document.id}/versions",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


BAD_UPLOADS = {
    "empty": (lambda f: b"", "x.pdf", 400, "Tệp rỗng"),
    "not what it claims": (lambda f: f["with_members"](f["drafted_docx"], {}), "x.pdf", 400, ""),
    "zip bomb": (lambda f: f["zeros_docx"](200), "bomb.docx", 400, ""),
    "entity bomb": (
        lambda f: f["with_members"](
            f["drafted_docx"],
            {
                "word/document.xml": (
                    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                    b'<!ENTITY lol2 "&lol;&lol;">]>'
                    b"<w:document>&lol2;</w:document>"
                )
            },
        ),
        "x.docx",
        400,
        "",
    ),
    "corrupt pdf": (lambda f: f["pdf_of"]("x")[:40], "x.pdf", 400, "PDF"),
    "garbage": (lambda f: b"\x00\x01\x02garbage" * 10, "x.pdf", 400, ""),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_uploads_are_refused_and_leave_nothing_behind(
    app, client, db, issued_draft, case, drafted_docx, zeros_docx, with_members, pdf_of
):
    build, name, status, words = BAD_UPLOADS[case]
    fixtures = {
        "drafted_docx": drafted_docx,
        "zeros_docx": zeros_docx,
        "with_members": with_members,
        "pdf_of": pdf_of,
    }
    before, files = counts(db), blob_files(app)
    response = upload(client, issued_draft, build(fixtures), name)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert words in response.get_data(as_text=True)
    assert counts(db) == before and blob_files(app) == files


def test_an_upload_over_the_limit_gets_413_with_the_limit(app, client, db, issued_draft, pdf_of):
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    app.config["MAX_UPLOAD_MB"] = 1
    before, files = counts(db), blob_files(app)
    response = upload(client, issued_draft, pdf_of("x") + b"%" * (3 * 1024 * 1024), "big.pdf")
    assert response.status_code == 413
    assert "1 MB" in response.get_data(as_text=True)
    small_but_over = upload(
        client, issued_draft, pdf_of("x" * 10) + b" " * (1100 * 1024), "big.pdf"
    )
    assert small_but_over.status_code == 413
    assert counts(db) == before and blob_files(app) == files


def test_a_file_name_with_path_parts_is_cleaned(client, db, issued_draft, pdf_of):
    response = upload(client, issued_draft, pdf_of("x"), "../../etc/\x07passwd.pdf")
    assert response.status_code == 302
    version = db.scalar(sa.select(DocumentVersion).order_by(DocumentVersion.id.desc()))
    assert "/" not in version.file_name and "\x07" not in version.file_name
    assert version.file_name.endswith(".pdf")


def test_a_subject_over_500_characters_is_refused(client, db, office):
    login(client, office["clerk"])
    before = counts(db)
    response = create_draft(client, subject="a" * 501)
    assert response.status_code == 400
    assert "500" in response.get_data(as_text=True)
    assert counts(db) == before


def test_sending_to_a_recipient_that_does_not_exist_consumes_nothing(client, db, office):
    login(client, office["clerk"])
    create_draft(client)
    document = last_document(db)
    issue_sealed(client, db, document)
    events = db.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    response = client.post(
        f"/documents/{document.id}/circulate", data={**CONFIRM, "users": ["987654"]}
    )
    assert response.status_code == 400
    assert db.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events


def test_there_is_no_issuing_without_signature_and_seal(client, db, office):
    """The seal issues a document; the page offers no "number and register" of its own."""
    login(client, office["clerk"])
    create_draft(client)
    document = last_document(db)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="issue"' not in page and 'data-testid="circulate"' not in page
    assert client.post(f"/documents/{document.id}/issue").status_code in (404, 405)
    refused = client.post(
        f"/documents/{document.id}/circulate", data={**CONFIRM, "units": [str(office["home"].id)]}
    )
    assert refused.status_code == 409
    assert "ký" in refused.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(IssuedNumber)) == 0


def test_issued_is_shown_only_for_signed_and_sealed_documents(client, db, office):
    login(client, office["clerk"])
    create_draft(client)
    document = last_document(db)
    assert "Dự thảo" in _status(client, document)
    issue_sealed(client, db, document)
    assert _status(client, document) == "Đã ban hành"
    document.sealed_version_id = None  # numbered unsigned before the rule
    db.commit()
    assert _status(client, document) != "Đã ban hành"
    assert "chưa ký" in _status(client, document)


def _status(client, document):
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    return page.split('data-testid="status">', 1)[1].split("<", 1)[0].strip()


def test_inbox_and_registers_issue_a_constant_number_of_queries(app, client, db, office):
    login(client, office["clerk"])

    def issue_and_send():
        create_draft(client)
        document = last_document(db)
        issue_sealed(client, db, document)
        client.post(
            f"/documents/{document.id}/circulate",
            data={**CONFIRM, "units": [str(office["home"].id)]},
        )
        return document

    issue_and_send()
    login(client, office["home_clerk"])
    client.post(f"/documents/{last_document(db).id}/acknowledge")
    pages = ["/inbox", "/registers/incoming", "/documents"]
    login(client, office["home_clerk"])
    with count_statements(app) as few:
        for page in pages:
            assert client.get(page).status_code == 200
    few_outgoing = _count(app, client, office["clerk"], "/registers/outgoing")
    login(client, office["clerk"])
    for _ in range(6):
        issue_and_send()
    login(client, office["home_clerk"])
    for document in db.scalars(sa.select(Document)):
        client.post(f"/documents/{document.id}/acknowledge")
    with count_statements(app) as many:
        for page in pages:
            assert client.get(page).status_code == 200
    assert len(many) == len(few)
    assert _count(app, client, office["clerk"], "/registers/outgoing") == few_outgoing


def _count(app, client, user, url):
    login(client, user)
    with count_statements(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_registers_export_csv(client, db, office):
    login(client, office["clerk"])
    create_draft(client, subject='=HYPERLINK("http://x")')
    issue_sealed(client, db, last_document(db))
    # The register of the year it was issued in, whatever year it is today.
    year = last_document(db).issued_on.year
    response = client.get(f"/registers/outgoing?format=csv&year={year}")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["Số, ký hiệu"], r["Trích yếu"]) for r in rows] == [
        ("01/UBND-VP", '\'=HYPERLINK("http://x")')
    ]


def test_incoming_registration_warns_about_a_duplicate(client, db, office, pdf_of):
    login(client, office["home_clerk"])
    form = {
        "issuer_name": "Bộ Nội vụ",
        "number_symbol": "12/BNV-CCHC",
        "doc_type": "cong_van",
        "subject": "Về việc báo cáo",
        "urgency": "thuong",
        "confidentiality": "thuong",
    }

    def post(**extra):
        return client.post(
            "/incoming/new",
            data={**form, **extra, "file": (io.BytesIO(pdf_of("x")), "cv.pdf")},
            content_type="multipart/form-data",
        )

    assert post().status_code == 302
    warning = post()
    assert warning.status_code == 409
    assert "duplicate-warning" in warning.get_data(as_text=True)
    assert post(accept_duplicate="y").status_code == 302
    register = client.get("/registers/incoming").get_data(as_text=True)
    assert register.count("12/BNV-CCHC") == 2


def test_search_page_finds_without_diacritics(client, db, office):
    login(client, office["clerk"])
    create_draft(client, subject="Đẩy mạnh cải cách hành chính")
    page = client.get("/search?q=day+manh+cai+cach").get_data(as_text=True)
    assert "Đẩy mạnh cải cách hành chính" in page


def test_an_unsafe_upload_is_recorded_as_such(client, db, issued_draft, zeros_docx):
    response = upload(client, issued_draft, zeros_docx(200), "bomb.docx")
    assert response.status_code == 400
    actions = db.scalars(sa.select(AuditEvent.action)).all()
    assert "documents:upload:refused_unsafe" in actions


def test_an_assignment_to_another_unit_is_refused_and_audited(client, db, office, pdf_of):
    from audit.models import AuditEvent
    from documents.assignment_models import Assignment
    from tests.documents.pages_testkit import sent_to_home

    document = sent_to_home(client, db, office, pdf_of)
    login(client, office["home_clerk"])
    response = client.post(
        f"/documents/{document.id}/assign", data={"lead": str(office["finance_reader"].id)}
    )
    assert response.status_code == 403
    assert "người của đơn vị mình" in response.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0
    denied = db.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "accounts:access:denied",
            AuditEvent.actor_id == office["home_clerk"].id,
        )
    ).all()
    assert [e.subject["endpoint"] for e in denied] == ["documents.assign"]
    login(client, office["finance_reader"])
    assert client.get(f"/documents/{document.id}").status_code == 403


def test_recall_is_set_apart_and_a_reader_sees_no_empty_action_card(client, db, office):
    """Issue 14 §9: the recall reason box sat between unrelated buttons; a reader's page showed
    an empty card."""
    login(client, office["clerk"])
    create_draft(client)
    document = last_document(db)
    issue_sealed(client, db, document)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    actions = page.split('<section class="card actions">', 1)[1].split("</section>", 1)[0]
    assert 'name="reason"' not in actions  # no reason box among the buttons
    assert 'data-testid="recall"' in page and 'id="recall-reason"' in page

    client.post(
        f"/documents/{document.id}/circulate", data={**CONFIRM, "units": [str(office["home"].id)]}
    )
    login(client, office["reader"])
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="recall"' not in page
    assert not re.search(r'<section class="card actions">\s*</section>', page)
