"""`settled_account_id`: the sessions a response made below Flask may take as signed in.

It must refuse whatever the app refuses (`accounts.sessions.check`) and whatever Flask-Login or
Flask would change; and see the browser as the app sees it behind its trusted proxies.
"""

from __future__ import annotations

import pytest

from accounts import sessions
from accounts.auth import session_identifier, settled_account_id

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


@pytest.fixture
def user(make):
    return make.user("an.nv")


def signed_in(user, environ=BROWSER, **extra):
    contents = {"_user_id": str(user.id), "_fresh": True, "_id": session_identifier(environ)}
    sessions.start(contents, user)
    return {**contents, **extra}


def test_a_settled_session_gives_its_account(app, user, clock):
    assert settled_account_id(app, signed_in(user), BROWSER) == user.id


@pytest.mark.parametrize(
    "contents",
    [
        {"_user_id": "4x2"},
        {"_user_id": 42},
        {"_remember": "set"},
        {"_permanent": True},
        {"_id": "another browser"},
        {sessions.GENERATION: -1},
        {sessions.STARTED: None},
    ],
    ids=[
        "not-a-number",
        "not-a-string",
        "remember-me",
        "permanent",
        "stolen",
        "revoked",
        "unstamped",
    ],
)
def test_sessions_flask_login_would_change_or_refuse_are_left_to_it(app, user, clock, contents):
    assert settled_account_id(app, signed_in(user, **contents), BROWSER) is None


def test_an_anonymous_session_is_left_to_flask(app):
    assert settled_account_id(app, {}, BROWSER) is None


def test_a_session_due_a_new_last_seen_time_is_left_to_flask(app, user, clock):
    contents = signed_in(user)
    clock.advance(seconds=sessions.SEEN_EVERY)
    assert settled_account_id(app, contents, BROWSER) is None


def test_a_revoked_session_is_left_to_flask(app, db, user, clock):
    contents = signed_in(user)
    sessions.end_sessions(user)
    db.commit()
    assert settled_account_id(app, contents, BROWSER) is None


def test_a_deactivated_account_is_left_to_flask(app, db, user, clock):
    contents = signed_in(user)
    user.active = False
    db.commit()
    assert settled_account_id(app, contents, BROWSER) is None


def test_without_session_protection_any_browser_will_do(app, user, clock):
    app.config["SESSION_PROTECTION"] = None
    contents = signed_in(user, _id="another browser")
    assert settled_account_id(app, contents, BROWSER) == user.id


def test_refreshing_remember_me_on_every_request_is_left_to_flask_login(app, user, clock):
    app.config["REMEMBER_COOKIE_REFRESH_EACH_REQUEST"] = True
    assert settled_account_id(app, signed_in(user), BROWSER) is None


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXIES": 1}])
def test_behind_a_trusted_proxy_the_browser_is_the_forwarded_one(app, user, clock, app_config):
    contents = signed_in(user)  # as the app saw the browser: BROWSER's address
    through_proxy = {**BROWSER, "REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "10.1.2.3"}
    assert settled_account_id(app, contents, through_proxy) == user.id
    elsewhere = {**through_proxy, "HTTP_X_FORWARDED_FOR": "10.9.9.9"}
    assert settled_account_id(app, contents, elsewhere) is None
