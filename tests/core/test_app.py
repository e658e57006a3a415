"""The factory's configuration, security headers, errors and the language switch."""

from __future__ import annotations

import stat

import pytest

from audit.config import settings_from_config
from core.app import create_app
from core.security import is_safe_next


def test_every_page_carries_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_load_nothing_from_another_origin(client):
    page = client.get("/login").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page
    assert "<script>" not in page and " style=" not in page


def test_errors_are_html_for_browsers_and_json_for_programs(client):
    html = client.get("/no-such-page")
    assert html.status_code == 404 and html.mimetype == "text/html"
    assert "không tồn tại" in html.get_data(as_text=True)
    as_json = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.is_json
    assert as_json.json["message"]


def test_health_check_answers_when_the_database_does(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_language_choice_is_remembered_in_the_session(client):
    assert "Đăng nhập" in client.get("/login").get_data(as_text=True)
    response = client.post("/language", data={"language": "en", "next": "/login"})
    assert response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Sign in to VanThu" in page


def test_language_choice_is_stored_on_the_account(client, auth, make, db):
    user = make.user("an.nv")
    auth.login("an.nv")
    client.post("/language", data={"language": "en"})
    db.refresh(user)
    assert user.locale == "en"
    auth.logout()
    fresh = client.application.test_client()
    fresh.post("/login", data={"username": "an.nv", "password": "correct horse battery"})
    assert 'lang="en"' in fresh.get("/").get_data(as_text=True)


def test_unknown_language_is_refused(client):
    assert client.post("/language", data={"language": "fr"}).status_code == 400


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/documents/1", True),
        ("/", True),
        ("//evil", False),
        ("https://evil", False),
        ("/\\evil", False),
        ("", False),
        (None, False),
        ("/a\nb", False),
        ("evil", False),
    ],
)
def test_is_safe_next(target, safe):
    assert is_safe_next(target) is safe


def test_oversized_request_gets_413_with_a_clear_message(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/login", data={"username": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "MB" in response.get_data(as_text=True)


def test_the_app_generates_its_secrets_once_into_the_instance_dir(
    tmp_path, monkeypatch, database_url
):
    monkeypatch.setenv("VANTHU_INSTANCE_DIR", str(tmp_path / "inst"))
    for name in ("VANTHU_SECRET_KEY", "VANTHU_KEY_PEPPER", "VANTHU_CA_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("VANTHU_LOG_SIGNER_KEY", raising=False)
    keys = ("SECRET_KEY", "SIGNING_KEY_PEPPER", "SIGNING_CA_PASSPHRASE")
    started = [create_app({"DATABASE_URL": database_url}) for _ in range(2)]
    assert started[0].instance_path == str((tmp_path / "inst").resolve())
    assert [[app.config[key] for key in keys] for app in started] == [
        [(tmp_path / "inst" / name).read_text().strip() for name in files]
        for files in [("secret_key", "key_pepper", "ca_passphrase")] * 2
    ]
    assert len({started[0].config[key] for key in keys}) == 3
    vkeys = {settings_from_config(app.config).vkey for app in started}
    assert len(vkeys) == 1  # the log's key, generated once too
    generated = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "inst").iterdir()}
    assert generated == dict.fromkeys(
        ["ca_passphrase", "key_pepper", "log_signer.key", "secret_key"], 0o600
    )
