"""A session ends when it should: revoked on the server, idle too long, or simply too old.

Each revocation test copies a signed-in browser's cookie into a second browser first, as a
thief would, and checks that the copy stops working.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from accounts.models import Role, User
from audit.models import AuditEvent
from tests.conftest import TEST_PASSWORD, sign_in
from tests.documents.conftest import pdf_of  # noqa: F401  (a fixture)
from tests.documents.pages_testkit import build_office, sent_to_home


def copy_of(app, client):
    """A second browser holding the same session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def is_signed_in(client):
    return client.get("/").status_code == 200


@pytest.fixture
def official(make):
    return make.user("an.nv", roles=[Role.OFFICIAL])


@pytest.fixture
def admin(app, make):
    make.user("admin", roles=[Role.ADMIN])
    browser = app.test_client()
    assert sign_in(browser, "admin").status_code == 302
    return browser


def edit(admin, user, **changes):
    """Submit the administrator's user form with ``changes``."""
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "title": user.title,
        "unit_id": str(user.unit_id),
        "roles": [r.value for r in user.roles],
        "active": "y",
        **changes,
    }
    data = {key: value for key, value in data.items() if value is not None}
    response = admin.post(f"/admin/users/{user.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def lock_out(app, user):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        response = sign_in(app.test_client(), user.username, "wrong password")
        assert response.status_code == 401
    assert sign_in(app.test_client(), user.username).status_code == 429


REVOCATIONS = {
    "logout": lambda app, client, admin, user: client.post("/logout"),
    "password set by an administrator": lambda app, client, admin, user: edit(
        admin, user, password="another password 2"
    ),
    "new activation code": lambda app, client, admin, user: admin.post(
        f"/admin/users/{user.id}/activation"
    ),
    "lock-out": lambda app, client, admin, user: lock_out(app, user),
    "deactivated then reactivated": lambda app, client, admin, user: (
        edit(admin, user, active=None),
        edit(admin, user),
    ),
    "role change": lambda app, client, admin, user: edit(
        admin, user, roles=[Role.OFFICIAL.value, Role.CLERK.value]
    ),
    "signed out everywhere by the user": lambda app, client, admin, user: client.post(
        "/account/sessions/end"
    ),
    "signed out everywhere by an administrator": lambda app, client, admin, user: admin.post(
        f"/admin/users/{user.id}/sessions/end"
    ),
}


@pytest.mark.parametrize("revoke", REVOCATIONS.values(), ids=REVOCATIONS.keys())
def test_a_copied_cookie_stops_working_when_sessions_are_revoked(
    app, client, db, admin, official, revoke
):
    assert sign_in(client, "an.nv").status_code == 302
    thief = copy_of(app, client)
    assert is_signed_in(thief)
    revoke(app, client, admin, db.get(User, official.id))
    response = thief.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert not is_signed_in(client)


def test_setting_a_password_with_an_activation_code_ends_the_sessions(app, client, admin, official):
    page = admin.post(f"/admin/users/{official.id}/activation").get_data(as_text=True)
    code = page.split("<code>")[1].split("<")[0]
    assert sign_in(client, "an.nv").status_code == 302  # the old password works until then
    thief = copy_of(app, client)
    data = {"username": "an.nv", "code": code, "password": "a brand new password"}
    assert app.test_client().post("/activate", data=data).status_code == 302
    assert not is_signed_in(thief)


def test_changing_another_field_keeps_the_users_sessions(app, client, admin, official):
    assert sign_in(client, "an.nv").status_code == 302
    edit(admin, official, title="Phó trưởng phòng")
    assert is_signed_in(client)


def test_signing_out_everywhere_is_audited_with_who_did_it(app, client, db, admin, official):
    sign_in(client, "an.nv")
    client.post("/account/sessions/end")
    admin.post(f"/admin/users/{official.id}/sessions/end")
    events = db.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "accounts:session:ended_everywhere")
        .order_by(AuditEvent.id)
    ).all()
    admin_id = db.scalar(sa.select(User.id).where(User.username == "admin"))
    assert [(e.actor_id, e.subject) for e in events] == [
        (official.id, {"user": official.id}),
        (admin_id, {"user": official.id}),
    ]


def test_only_an_administrator_signs_another_person_out(app, client, official, make):
    other = make.user("b.nv")
    sign_in(client, "an.nv")
    assert client.post(f"/admin/users/{other.id}/sessions/end").status_code == 403
    browser = app.test_client()
    sign_in(browser, "b.nv")
    assert is_signed_in(browser)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_signing_out_everywhere_needs_the_forms_token(app, client, official, app_config):
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    data = {"username": "an.nv", "password": TEST_PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302
    thief = copy_of(app, client)
    assert client.post("/account/sessions/end").status_code == 400
    assert is_signed_in(thief)
    home = client.get("/").get_data(as_text=True)
    assert 'action="/account/sessions/end"' in home


def test_a_session_idle_too_long_ends(app, client, official, clock):
    sign_in(client, "an.nv")
    clock.advance(minutes=29)
    assert is_signed_in(client)
    clock.advance(minutes=29)  # idle 29 minutes again: activity kept it alive
    assert is_signed_in(client)
    clock.advance(minutes=31)
    response = client.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")
    page = client.get(response.location).get_data(as_text=True)
    assert "Phiên làm việc đã kết thúc" in page


def test_an_active_session_still_ends_after_its_lifetime(app, client, official, clock):
    sign_in(client, "an.nv")
    for _ in range(12 * 4 - 1):
        clock.advance(minutes=15)
        assert is_signed_in(client)
    clock.advance(minutes=15)
    assert not is_signed_in(client)


@pytest.mark.parametrize(
    "app_config", [{"SESSION_IDLE_MINUTES": 5, "SESSION_MAX_HOURS": 1}], ids=["configured"]
)
def test_both_limits_are_configurable(app, client, official, clock, app_config):
    sign_in(client, "an.nv")
    clock.advance(minutes=6)
    assert not is_signed_in(client)
    sign_in(client, "an.nv")
    for _ in range(14):
        clock.advance(minutes=4)
        assert is_signed_in(client)
    clock.advance(minutes=5)
    assert not is_signed_in(client)


def test_the_cookie_is_rewritten_at_most_once_a_minute(app, client, official, clock):
    sign_in(client, "an.nv")
    client.get("/")  # the first page adds its forms' token to the session
    clock.advance(seconds=20)
    assert "Set-Cookie" not in client.get("/").headers
    clock.advance(seconds=30)
    assert "Set-Cookie" not in client.get("/").headers
    clock.advance(seconds=15)
    assert "Set-Cookie" in client.get("/").headers
    assert "Set-Cookie" not in client.get("/").headers


def test_the_file_route_refuses_a_revoked_session(app, client, db, make, pdf_of):  # noqa: F811
    office = build_office(make)
    document = sent_to_home(client, db, office, pdf_of)
    reader = app.test_client()
    assert sign_in(reader, office["reader"].username).status_code == 302
    thief = copy_of(app, reader)
    url = f"/documents/{document.id}/v/3/file"
    assert thief.get(url).status_code == 200
    reader.post("/logout")
    response = thief.get(url)
    assert response.status_code == 302 and response.location.startswith("/login")
    assert thief.get(url + "?download=1").status_code == 302


def test_concurrent_revocations_each_count(app, db, official):
    """Two revocations at once both raise the generation: a session stamped between them
    cannot survive the second."""
    from sqlalchemy.orm import Session

    from accounts.sessions import end_sessions
    from core.db import get_engine

    before = official.session_generation
    with Session(get_engine(app)) as first, Session(get_engine(app)) as second:
        end_sessions(first.get(User, official.id))
        end_sessions(second.get(User, official.id))  # read before the first commits
        first.commit()
        second.commit()
    db.expire_all()
    assert db.get(User, official.id).session_generation == before + 2
