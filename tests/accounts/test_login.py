"""Signing in and out, throttling per address and safe redirects (tests/accounts/test_proxies.py
tests the delays per account and address)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent


def actions(db):
    return [e.action for e in db.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


def test_login_page_is_vietnamese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="vi"' in page
    assert "Đăng nhập" in page


def test_login_then_home_then_logout(client, auth, make, db):
    user = make.user("an.nv")
    response = auth.login("an.nv")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert user.full_name in home
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302
    assert actions(db) == ["accounts:session:login", "accounts:session:logout"]


def test_wrong_password_is_refused_and_recorded_without_the_password(client, auth, make, db):
    user = make.user("an.nv")
    response = auth.login("an.nv", "wrong password")
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)
    event = db.scalars(sa.select(AuditEvent)).one()
    assert event.action == "accounts:session:login_failed"
    assert event.actor_id == user.id
    assert "wrong password" not in repr(event.details)


def test_unknown_user_gets_the_same_answer(client, auth, make):
    make.user("an.nv")
    known, unknown = auth.login("an.nv", "wrong password"), auth.login("nobody", "wrong password")
    assert (unknown.status_code, known.status_code) == (401, 401)
    message = "Sai tên đăng nhập hoặc mật khẩu"
    assert message in unknown.get_data(as_text=True) and message in known.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"LOGIN_MAX_FAILURES_PER_ADDRESS": 4}])
def test_many_failures_from_one_address_are_throttled(client, auth, make, app_config):
    make.user("an.nv")
    for n in range(4):
        auth.login(f"guess{n}", "wrong password")
    response = auth.login("an.nv")
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_inactive_user_cannot_sign_in(auth, make):
    make.user("an.nv", active=False)
    assert auth.login("an.nv").status_code == 403


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/admin/users", "/admin/users"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_redirects_only_to_this_site(client, make, target, expected):
    make.user("an.nv")
    response = client.post(
        "/login", data={"username": "an.nv", "password": "correct horse battery", "next": target}
    )
    assert response.headers["Location"] == expected


def test_session_cookie_is_httponly_and_samesite(client, auth, make):
    make.user("an.nv")
    auth.login("an.nv")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
