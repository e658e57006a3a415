"""Session cookies: a verified cookie is remembered, and nothing else changes about sessions."""

from __future__ import annotations

import time

import pytest
from flask import session
from itsdangerous import URLSafeTimedSerializer

from tests.conftest import TEST_PASSWORD


@pytest.fixture
def echo(app):
    """A page that shows the session and changes it, as views do."""

    @app.get("/_test/session")
    def show_session():
        seen = dict(session)
        session.setdefault("visits", []).append(1)  # mutates the session's own list
        return {"seen": seen}

    return "/_test/session"


def cookie_of(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def signed_in(client, make):
    user = make.user("an.nv")
    assert (
        client.post("/login", data={"username": "an.nv", "password": TEST_PASSWORD}).status_code
        == 302
    )
    return user


def test_a_verified_cookie_is_not_verified_again(app, client, make, echo, monkeypatch):
    user = signed_in(client, make)
    checks = []
    real_loads = URLSafeTimedSerializer.loads
    monkeypatch.setattr(
        URLSafeTimedSerializer, "loads", lambda *a, **k: checks.append(1) or real_loads(*a, **k)
    )
    cookie = cookie_of(client)
    for _ in range(3):
        client.set_cookie("session", cookie)  # the browser sends the same cookie again
        seen = client.get(echo).json["seen"]
        assert seen["_user_id"] == str(user.id)
        assert "visits" not in seen  # one request's changes never reach the next one's copy
    assert len(checks) == 1


def test_a_changed_cookie_is_refused_even_after_a_good_one(client, make, echo):
    signed_in(client, make)
    good = cookie_of(client)
    client.get(echo)
    forged = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    client.set_cookie("session", forged)
    assert client.get(echo).json["seen"] == {}
    assert client.get("/inbox").status_code == 302  # signed out: to the login page


def test_a_remembered_cookie_still_expires(app, client, make, echo, monkeypatch):
    signed_in(client, make)
    cookie = cookie_of(client)
    client.get(echo)
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    client.set_cookie("session", cookie)
    assert client.get(echo).json["seen"] == {}
