"""The file route, `/documents/<id>/v/<n>/file`: status, headers, bytes, refusals and receipts."""

from __future__ import annotations

import hashlib
import html
import io
import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent, AuditLeaf
from core.db import utcnow
from core.storage import blob_store
from documents import reading
from documents.models import Attachment, DocumentVersion, ReadingPosition
from documents.views.reading import FILE_POLICY
from tests.conftest import login
from tests.documents.pages_testkit import build_office, receipts_of, sent_to_home


@pytest.fixture
def office(make):
    return build_office(make)


def opens_of(db, user):
    return db.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "documents:version:open", AuditEvent.actor_id == user.id
        )
    ).all()


def sha256_of(db, document, number):
    return db.scalar(
        sa.select(DocumentVersion.sha256).where(
            DocumentVersion.document_id == document.id, DocumentVersion.number == number
        )
    )


@pytest.mark.parametrize(
    ("version", "inline", "person"),
    # The recipient opens the PDF sent; the draft (DOCX) only its issuing unit.
    [(3, "inline", "reader"), (1, "attachment", "chairman")],
    ids=["pdf", "docx"],
)
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_reader_gets_the_stored_bytes_and_each_response_leaves_a_receipt(
    client, db, office, pdf_of, version, inline, person, scheme
):
    document = sent_to_home(client, db, office, pdf_of)
    reader = office[person]
    login(client, reader)
    url = f"{scheme}://localhost/documents/{document.id}/v/{version}/file"
    stored = sha256_of(db, document, version)
    for query, disposition in (("", inline), ("?download=1", "attachment")):
        response = client.get(url + query)
        assert response.status_code == 200
        assert hashlib.sha256(response.data).hexdigest() == stored
        headers = response.headers
        assert headers["ETag"] == f'"{stored}"'
        assert headers["Content-Length"] == str(len(response.data))
        assert headers["Cache-Control"] == "private, no-store"
        assert headers["Content-Disposition"].split(";")[0] == disposition
        assert headers["X-Content-Type-Options"] == "nosniff"
        # Our bytes run no script; the PDF viewer keeps the site's policy, which it can work with.
        assert (headers["Content-Security-Policy"] == FILE_POLICY) is (version == 1)
        assert ("Strict-Transport-Security" in headers) is (scheme == "https")
    # A receipt and an audit event for each response that sent the bytes.
    assert receipts_of(db, reader) == 2
    events = opens_of(db, reader)
    subject = {"document": document.id, "version": version, "sha256": stored}
    hows = [{"how": "file"}, {"how": "download"}]
    assert [(e.subject, e.details) for e in events] == [(subject, how) for how in hows]
    sequenced = db.scalars(sa.select(AuditLeaf.event_id)).all()
    assert {e.id for e in events} <= set(sequenced)  # in the log, as after any request


def test_the_file_route_checks_the_session_and_the_account_like_every_page(
    client, db, office, pdf_of
):
    document = sent_to_home(client, db, office, pdf_of)
    url = f"/documents/{document.id}/v/3/file?download=1"
    client.post("/logout")
    assert client.get(url).status_code == 302
    login(client, office["reader"])
    assert client.get(url).status_code == 200
    # Session protection: the cookie replayed from another browser is not a signed-in session.
    stolen = client.get(url, headers={"User-Agent": "another browser"})
    assert stolen.status_code == 302 and "/login" in stolen.headers["Location"]
    forged = client.get(url, headers={"Cookie": "session=eyJfdXNlcl9pZCI6IjEifQ.forged.sig"})
    assert forged.status_code == 302 and "/login" in forged.headers["Location"]
    login(client, office["reader"])
    office["reader"].active = False
    db.commit()
    gone = client.get(url)
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]
    assert receipts_of(db, office["reader"]) == 1  # only the opening that was allowed


def test_the_file_route_refuses_as_the_other_pages_do(client, db, office, pdf_of):
    document = sent_to_home(client, db, office, pdf_of)
    login(client, office["reader"])
    missing_version = client.get(f"/documents/{document.id}/v/9/file?download=1")
    missing_document = client.get("/documents/999999/v/1/file?download=1")
    assert missing_version.status_code == missing_document.status_code == 404
    login(client, office["finance_reader"])
    assert client.get(f"/documents/{document.id}/v/3/file?download=1").status_code == 403
    denials = db.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "accounts:access:denied")
    ).all()
    assert [d.actor_id for d in denials] == [office["finance_reader"].id]
    login(client, office["reader"])
    assert client.get(f"/documents/{document.id}/v/3/file?download=1").status_code == 200
    login(client, office["clerk"])
    client.post(f"/documents/{document.id}/recall", data={"reason": "Sai số liệu"})
    login(client, office["reader"])
    recalled = client.get(f"/documents/{document.id}/v/3/file?download=1")
    assert recalled.status_code == 410
    assert receipts_of(db, office["reader"]) == 1  # the download before the recall
    assert receipts_of(db, office["finance_reader"]) == 0


def test_other_spellings_of_the_url_count_once_each(client, db, office, pdf_of):
    document = sent_to_home(client, db, office, pdf_of)
    login(client, office["reader"])
    for url in (
        f"/documents/{document.id}/v/3/file?download=1&lang=vi",
        f"/documents/{document.id}/v/3/file?download=1&download=1",
        f"/documents/{document.id}/v/03/file?download=1",
    ):
        assert client.get(url).status_code == 200, url
    assert receipts_of(db, office["reader"]) == 3


@pytest.mark.parametrize("damage", ["missing", "altered"])
def test_a_damaged_file_is_never_sent_nor_counted(app, client, db, office, pdf_of, damage):
    document = sent_to_home(client, db, office, pdf_of)
    path = blob_store(app).path_for(sha256_of(db, document, 3))
    if damage == "missing":
        path.unlink()
    else:
        path.chmod(0o644)
        path.write_bytes(path.read_bytes() + b"%")
    login(client, office["reader"])
    response = client.get(f"/documents/{document.id}/v/3/file?download=1")
    assert response.status_code == (404 if damage == "missing" else 500)
    assert b"%PDF" not in response.data
    assert receipts_of(db, office["reader"]) == 0


def test_a_download_whose_receipt_fails_to_commit_sends_no_bytes(
    client, db, office, pdf_of, monkeypatch
):
    document = sent_to_home(client, db, office, pdf_of)
    login(client, office["reader"])

    def fails(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(reading, "commit_event", fails)  # the ordinary route's
    monkeypatch.setattr(reading, "commit_event_on", fails)  # the fast path's
    response = client.get(f"/documents/{document.id}/v/3/file?download=1")
    assert response.status_code == 500 and b"%PDF" not in response.data
    assert receipts_of(db, office["reader"]) == 0


def with_attachment(client, db, office, document, pdf_of):
    """The issuing clerk adds an appendix; returns its id."""
    login(client, office["clerk"])
    added = client.post(
        f"/documents/{document.id}/attachments",
        data={"file": (io.BytesIO(pdf_of("Phu luc")), "phu-luc.pdf")},
        content_type="multipart/form-data",
    )
    assert added.status_code == 302
    return db.scalar(sa.select(Attachment.id).where(Attachment.document_id == document.id))


def embedded_file_url(page: str) -> str:
    """The file URL the reading page embeds: pdf.js's file, or the browser viewer's frame."""
    match = re.search(r'data-file-url="([^"]+)"', page) or re.search(
        r'<iframe[^>]* src="([^"]+)"', page
    )
    assert match, "the reading page embeds no file"
    return html.unescape(match.group(1))


def test_every_response_sending_the_bytes_is_an_opening_saying_how(client, db, office, pdf_of):
    document = sent_to_home(client, db, office, pdf_of)
    attachment_id = with_attachment(client, db, office, document, pdf_of)
    login(client, office["reader"])
    base = f"/documents/{document.id}"
    for url in (
        f"{base}/v/3/file",
        f"{base}/v/3/file?download=01",
        f"{base}/v/3/file?download=1",
        f"{base}/attachments/{attachment_id}",
    ):
        response = client.get(url)
        assert response.status_code == 200 and response.data.startswith(b"%PDF"), url
    assert client.head(f"{base}/v/3/file").status_code == 200  # sends no bytes: not counted
    assert receipts_of(db, office["reader"]) == 4
    hows = [(e.subject["version"], e.details) for e in opens_of(db, office["reader"])]
    assert hows == [
        (3, {"how": "file"}),
        (3, {"how": "file"}),
        (3, {"how": "download"}),
        (3, {"how": "attachment", "attachment": attachment_id}),
    ]


@pytest.mark.parametrize("pdfjs", [True, False], ids=["pdfjs", "browser-viewer"])
def test_the_reading_page_and_the_file_it_embeds_are_one_opening(
    app, client, db, office, pdf_of, pdfjs
):
    app.config["PDFJS_READY"] = pdfjs
    document = sent_to_home(client, db, office, pdf_of)
    login(client, office["reader"])
    page = client.get(f"/documents/{document.id}/v/3")
    assert page.status_code == 200
    embedded = client.get(embedded_file_url(page.get_data(as_text=True)))
    assert embedded.status_code == 200 and embedded.data.startswith(b"%PDF")
    assert embedded.headers["Content-Disposition"].startswith("inline")
    assert receipts_of(db, office["reader"]) == 1
    assert [e.details for e in opens_of(db, office["reader"])] == [{"how": "read"}]


def test_a_pass_that_is_expired_forged_or_someone_elses_counts_the_opening(
    app, client, db, office, pdf_of
):
    document = sent_to_home(client, db, office, pdf_of)
    secret = app.config["SECRET_KEY"]
    reader, colleague = office["reader"], office["home_clerk"]
    long_ago = utcnow() - timedelta(seconds=reading.PASS_SECONDS + 1)
    passes = {
        "expired": reading.file_pass(secret, reader.id, document.id, 3, issued_at=long_ago),
        "forged": reading.file_pass("another secret", reader.id, document.id, 3),
        "another reader's": reading.file_pass(secret, colleague.id, document.id, 3),
        "another version's": reading.file_pass(secret, reader.id, document.id, 2),
        "garbled": "not-a-pass",
    }
    login(client, reader)
    for name, token in passes.items():
        response = client.get(f"/documents/{document.id}/v/3/file?opened={token}")
        assert response.status_code == 200, name
    assert receipts_of(db, reader) == len(passes)
    fresh = reading.file_pass(secret, reader.id, document.id, 3)
    assert client.get(f"/documents/{document.id}/v/3/file?opened={fresh}").status_code == 200
    assert receipts_of(db, reader) == len(passes)  # the page that made it counted it


def test_readers_opening_every_way_at_once_lose_no_receipt(app, db, office, pdf_of, make):
    readers = [make.user(f"doc.cung{i}", unit=office["home"]) for i in range(4)]
    document = sent_to_home(app.test_client(), db, office, pdf_of)
    attachment_id = with_attachment(app.test_client(), db, office, document, pdf_of)
    clients = []
    for reader in readers:
        clients.append(app.test_client())
        login(clients[-1], reader)
    base = f"/documents/{document.id}"
    urls = [
        f"{base}/v/3",
        f"{base}/v/3/file",
        f"{base}/v/3/file?download=1",
        f"{base}/attachments/{attachment_id}",
    ]
    failures: list[tuple[str, int]] = []
    start = threading.Barrier(len(clients))

    def open_all(c):
        start.wait()
        for _ in range(5):
            for url in urls:
                status = c.get(url).status_code
                if status != 200:
                    failures.append((url, status))

    threads = [threading.Thread(target=open_all, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert [receipts_of(db, reader) for reader in readers] == [20] * len(readers)
    assert [len(opens_of(db, reader)) for reader in readers] == [20] * len(readers)


#: Every route that sends a version's bytes or its text, given the document, the version number
#: and an attachment id.
OPENING_PATHS = {
    "reading view": "/documents/{d}/v/{n}",
    "file": "/documents/{d}/v/{n}/file",
    "download": "/documents/{d}/v/{n}/file?download=1",
    "print view": "/signing/documents/{d}/v/{n}/print",
    "attachment": "/documents/{d}/attachments/{a}",
}


def test_a_recalled_document_is_gone_on_every_path_and_version(client, db, office, pdf_of):
    document = sent_to_home(client, db, office, pdf_of)
    attachment_id = with_attachment(client, db, office, document, pdf_of)
    recall = client.post(f"/documents/{document.id}/recall", data={"reason": "Sai"})
    assert recall.status_code == 302
    # The recipient may open the version sent to them, the issuing clerk every version.
    for person, numbers in (("reader", (3,)), ("clerk", (1, 2, 3))):
        login(client, office[person])
        for name, path in OPENING_PATHS.items():
            for number in numbers:
                url = path.format(d=document.id, n=number, a=attachment_id)
                response = client.get(url)
                assert response.status_code == 410, (person, name, number)
                assert b"%PDF" not in response.data and b"Ban chinh thuc" not in response.data
        assert receipts_of(db, office[person]) == 0 and opens_of(db, office[person]) == []


def test_every_path_refuses_and_audits_who_may_not_open(client, db, office, pdf_of):
    document = sent_to_home(client, db, office, pdf_of)
    attachment_id = with_attachment(client, db, office, document, pdf_of)
    outsider = office["finance_reader"]
    login(client, outsider)
    for name, path in OPENING_PATHS.items():
        url = path.format(d=document.id, n=3, a=attachment_id)
        assert client.get(url).status_code == 403, name
    denials = db.scalars(
        sa.select(AuditEvent.subject).where(
            AuditEvent.action == "accounts:access:denied", AuditEvent.actor_id == outsider.id
        )
    ).all()
    assert len(denials) == len(OPENING_PATHS)
    assert receipts_of(db, outsider) == 0 and opens_of(db, outsider) == []


def test_with_pdfjs_the_reading_page_mounts_it_and_without_it_shows_the_browsers_viewer(
    app, client, db, office, pdf_of
):
    document = sent_to_home(client, db, office, pdf_of)
    login(client, office["reader"])
    app.config["PDFJS_READY"] = True
    page = client.get(f"/documents/{document.id}/v/3").get_data(as_text=True)
    assert "data-pdf-reader" in page and "<iframe" not in page
    assert 'src="/static/js/pdf-reader.mjs"' in page and 'type="module"' in page
    assert f'data-position-url="/documents/{document.id}/v/3/position"' in page
    assert 'data-pdfjs="/static/vendor/pdfjs/"' in page
    app.config["PDFJS_READY"] = False
    page = client.get(f"/documents/{document.id}/v/3").get_data(as_text=True)
    assert "data-pdf-reader" not in page and "pdf-reader.mjs" not in page
    assert (
        f'<iframe class="pdf" title="{document.subject}" '
        f'src="/documents/{document.id}/v/3/file?opened=' in page
    )


@pytest.mark.parametrize("pdfjs", [True, False], ids=["pdfjs", "browser-viewer"])
def test_a_page_that_steps_through_documents_links_the_previous_and_next(app, pdfjs):
    app.config["PDFJS_READY"] = pdfjs
    siblings = [{"url": f"/read/{n}", "label": f"Tài liệu {n}"} for n in (1, 2, 3)]
    template = app.jinja_env.from_string(
        '{% from "documents/_reader.html" import pdf_reader %}'
        "{{ pdf_reader('/file', '/position', 'Tài liệu', siblings, current) }}"
    )
    with app.test_request_context():
        links = {
            current: re.findall(
                r'<a class="button" href="([^"]+)" rel="(prev|next)"',
                template.render(siblings=siblings, current=current),
            )
            for current in (0, 1, 2)
        }
        alone = template.render(siblings=None, current=None)
    assert links == {
        0: [("/read/2", "next")],
        1: [("/read/1", "prev"), ("/read/3", "next")],
        2: [("/read/2", "prev")],
    }
    assert 'rel="prev"' not in alone and 'rel="next"' not in alone


def test_the_reading_position_is_fetched_back_as_it_was_stored(client, db, office, pdf_of):
    document = sent_to_home(client, db, office, pdf_of)
    url = f"/documents/{document.id}/v/3/position"
    login(client, office["reader"])
    assert client.get(url, headers={"Accept": "application/json"}).get_json() == {"page": None}
    stored = client.post(url, json={"page": 4})
    assert stored.status_code == 200 and stored.get_json() == {"page": 4}
    assert client.get(url).get_json() == {"page": 4}
    login(client, office["clerk"])  # someone else's position is their own
    assert client.get(url).get_json() == {"page": None}


@pytest.mark.parametrize(
    "body", [{"page": 0}, {"page": "2"}, {"page": None}, {}, [3], "3"], ids=repr
)
def test_a_position_that_is_no_page_is_refused_with_a_message(client, db, office, pdf_of, body):
    document = sent_to_home(client, db, office, pdf_of)
    login(client, office["reader"])
    url = f"/documents/{document.id}/v/3/position"
    refused = client.post(url, json=body)
    assert refused.status_code == 400
    assert refused.get_json()["message"] == "Số trang phải là số nguyên từ 1 đến 100000."
    assert client.get(url).get_json() == {"page": None}


def test_who_may_not_open_the_version_neither_stores_nor_reads_a_position(
    client, db, office, pdf_of
):
    document = sent_to_home(client, db, office, pdf_of)
    login(client, office["reader"])
    assert (
        client.post(f"/documents/{document.id}/v/3/position", json={"page": 2}).status_code == 200
    )
    outsider = office["finance_reader"]
    login(client, outsider)
    for number in (3, 1):  # the version sent to the Sở Nội vụ, and a draft before it
        url = f"/documents/{document.id}/v/{number}/position"
        refused_read = client.get(url, headers={"Accept": "application/json"})
        refused_write = client.post(url, json={"page": 5})
        assert refused_read.status_code == refused_write.status_code == 403
        assert "page" not in refused_read.get_json()
    login(client, office["reader"])  # a draft not sent to them: refused too
    assert (
        client.post(f"/documents/{document.id}/v/1/position", json={"page": 5}).status_code == 403
    )
    denials = db.scalars(
        sa.select(AuditEvent.actor_id)
        .where(AuditEvent.action == "accounts:access:denied")
        .order_by(AuditEvent.id)
    ).all()
    assert denials == [outsider.id] * 4 + [office["reader"].id]
    assert db.scalars(sa.select(ReadingPosition.page)).all() == [2]
    assert receipts_of(db, outsider) == 0


def test_storing_a_position_needs_the_pages_csrf_token_in_a_header(app, client, db, office, pdf_of):
    document = sent_to_home(client, db, office, pdf_of)
    login(client, office["reader"])
    app.config.update(WTF_CSRF_ENABLED=True, PDFJS_READY=True)
    page = client.get(f"/documents/{document.id}/v/3").get_data(as_text=True)
    token = html.unescape(re.search(r'data-csrf-token="([^"]+)"', page).group(1))
    url = f"/documents/{document.id}/v/3/position"
    assert client.post(url, json={"page": 2}).status_code == 400
    assert client.post(url, json={"page": 2}, headers={"X-CSRFToken": "forged"}).status_code == 400
    assert client.get(url).get_json() == {"page": None}
    assert client.post(url, json={"page": 2}, headers={"X-CSRFToken": token}).status_code == 200
    assert client.get(url).get_json() == {"page": 2}
