"""`settled_account_id`: the sessions a response made below Flask may take as signed in."""

from __future__ import annotations

import pytest
from flask_login.utils import _create_identifier

from accounts.auth import session_identifier, settled_account_id

BROWSERS = [
    {"REMOTE_ADDR": "10.1.2.3", "HTTP_USER_AGENT": "Mozilla/5.0 (iPad; CPU OS 17_0)"},
    {"REMOTE_ADDR": "10.1.2.3"},
    {"HTTP_USER_AGENT": "curl/8"},
    {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7, 10.0.0.1"},
    {"REMOTE_ADDR": "10.0.0.1", "HTTP_USER_AGENT": "Tr\xecnh duy\xeat"},  # latin-1, as WSGI
]


@pytest.mark.parametrize("browser", BROWSERS)
def test_the_fingerprint_is_flask_logins(app, browser):
    environ = {"REMOTE_ADDR": None, **browser}
    with app.test_request_context(environ_base=environ):
        assert session_identifier(environ) == _create_identifier()


def signed_in(environ, **extra):
    return {"_user_id": "42", "_fresh": True, "_id": session_identifier(environ), **extra}


def test_a_settled_session_gives_its_account(app):
    environ = BROWSERS[0]
    assert settled_account_id(app, signed_in(environ), environ) == 42


@pytest.mark.parametrize(
    "contents",
    [
        {},
        {"_user_id": "4x2"},
        {"_user_id": 42},
        {"_remember": "set"},
        {"_permanent": True},
        {"_id": "another browser"},
    ],
    ids=["anonymous", "not-a-number", "not-a-string", "remember-me", "permanent", "stolen"],
)
def test_sessions_flask_login_would_change_or_refuse_are_left_to_it(app, contents):
    environ = BROWSERS[0]
    session = signed_in(environ, **contents) if contents else {}
    assert settled_account_id(app, session, environ) is None


def test_without_session_protection_any_browser_will_do(app):
    app.config["SESSION_PROTECTION"] = None
    session = signed_in(BROWSERS[0], _id="another browser")
    assert settled_account_id(app, session, BROWSERS[1]) == 42


def test_refreshing_remember_me_on_every_request_is_left_to_flask_login(app):
    app.config["REMEMBER_COOKIE_REFRESH_EACH_REQUEST"] = True
    assert settled_account_id(app, signed_in(BROWSERS[0]), BROWSERS[0]) is None
