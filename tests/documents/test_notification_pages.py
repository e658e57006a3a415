"""/notifications with subjects: a notification names its document, shows "Đã xử lý" once its
action is done (and leaves the bell), and hides its title and link from someone who may no
longer open what it is about."""

from __future__ import annotations

import sqlalchemy as sa

from accounts.models import UserNotification
from accounts.notification_subjects import clear
from accounts.notifications import notify
from documents import notices
from tests.conftest import count_statements, login
from tests.documents.office_testkit import build_people, draft

SUBJECT = "Về việc sắp xếp tổ chức bộ máy nội bộ"


def ask_to_sign(db, users, document):
    notify(
        db,
        users,
        "signing_requested",
        "Waiting for your signature: %(number)s",
        "Subject: %(subject)s",
        notices.link(document),
        email=False,
        params=notices.about(document),
        subject=notices.subject(document),
        action="sign",
    )
    db.commit()


def test_a_done_notification_reads_handled_and_leaves_the_bell(client, db, blobs, make):
    _, _, _, people = build_people(make)
    clerk = people["clerk"]
    document = draft(db, blobs, clerk, subject=SUBJECT)
    ask_to_sign(db, [clerk], document)
    login(client, clerk)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Văn bản chờ đồng chí ký số: chưa cấp số" in page and SUBJECT in page
    assert 'data-state="unread"' in page
    assert 'data-testid="bell-count">1</span>' in client.get("/").get_data(as_text=True)
    assert clear(db, notices.KIND, document.id, ["sign"]) == 1
    db.commit()
    page = client.get("/notifications").get_data(as_text=True)
    assert 'data-state="done"' in page and "Đã xử lý" in page and "Chưa đọc" not in page
    assert 'data-testid="bell-count"' not in page


def test_one_who_may_no_longer_open_the_document_does_not_see_its_title(client, db, blobs, make):
    _, _, _, people = build_people(make)
    document = draft(db, blobs, people["clerk"], subject=SUBJECT)
    outsider = people["outsider"]
    ask_to_sign(db, [outsider], document)
    note_id = db.scalar(
        sa.select(UserNotification.id).where(UserNotification.user_id == outsider.id)
    )
    login(client, outsider)
    page = client.get("/notifications").get_data(as_text=True)
    assert SUBJECT not in page and "ký số" not in page
    assert "không còn quyền xem" in page and notices.link(document) not in page
    response = client.post(f"/notifications/{note_id}/read", data={"go": "1"})
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"


def test_no_one_opens_someone_elses_notification_about_a_document(client, db, blobs, make):
    _, _, _, people = build_people(make)
    document = draft(db, blobs, people["clerk"], subject=SUBJECT)
    ask_to_sign(db, [people["clerk"]], document)
    note_id = db.scalar(sa.select(UserNotification.id))
    login(client, people["chairman"])
    assert client.post(f"/notifications/{note_id}/read", data={"go": "1"}).status_code == 404
    assert SUBJECT not in client.get("/notifications").get_data(as_text=True)
    db.expire_all()
    assert db.get(UserNotification, note_id).read_at is None


def test_the_list_checks_access_with_one_query_however_many_documents(app, client, db, blobs, make):
    _, _, _, people = build_people(make)
    clerk = people["clerk"]
    document = draft(db, blobs, clerk, subject=SUBJECT)
    ask_to_sign(db, [clerk], document)
    login(client, clerk)
    with count_statements(app) as few:
        assert client.get("/notifications").status_code == 200
    for other_id in range(document.id + 1, document.id + 21):
        notify(db, [clerk], "recalled", "Recalled by its issuer: %(number)s",
               params={"number": ""}, subject=("document", other_id), email=False)  # fmt: skip
    db.commit()
    with count_statements(app) as many:
        page = client.get("/notifications").get_data(as_text=True)
    assert len(many) == len(few)
    assert page.count("không còn quyền xem") == 20 and SUBJECT in page
