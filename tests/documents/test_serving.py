"""The file route: its fast path below Flask and the ordinary route give the same answers.

`documents.serving.FileFastPath` answers a signed-in reader's allowed file itself and hands
everything else to the route; `served` counts what it answered, so each test also says which
path answered.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent, AuditLeaf
from core.storage import blob_store
from documents import reading
from documents.models import DocumentVersion
from tests.documents.pages_testkit import build_office, login, receipts_of, sent_to_home


@pytest.fixture
def office(make):
    return build_office(make)


@pytest.fixture
def fast(app):
    return app.wsgi_app


def answer(client, url, **options):
    response = client.get(url, **options)
    return response.status_code, sorted(response.headers.items()), response.data


def opens_of(db, user):
    return db.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "documents:version:open", AuditEvent.actor_id == user.id
        )
    ).all()


@pytest.mark.parametrize("version", [3, 1], ids=["pdf", "docx"])
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_fast_path_answers_a_reader_exactly_as_the_route_does(
    app, client, db, office, pdf_of, fast, version, scheme
):
    document = sent_to_home(client, db, office, pdf_of)
    login(client, office["reader"])
    url = f"/documents/{document.id}/v/{version}/file"
    for query in ("", "?download=1"):
        before = fast.served
        quick = answer(client, url + query, base_url=f"{scheme}://localhost")
        assert fast.served == before + 1
        app.config["FILE_FAST_PATH"] = False
        ordinary = answer(client, url + query, base_url=f"{scheme}://localhost")
        app.config["FILE_FAST_PATH"] = True
        assert fast.served == before + 1
        assert quick == ordinary
    status, headers, body = quick
    stored = sha256_of(db, document, version)
    assert status == 200 and hashlib.sha256(body).hexdigest() == stored
    assert dict(headers)["ETag"] == f'"{stored}"'
    assert ("Strict-Transport-Security" in dict(headers)) is (scheme == "https")
    # One receipt and one audit event per download, whichever path answered; views count none.
    assert receipts_of(db, office["reader"]) == 2
    events = opens_of(db, office["reader"])
    subject = {"document": document.id, "version": version, "sha256": stored}
    assert [(e.subject, e.details) for e in events] == [(subject, {})] * 2
    sequenced = db.scalars(sa.select(AuditLeaf.event_id)).all()
    assert {e.id for e in events} <= set(sequenced)  # in the log, as after any request


def sha256_of(db, document, number):
    return db.scalar(
        sa.select(DocumentVersion.sha256).where(
            DocumentVersion.document_id == document.id, DocumentVersion.number == number
        )
    )


def test_the_file_route_checks_the_session_and_the_account_like_every_page(
    client, db, office, pdf_of, fast
):
    document = sent_to_home(client, db, office, pdf_of)
    url = f"/documents/{document.id}/v/3/file?download=1"
    client.post("/logout")
    assert client.get(url).status_code == 302
    login(client, office["reader"])
    assert client.get(url).status_code == 200
    served = fast.served
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
    assert fast.served == served  # Flask-Login decided each of these
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


def test_the_file_route_refuses_as_the_other_pages_do(client, db, office, pdf_of, fast):
    document = sent_to_home(client, db, office, pdf_of)
    login(client, office["reader"])
    served = fast.served
    missing_version = client.get(f"/documents/{document.id}/v/9/file?download=1")
    missing_document = client.get("/documents/999999/v/1/file?download=1")
    assert missing_version.status_code == missing_document.status_code == 404
    login(client, office["finance_reader"])
    assert client.get(f"/documents/{document.id}/v/3/file?download=1").status_code == 403
    denials = db.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "accounts:access:denied")
    ).all()
    assert [d.actor_id for d in denials] == [office["finance_reader"].id]
    assert fast.served == served
    login(client, office["reader"])
    assert client.get(f"/documents/{document.id}/v/3/file?download=1").status_code == 200
    login(client, office["clerk"])
    client.post(f"/documents/{document.id}/recall", data={"reason": "Sai số liệu"})
    login(client, office["reader"])
    served = fast.served
    recalled = client.get(f"/documents/{document.id}/v/3/file?download=1")
    assert recalled.status_code == 410
    assert fast.served == served
    assert receipts_of(db, office["reader"]) == 1  # the download before the recall
    assert receipts_of(db, office["finance_reader"]) == 0


def test_other_spellings_of_the_url_go_to_flask_and_count_once(client, db, office, pdf_of, fast):
    document = sent_to_home(client, db, office, pdf_of)
    login(client, office["reader"])
    served = fast.served
    for url in (
        f"/documents/{document.id}/v/3/file?download=1&lang=vi",
        f"/documents/{document.id}/v/3/file?download=1&download=1",
        f"/documents/{document.id}/v/03/file?download=1",
    ):
        assert client.get(url).status_code == 200, url
    assert fast.served == served
    assert receipts_of(db, office["reader"]) == 3


@pytest.mark.parametrize("damage", ["missing", "altered"])
def test_a_damaged_file_is_never_sent_nor_counted(app, client, db, office, pdf_of, fast, damage):
    document = sent_to_home(client, db, office, pdf_of)
    path = blob_store(app).path_for(sha256_of(db, document, 3))
    if damage == "missing":
        path.unlink()
    else:
        path.chmod(0o644)
        path.write_bytes(path.read_bytes() + b"%")
    login(client, office["reader"])
    served = fast.served
    response = client.get(f"/documents/{document.id}/v/3/file?download=1")
    assert response.status_code == (404 if damage == "missing" else 500)
    assert b"%PDF" not in response.data
    assert fast.served == served
    assert receipts_of(db, office["reader"]) == 0


def test_a_receipt_that_fails_to_commit_below_flask_is_stored_once_by_the_route(
    client, db, office, pdf_of, fast, monkeypatch
):
    document = sent_to_home(client, db, office, pdf_of)
    login(client, office["reader"])
    calls = []

    def fails_first(record):
        def wrapped(*args):
            calls.append(record.__name__)
            if len(calls) == 1:
                raise RuntimeError("database went away")
            return record(*args)

        return wrapped

    # Below Flask, PostgreSQL checks and records in one statement; SQLite group-commits.
    for name in ("record_open", "record_open_if_allowed"):
        monkeypatch.setattr(reading, name, fails_first(getattr(reading, name)))
    served = fast.served
    response = client.get(f"/documents/{document.id}/v/3/file?download=1")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert len(calls) == 2 and calls[1] == "record_open" and fast.served == served
    assert receipts_of(db, office["reader"]) == 1


def test_readers_downloading_at_once_lose_no_receipt(app, db, office, pdf_of, make, fast):
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
    assert fast.served == 15 * len(readers)


def test_a_version_remembered_with_other_bytes_is_neither_sent_nor_counted_below_flask(
    client, db, office, pdf_of, fast
):
    document = sent_to_home(client, db, office, pdf_of)
    login(client, office["reader"])
    url = f"/documents/{document.id}/v/3/file?download=1"
    assert client.get(url).status_code == 200
    # Whatever a process remembers of a version, the bytes sent and counted are the stored ones.
    assert bool(fast._versions) is (db.get_bind().dialect.name == "postgresql")
    for key, remembered in list(fast._versions.items()):
        fast._versions[key] = replace(remembered, sha256=sha256_of(db, document, 1))
    response = client.get(url)
    assert hashlib.sha256(response.data).hexdigest() == sha256_of(db, document, 3)
    assert receipts_of(db, office["reader"]) == 2
    subjects = [e.subject["sha256"] for e in opens_of(db, office["reader"])]
    assert subjects == [sha256_of(db, document, 3)] * 2
