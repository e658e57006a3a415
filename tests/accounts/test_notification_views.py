"""The bell and /notifications: each person sees, opens and marks only their own."""

from __future__ import annotations

import sqlalchemy as sa

from accounts.models import UserNotification
from accounts.notifications import notify
from tests.conftest import count_statements, login

TITLE = "Welcome, %(name)s"


def remind(db, users, name="Trần Thị Bích", link="/notifications"):
    notify(db, users, "test_reminder", TITLE, link=link, params={"name": name}, email=False)
    db.commit()


def test_the_bell_counts_what_is_unread(client, db, make):
    me = make.user()
    login(client, me)
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="bell"' in page and 'data-testid="bell-count"' not in page
    remind(db, [me])
    remind(db, [me])
    remind(db, [make.user()])
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="bell-count">2</span>' in page
    assert 'aria-label="Thông báo: 2 chưa đọc"' in page


def test_the_list_shows_ones_own_notifications_in_ones_language(client, db, make):
    me, other = make.user(), make.user()
    remind(db, [me], name="Trần Thị Bích")
    remind(db, [other], name="Lê Văn Cường")
    login(client, me)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Xin chào, Trần Thị Bích" in page
    assert "Cường" not in page
    client.post("/language", data={"language": "en"})
    assert "Welcome, Trần Thị Bích" in client.get("/notifications").get_data(as_text=True)


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, db, make):
    me = make.user()
    remind(db, [me], link="/documents/inbox")
    note_id = db.scalar(sa.select(UserNotification.id))
    login(client, me)
    response = client.post(f"/notifications/{note_id}/read", data={"go": "1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/documents/inbox"
    db.expire_all()
    assert db.get(UserNotification, note_id).read_at is not None
    assert 'data-testid="bell-count"' not in client.get("/").get_data(as_text=True)


def test_no_one_marks_someone_elses_notification(client, db, make):
    me, other = make.user(), make.user()
    remind(db, [other])
    their_id = db.scalar(sa.select(UserNotification.id))
    login(client, me)
    response = client.post(f"/notifications/{their_id}/read", data={"go": "1"})
    assert response.status_code == 404
    assert "không phải của đồng chí" in response.get_data(as_text=True)
    assert client.post("/notifications/read").status_code == 302
    db.expire_all()
    assert db.get(UserNotification, their_id).read_at is None


def test_mark_all_read_marks_only_ones_own(client, db, make):
    me, other = make.user(), make.user()
    remind(db, [me, other])
    remind(db, [me])
    login(client, me)
    assert client.post("/notifications/read").status_code == 302
    unread = db.scalars(
        sa.select(UserNotification.user_id).where(UserNotification.read_at.is_(None))
    )
    assert list(unread) == [other.id]


def test_the_list_costs_the_same_statements_for_one_or_many(app, client, db, make):
    me = make.user()
    remind(db, [me])
    login(client, me)
    with count_statements(app) as few:
        assert client.get("/notifications").status_code == 200
    for _ in range(20):
        remind(db, [me])
    with count_statements(app) as many:
        assert client.get("/notifications").status_code == 200
    assert len(many) == len(few)


def test_the_app_notifies_by_email_only_when_mail_is_on(app, db, make):
    from accounts.notification_views import notify_from_app

    with app.app_context():
        result = notify_from_app(
            db,
            [make.user(email="an.nv@haugiang.gov.vn")],
            "k",
            TITLE,
            actor=None,
            params={"name": "An"},
        )
    assert (result.notified, result.emails_queued, result.email_enabled) == (1, 0, False)
