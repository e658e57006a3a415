"""The file route, `/documents/<id>/v/<n>/file`: status, headers, bytes, refusals and receipts."""

from __future__ import annotations

import hashlib
import threading

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent, AuditLeaf
from core.storage import blob_store
from documents import reading
from documents.models import DocumentVersion
from documents.views.reading import FILE_POLICY
from tests.documents.pages_testkit import build_office, login, receipts_of, sent_to_home


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
def test_a_reader_gets_the_stored_bytes_and_a_download_leaves_one_receipt(
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
    # One receipt and one audit event for the download; viewing in place counts none.
    assert receipts_of(db, reader) == 1
    events = opens_of(db, reader)
    subject = {"document": document.id, "version": version, "sha256": stored}
    assert [(e.subject, e.details) for e in events] == [(subject, {})]
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


def test_viewing_inline_is_not_an_opening_but_a_download_is(client, db, office, pdf_of):
    document = sent_to_home(client, db, office, pdf_of)
    login(client, office["reader"])
    inline = client.get(f"/documents/{document.id}/v/3/file")
    assert inline.status_code == 200 and inline.data.startswith(b"%PDF")
    assert inline.headers["Content-Disposition"].startswith("inline")
    assert receipts_of(db, office["reader"]) == 0
    head = client.head(f"/documents/{document.id}/v/3/file?download=1")
    assert head.status_code == 200 and receipts_of(db, office["reader"]) == 0  # no bytes sent
    client.get(f"/documents/{document.id}/v/3/file?download=1")
    assert receipts_of(db, office["reader"]) == 1
    assert [e.subject["version"] for e in opens_of(db, office["reader"])] == [3]


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

    def fails(*args):
        raise RuntimeError("database went away")

    monkeypatch.setattr(reading, "record_open", fails)
    response = client.get(f"/documents/{document.id}/v/3/file?download=1")
    assert response.status_code == 500 and b"%PDF" not in response.data
    assert receipts_of(db, office["reader"]) == 0


def test_readers_downloading_at_once_lose_no_receipt(app, db, office, pdf_of, make):
    readers = [make.user(f"doc.gia{i}", unit=office["home"]) for i in range(6)]
    document = sent_to_home(app.test_client(), db, office, pdf_of)
    clients = []
    for reader in readers:
        clients.append(app.test_client())
        login(clients[-1], reader)
    url = f"/documents/{document.id}/v/3/file?download=1"
    failures: list[int] = []
    start = threading.Barrier(len(clients))

    def download(c):
        start.wait()
        for _ in range(15):
            status = c.get(url).status_code
            if status != 200:
                failures.append(status)

    threads = [threading.Thread(target=download, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert [receipts_of(db, reader) for reader in readers] == [15] * len(readers)
