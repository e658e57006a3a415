"""The browser fingerprint Flask-Login's session protection compares: never a header a client
may write."""

from __future__ import annotations

from accounts.auth import session_identifier

BROWSER = {"REMOTE_ADDR": "10.1.2.3", "HTTP_USER_AGENT": "Mozilla/5.0 (iPad; CPU OS 17_0)"}


def test_the_fingerprint_ignores_forwarded_for_headers():
    forged = {**BROWSER, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    assert session_identifier(forged) == session_identifier(BROWSER)
    assert session_identifier({**BROWSER, "REMOTE_ADDR": "10.1.2.4"}) != session_identifier(BROWSER)
    assert session_identifier({**BROWSER, "HTTP_USER_AGENT": "curl/8"}) != session_identifier(
        BROWSER
    )


def test_flask_login_compares_the_same_fingerprint(app):
    with app.test_request_context(environ_base={**BROWSER, "HTTP_X_FORWARDED_FOR": "1.2.3.4"}):
        assert app.login_manager._session_identifier_generator() == session_identifier(BROWSER)
